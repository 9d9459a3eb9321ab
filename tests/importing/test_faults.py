"""The batcher against a server that fails: 429s, 5xx, dropped connections, lost answers, refused batches."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from batcher_scenarios import assert_accounted, import_fault, make_orders

import voucherify_async as vf
from voucherify_async.emulator import Emulator, RateLimits
from voucherify_async.importing.batcher import ImportBatcher

IMPORT = "POST /v1/orders/import"


def _imports(emulator: Emulator) -> list[Any]:
    return [request for request in emulator.requests if request.route == IMPORT]


@pytest.mark.anyio
async def test_a_429_with_a_long_retry_after_is_waited_exactly(
    client: vf.AsyncVoucherify, emulator: Emulator, clock: vf.ManualClock
) -> None:
    emulator.add_fault(import_fault("status", status=429, nth=[1], headers={"Retry-After": "3000"}))
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, on_progress=events.append).run(make_orders(10))
    waits = [event for event in events if isinstance(event, vf.RateLimitWait)]
    assert [(wait.seconds, wait.reason) for wait in waits] == [(3000.0, "429")]
    assert 3000.0 in clock.sleeps
    assert report.imported == 10
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_429_wait_ends_when_the_event_says(
    client: vf.AsyncVoucherify, emulator: Emulator, clock: vf.ManualClock
) -> None:
    emulator.add_fault(import_fault("status", status=429, nth=[1], headers={"Retry-After": "1800"}))
    events: list[vf.ProgressEvent] = []
    start = clock.time()
    await ImportBatcher(client, on_progress=events.append).run(make_orders(1))
    (wait,) = [event for event in events if isinstance(event, vf.RateLimitWait)]
    assert wait.until == pytest.approx(start + 1800.0, abs=5)


@pytest.mark.anyio
async def test_a_429_does_not_count_as_a_bulk_call(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    emulator.add_fault(import_fault("status", status=429, nth=[1], headers={"Retry-After": "60"}))
    report = await ImportBatcher(client).run(make_orders(3))
    assert report.bulk_calls == 1


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.anyio
async def test_server_errors_lose_nothing(
    client: vf.AsyncVoucherify, emulator: Emulator, status: int
) -> None:
    emulator.add_fault(import_fault("status", status=status, nth=[1, 2]))
    report = await ImportBatcher(client, batch_size=5).run(make_orders(12))
    assert report.imported == 12
    assert len(emulator.project("app").orders) == 12
    assert emulator.project("app").import_requests == 3  # each batch accepted once, none twice
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_503_import_is_sent_again_without_looking_for_its_action(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(import_fault("status", status=503, nth=[1]))
    report = await ImportBatcher(client).run(make_orders(3))
    assert [r.route for r in emulator.requests if r.route == "GET /v1/async-actions"] == []
    assert (emulator.project("app").import_requests, report.imported) == (1, 3)


@pytest.mark.anyio
async def test_a_500_import_is_looked_for_before_it_is_sent_again(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(import_fault("status", status=500, nth=[1]))
    report = await ImportBatcher(client).run(make_orders(3))
    assert len([r for r in emulator.requests if r.route == "GET /v1/async-actions"]) == 2
    assert (emulator.project("app").import_requests, report.imported) == (1, 3)


@pytest.mark.anyio
async def test_a_408_import_is_sent_again(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    emulator.add_fault(import_fault("status", status=408, nth=[1]))
    report = await ImportBatcher(client).run(make_orders(3))
    assert (emulator.project("app").import_requests, report.imported) == (1, 3)


@pytest.mark.anyio
async def test_dropped_connections_lose_nothing(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    emulator.add_fault(import_fault("drop", nth=[1, 3]))
    report = await ImportBatcher(client, batch_size=5).run(make_orders(12))
    assert report.imported == 12
    assert len(emulator.project("app").orders) == 12
    assert emulator.project("app").import_requests == 3
    assert_accounted(report)


@pytest.mark.anyio
async def test_dropped_polls_lose_nothing(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    from voucherify_async.emulator import Fault

    emulator.add_fault(Fault("drop", route="GET /v1/async-actions/{id}", nth=[1, 2]))
    report = await ImportBatcher(client).run(make_orders(4))
    assert report.imported == 4
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_lost_acknowledgement_is_adopted_not_resent(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(import_fault("lost_ack", nth=[1]))
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, on_progress=events.append).run(make_orders(7))
    assert len(_imports(emulator)) == 1
    assert emulator.project("app").import_requests == 1
    submitted = [event for event in events if isinstance(event, vf.BatchSubmitted)]
    assert [event.how for event in submitted] == ["adopted"]
    assert report.imported == 7
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_lost_acknowledgement_never_breaks_the_one_import_rule(emulators: Any, clients: Any) -> None:
    emu = await emulators(processing_rate=50.0)
    emu.add_fault(import_fault("lost_ack", nth=[1, 2]))
    client = await clients(emu)
    report = await ImportBatcher(client, batch_size=100).run(make_orders(300))
    assert emu.project("app").imports_submitted_while_busy == 0
    assert emu.project("app").import_requests == 3
    assert report.imported == 300
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_dropped_request_that_never_arrived_is_resent(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(import_fault("drop", nth=[1]))
    report = await ImportBatcher(client).run(make_orders(3))
    assert (emulator.project("app").import_requests, report.imported) == (1, 3)


@pytest.mark.anyio
async def test_a_400_only_the_server_knows_is_isolated_with_one_extra_call(
    emulators: Any, clients: Any
) -> None:
    emu = await emulators(metadata_schema={"channel": ["web", "store"]})
    client = await clients(emu)
    orders = make_orders(20, metadata={"channel": "web"})
    orders[4]["metadata"] = {"channel": "fax"}
    orders[13]["metadata"] = {"channel": "phone"}
    report = await ImportBatcher(client).run(orders)
    assert [failure.source_id for failure in report.rejected] == ["o-4", "o-13"]
    assert "metadata.channel must be one of" in report.rejected[0].reason
    assert report.imported == 18
    assert report.bulk_calls == 2
    assert report.extra_bulk_calls == 1
    assert_accounted(report)


@pytest.mark.anyio
async def test_isolated_orders_never_reach_the_server(emulators: Any, clients: Any) -> None:
    emu = await emulators(metadata_schema={"channel": ["web"]})
    client = await clients(emu)
    orders = make_orders(5, metadata={"channel": "web"})
    orders[2]["metadata"] = {"channel": "fax"}
    await ImportBatcher(client).run(orders)
    assert "o-2" not in emu.project("app").orders
    assert len(emu.project("app").orders) == 4


@pytest.mark.anyio
async def test_a_400_whose_rule_is_unknown_is_split_as_a_last_resort(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    # The details name a property path (so an order may be at fault) with a rule the batcher cannot read.
    details = "Property .metadata.region is not allowed in this project"
    emulator.add_fault(
        import_fault(
            "status", status=400, nth=[1], body={"code": 400, "key": "invalid_payload", "details": details}
        )
    )
    report = await ImportBatcher(client).run(make_orders(8))
    # The split halves are both accepted: nothing was wrong with the orders after all.
    assert report.imported == 8
    assert report.batches[0].bulk_calls == 3
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_batch_of_only_offenders_is_refused_without_more_calls(emulators: Any, clients: Any) -> None:
    emu = await emulators(metadata_schema={"channel": ["web"]})
    client = await clients(emu)
    report = await ImportBatcher(client).run(make_orders(3, metadata={"channel": "fax"}))
    assert [batch.status for batch in report.batches] == ["REFUSED"]
    assert len(report.rejected) == 3
    assert emu.project("app").import_requests == 0
    assert report.bulk_calls == 1
    assert_accounted(report)


@pytest.mark.anyio
async def test_the_bulk_budget_is_paced_not_hit(emulators: Any, clients: Any, clock: vf.ManualClock) -> None:
    emu = await emulators(rate_limits=RateLimits(bulk_calls_per_hour=2))
    client = await clients(emu)
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, batch_size=2, on_progress=events.append).run(make_orders(6))
    assert [request.status for request in _imports(emu)] == [200, 200, 200]
    waits = [event for event in events if isinstance(event, vf.RateLimitWait)]
    assert [(wait.reason, wait.limit_type) for wait in waits] == [("paced", "bulk_api_calls")]
    assert report.imported == 6
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_hit_bulk_limit_is_waited_out(emulators: Any, clients: Any) -> None:
    emu = await emulators(rate_limits=RateLimits(bulk_calls_per_hour=1))
    client = await clients(emu)
    await client.orders.import_orders([{"source_id": "earlier"}])  # spends the hour's budget elsewhere
    client_without_memory = await clients(emu)
    report = await ImportBatcher(client_without_memory).run(make_orders(2))
    assert [request.status for request in _imports(emu)] == [200, 429, 200]
    assert report.rate_limit_wait > 3000
    assert report.imported == 2


@pytest.mark.anyio
async def test_isolation_gives_up_after_max_refusals(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    refused = {"code": 400, "key": "invalid_payload", "details": "Property .metadata.region is odd"}
    # Refused: the batch, its second half, that half's second half, and so on; the first halves go through.
    emulator.add_fault(import_fault("status", status=400, nth=[1, 3, 5, 7], body=refused))
    report = await ImportBatcher(client, max_refusals=3).run(make_orders(64))
    assert report.bulk_calls == 7
    assert [failure.source_id for failure in report.rejected] == [f"o-{n}" for n in range(56, 64)]
    assert "not isolated further after 4 refusals" in report.rejected[0].reason
    assert report.imported == 56
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_long_rate_limit_wait_can_be_cancelled(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(import_fault("status", status=429, headers={"Retry-After": "3000"}))
    batcher = ImportBatcher(client)
    with anyio.CancelScope() as scope:

        def cancel_on_wait(event: vf.ProgressEvent) -> None:
            if isinstance(event, vf.RateLimitWait):
                scope.cancel()

        batcher.on_progress = cancel_on_wait
        await batcher.run(make_orders(3))
    assert scope.cancelled_caught
    assert emulator.project("app").import_requests == 0
    assert batcher.report is not None
    assert batcher.report.in_flight_action_id is None


@pytest.mark.anyio
async def test_a_429_without_retry_after_waits_until_the_window_resets(
    client: vf.AsyncVoucherify, emulator: Emulator, clock: vf.ManualClock
) -> None:
    reset_at = int(clock.time()) + 1800
    headers = {"Retry-After": "", "X-Rate-Limit-Retry": str(reset_at)}
    emulator.add_fault(import_fault("status", status=429, nth=[1], headers=headers))
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, on_progress=events.append).run(make_orders(2))
    (wait,) = [event for event in events if isinstance(event, vf.RateLimitWait)]
    assert wait.until == pytest.approx(reset_at, abs=1)
    assert report.imported == 2
