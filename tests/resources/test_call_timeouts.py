"""Per-call timeouts: every resource method takes this call's ``timeout`` (``request_timeout`` for waits).

A route slowed by a latency fault answers well within the client's default timeout (60 s) but after the
call's own, so each test tells the per-call limit from the client's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault

pytestmark = pytest.mark.anyio

SLOW = 0.6
"""Seconds the slowed route takes (real time: the emulator's latency fault sleeps for real)."""
SHORT = 0.15
"""The per-call timeout, well below ``SLOW``."""

Call = Callable[[vf.AsyncVoucherify, str], Awaitable[object]]


async def _drain(chunks: object) -> None:
    async for _ in chunks:  # type: ignore[attr-defined]
        pass


CALLS: dict[str, tuple[str, Call]] = {
    "orders.create": ("POST /v1/orders", lambda c, _: c.orders.create({"source_id": "o-2"}, timeout=SHORT)),
    "orders.get": ("GET /v1/orders/{id}", lambda c, _: c.orders.get("o-1", timeout=SHORT)),
    "orders.update": ("PUT /v1/orders/{id}", lambda c, _: c.orders.update("o-1", {}, timeout=SHORT)),
    "orders.list": ("GET /v1/orders", lambda c, _: c.orders.list(timeout=SHORT)),
    "orders.iterate": ("GET /v1/orders", lambda c, _: _drain(c.orders.iterate(timeout=SHORT))),
    "orders.import_orders": (
        "POST /v1/orders/import",
        lambda c, _: c.orders.import_orders([{"source_id": "o-2"}], timeout=SHORT),
    ),
    "orders.export": ("POST /v1/orders/export", lambda c, _: c.orders.export(timeout=SHORT)),
    "async_actions.get": ("GET /v1/async-actions/{id}", lambda c, a: c.async_actions.get(a, timeout=SHORT)),
    "async_actions.list": ("GET /v1/async-actions", lambda c, _: c.async_actions.list(timeout=SHORT)),
    "async_actions.iterate": (
        "GET /v1/async-actions",
        lambda c, _: _drain(c.async_actions.iterate(timeout=SHORT)),
    ),
    "async_actions.wait": (
        "GET /v1/async-actions/{id}",
        lambda c, a: c.async_actions.wait(a, request_timeout=SHORT),
    ),
}


@pytest.fixture
async def action_id(client: vf.AsyncVoucherify) -> str:
    return await client.orders.import_orders([{"source_id": "o-1"}])


@pytest.mark.parametrize("name", list(CALLS))
async def test_a_call_slower_than_its_own_timeout_raises_api_timeout_error(
    client: vf.AsyncVoucherify, emulator: Emulator, action_id: str, name: str
) -> None:
    route, call = CALLS[name]
    emulator.add_fault(Fault("latency", route=route, delay=SLOW))

    with pytest.raises(vf.APITimeoutError):
        await call(client, action_id)


async def test_a_call_times_out_on_its_own_timeout_where_the_clients_default_would_not(
    client: vf.AsyncVoucherify, emulator: Emulator, action_id: str
) -> None:
    emulator.add_fault(Fault("latency", route="GET /v1/orders/{id}", delay=SLOW))
    with pytest.raises(vf.APITimeoutError):
        await client.orders.get("o-1", timeout=SHORT)
    emulator.clear_faults()

    order = await client.orders.get("o-1")

    assert order.source_id == "o-1"


async def test_a_per_call_timeout_may_be_a_timeout_object(
    client: vf.AsyncVoucherify, emulator: Emulator, action_id: str
) -> None:
    emulator.add_fault(Fault("latency", route="GET /v1/orders", delay=SLOW))

    with pytest.raises(vf.APITimeoutError):
        await client.orders.list(timeout=vf.Timeout(total=SHORT, connect=1.0))


async def test_a_slow_import_is_not_resent_after_its_own_timeout(
    client: vf.AsyncVoucherify, emulator: Emulator, action_id: str
) -> None:
    # Processed at once, answered late: the import is queued though the call timed out.
    emulator.add_fault(Fault("slow_ack", route="POST /v1/orders/import", delay=SLOW))

    with pytest.raises(vf.APITimeoutError) as caught:
        await client.orders.import_orders([{"source_id": "o-2"}], timeout=SHORT)

    assert caught.value.request_sent is True
    assert emulator.project("app").import_requests == 2  # the fixture's import, and this one once


@pytest.mark.parametrize("route", ["GET /v1/exports/{id}", "GET /download/v1/exports/{id}"])
async def test_export_rows_apply_their_request_timeout_to_polls_and_download(
    client: vf.AsyncVoucherify, emulator: Emulator, action_id: str, route: str
) -> None:
    export = await client.orders.export(fields=["source_id"])
    emulator.add_fault(Fault("latency", route=route, delay=SLOW))

    with pytest.raises(vf.APITimeoutError):
        await _drain(client.exports.rows(export.id, request_timeout=SHORT))


async def test_exports_get_takes_a_timeout_of_its_own(
    client: vf.AsyncVoucherify, emulator: Emulator, action_id: str
) -> None:
    export = await client.orders.export(fields=["source_id"])
    emulator.add_fault(Fault("latency", route="GET /v1/exports/{id}", delay=SLOW))

    with pytest.raises(vf.APITimeoutError):
        await client.exports.get(export.id, timeout=SHORT)
