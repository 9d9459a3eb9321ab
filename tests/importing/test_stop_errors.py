"""An error that stops a run comes out of ``run()`` and ``stream()`` as one plain ``vf.VoucherifyError``.

Never as an exception group around it: the batcher's tasks keep their errors and raise the first one once
their task groups are closed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from batcher_scenarios import make_orders

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault
from voucherify_async.importing.batcher import ImportBatcher

Entry = Callable[[ImportBatcher, list[dict[str, Any]]], Awaitable[object]]


async def _run(batcher: ImportBatcher, orders: list[dict[str, Any]]) -> object:
    return await batcher.run(orders)


async def _stream(batcher: ImportBatcher, orders: list[dict[str, Any]]) -> object:
    async with batcher.stream(orders) as results:
        return [result async for result in results]


ENTRIES = pytest.mark.parametrize("entry", [_run, _stream], ids=["run", "stream"])
STOPS = pytest.mark.parametrize(
    ("route", "status", "cause"),
    [
        ("POST /v1/orders/import", 401, vf.AuthenticationError),
        ("POST /v1/orders/import", 403, vf.PermissionDeniedError),
        ("POST /v1/orders/import", 500, vf.ServerError),
        ("GET /v1/async-actions/{id}", 401, vf.AuthenticationError),
        ("GET /v1/async-actions/{id}", 500, vf.ServerError),
    ],
    ids=["import-401", "import-403", "import-500", "poll-401", "poll-500"],
)


@ENTRIES
@STOPS
@pytest.mark.anyio
async def test_a_stopping_api_error_comes_out_as_one_voucherify_error(
    client: vf.AsyncVoucherify, emulator: Emulator, entry: Entry, route: str, status: int, cause: type
) -> None:
    emulator.add_fault(Fault("status", route=route, status=status))
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the type is what is checked
        await entry(ImportBatcher(client, batch_size=2), make_orders(5))
    assert type(caught.value) is vf.ImportInterruptedError
    assert isinstance(caught.value.__cause__, cause)


@ENTRIES
@pytest.mark.anyio
async def test_a_500_import_stops_only_after_its_resends(
    client: vf.AsyncVoucherify, emulator: Emulator, entry: Entry
) -> None:
    emulator.add_fault(Fault("status", route="POST /v1/orders/import", status=500))
    with pytest.raises(vf.ImportInterruptedError):
        await entry(ImportBatcher(client, max_submit_attempts=3), make_orders(2))
    posts = [r for r in emulator.requests if r.route == "POST /v1/orders/import"]
    assert len(posts) == 3


@ENTRIES
@pytest.mark.anyio
async def test_a_source_error_comes_out_as_itself(client: vf.AsyncVoucherify, entry: Entry) -> None:
    def broken() -> Any:
        yield from make_orders(3)
        raise vf.SourceError("orders.jsonl: unreadable")

    with pytest.raises(Exception) as caught:  # noqa: PT011 - the type is what is checked
        await entry(ImportBatcher(client, batch_size=2), broken())
    assert type(caught.value) is vf.SourceError


@pytest.mark.anyio
async def test_an_error_after_the_first_result_comes_out_of_the_stream_as_itself(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("status", route="POST /v1/orders/import", status=401, nth=[2]))
    seen: list[int] = []

    async def consume() -> None:
        async with ImportBatcher(client, batch_size=2).stream(make_orders(5)) as results:
            async for result in results:
                seen.append(result.index)

    with pytest.raises(Exception) as caught:  # noqa: PT011 - the type is what is checked
        await consume()
    assert type(caught.value) is vf.ImportInterruptedError
    assert isinstance(caught.value.__cause__, vf.AuthenticationError)
    assert seen == [1]
