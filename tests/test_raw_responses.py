"""``client.with_raw_response``: status, headers and request id beside the parsed model of one call."""

from __future__ import annotations

from datetime import datetime, timezone

import anyio
import pytest

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault, RateLimits

pytestmark = pytest.mark.anyio


async def test_a_raw_get_gives_the_model_status_headers_and_request_id(client: vf.AsyncVoucherify) -> None:
    await client.orders.create({"source_id": "o-1", "status": "PAID", "amount": 5})
    raw = await client.with_raw_response.orders.get("o-1")
    order: vf.Order = raw.parse()
    assert order.source_id == "o-1"
    assert raw.parsed is order
    assert raw.status == 200
    assert raw.request_id is not None
    assert raw.request_id == raw.headers["x-request-id"]  # any case
    assert raw.elapsed is not None


async def test_the_date_header_reads_on_the_server_s_clock(
    client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    raw = await client.with_raw_response.orders.list(limit=1)
    assert raw.date == datetime.fromtimestamp(int(clock.time()), timezone.utc)
    assert isinstance(raw.parsed, vf.OrdersPage)


async def test_an_import_s_raw_answer_shows_the_bulk_budget(clock: vf.ManualClock) -> None:
    limits = RateLimits(bulk_calls_per_hour=5)
    async with (
        Emulator(time_source=clock.time, rate_limits=limits) as emu,
        vf.AsyncVoucherify("app", "token", base_url=emu.url, clock=clock) as client,
    ):
        raw = await client.with_raw_response.orders.import_orders([{"source_id": "o-1", "amount": 1}])
    assert raw.parsed.startswith("aa_")
    assert raw.rate_limit == vf.RateLimitInfo(
        limit=5, remaining=4, reset_at=raw.rate_limit.reset_at if raw.rate_limit else None,
        limit_type="bulk_api_calls",
    )  # fmt: skip
    assert raw.headers["X-Rate-Limit-Remaining"] == "4"


async def test_after_retries_the_last_attempt_s_answer_is_kept(
    emulator: Emulator, client: vf.AsyncVoucherify
) -> None:
    emulator.add_fault(Fault("status", route="GET /v1/async-actions", nth=1, status=503))
    raw = await client.with_raw_response.async_actions.list(limit=5)
    assert raw.status == 200
    assert raw.parsed.async_actions == []


async def test_an_error_is_raised_as_by_the_plain_call(client: vf.AsyncVoucherify) -> None:
    with pytest.raises(vf.NotFoundError) as caught:
        await client.with_raw_response.orders.get("missing")
    assert caught.value.request_id is not None


async def test_concurrent_raw_calls_keep_their_own_answers(client: vf.AsyncVoucherify) -> None:
    for n in range(5):
        await client.orders.create({"source_id": f"o-{n}", "status": "PAID", "amount": n + 1})
    got: dict[str, vf.RawResponse[vf.Order]] = {}

    async def fetch(source_id: str) -> None:
        got[source_id] = await client.with_raw_response.orders.get(source_id)

    async with anyio.create_task_group() as group:
        for n in range(5):
            group.start_soon(fetch, f"o-{n}")
    assert {key: raw.parsed.source_id for key, raw in got.items()} == {f"o-{n}": f"o-{n}" for n in range(5)}
    assert len({raw.request_id for raw in got.values()}) == 5


async def test_raw_calls_of_exports_and_waits(client: vf.AsyncVoucherify) -> None:
    export = await client.orders.export(fields=["source_id"])
    waited = await client.with_raw_response.exports.wait(export.id)
    assert (waited.status, waited.parsed.status) == (200, vf.ExportStatus.DONE)
    action_id = await client.orders.import_orders([{"source_id": "o-1", "amount": 1}])
    action = await client.with_raw_response.async_actions.wait(action_id)
    assert action.parsed.status == vf.AsyncActionStatus.DONE


async def test_a_plain_call_is_unchanged_by_the_raw_form(client: vf.AsyncVoucherify) -> None:
    assert client.with_raw_response.orders.get.__doc__ == client.orders.get.__doc__
    assert client.with_options(max_retries=1).with_raw_response.orders is not client.with_raw_response.orders
