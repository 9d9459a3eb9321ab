"""Finding the action an import created when its answer was lost: across clock skew, beside other imports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest
from batcher_scenarios import assert_accounted, cut_journal_after_last, import_fault, make_orders

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.outcome import counts_other_orders

SKEW = 30.0  # seconds between the clocks, far beyond the default lost_ack_margin of 5 s


def _hows(events: list[vf.ProgressEvent]) -> list[str]:
    return [event.how for event in events if isinstance(event, vf.BatchSubmitted)]


async def _skewed(emulators: Any, clock: vf.ManualClock, skew: float) -> Emulator:
    """An emulator whose clock reads ``skew`` seconds more than ours."""
    return await emulators(time_source=lambda: clock.time() + skew)  # type: ignore[no-any-return]


@pytest.mark.anyio
async def test_a_lost_answer_is_adopted_when_our_clock_runs_ahead_of_the_servers(
    emulators: Any, clients: Any, clock: vf.ManualClock
) -> None:
    emu = await _skewed(emulators, clock, -SKEW)
    emu.add_fault(import_fault("lost_ack", nth=[2]))
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(await clients(emu), batch_size=2, on_progress=events.append).run(
        make_orders(4)
    )
    assert _hows(events) == ["submitted", "adopted"]
    assert emu.project("app").import_requests == 2
    assert_accounted(report)


@pytest.mark.anyio
async def test_another_process_import_from_before_our_last_is_not_adopted_when_the_server_runs_ahead(
    emulators: Any, clients: Any, clock: vf.ManualClock
) -> None:
    emu = await _skewed(emulators, clock, SKEW)
    other_process = await clients(emu)
    await other_process.orders.import_orders(make_orders(3, start=100))
    emu.add_fault(import_fault("lost_ack", nth=[2]))  # our second import
    report = await ImportBatcher(await clients(emu), batch_size=2).run(make_orders(4))
    created_by_our_second_request = emu.project("app").async_actions[-1]["id"]
    assert report.batches[1].async_action_id == created_by_our_second_request
    assert report.imported == 4


@pytest.mark.anyio
async def test_a_second_look_finds_an_import_the_server_had_not_listed_yet(
    client: vf.AsyncVoucherify, emulator: Emulator, clock: vf.ManualClock
) -> None:
    emulator.add_fault(import_fault("lost_ack", nth=[1]))
    not_listed_yet = {"object": "list", "data_ref": "async_actions", "async_actions": [], "has_more": False}
    emulator.add_fault(
        Fault("status", route="GET /v1/async-actions", status=200, nth=[1], body=not_listed_yet)
    )
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, on_progress=events.append, lost_ack_margin=4.0).run(make_orders(3))
    assert _hows(events) == ["adopted"]
    assert emulator.project("app").import_requests == 1
    assert 4.0 in clock.sleeps
    assert report.imported == 3


@pytest.mark.anyio
async def test_a_resumed_run_adopts_the_killed_runs_import_across_clock_skew(
    emulators: Any, clients: Any, clock: vf.ManualClock, tmp_path: Path
) -> None:
    emu = await _skewed(emulators, clock, -SKEW)
    client = await clients(emu)
    journal = tmp_path / "import.journal"
    orders = make_orders(6)
    with anyio.CancelScope() as scope:

        def stop(event: vf.ProgressEvent) -> None:
            if isinstance(event, vf.BatchSubmitted) and event.batch == 2:
                scope.cancel()

        await ImportBatcher(client, batch_size=2, checkpoint=journal, on_progress=stop).run(orders)
    cut_journal_after_last(journal, "submitting", 2)  # killed before the answer of batch 2 was recorded
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, batch_size=2, checkpoint=journal, on_progress=events.append).run(
        orders
    )
    assert _hows(events) == ["adopted", "submitted"]
    assert emu.project("app").import_requests == 3
    assert_accounted(report)


@pytest.mark.anyio
async def test_an_import_whose_answer_came_after_our_timeout_is_adopted(
    emulator: Emulator, clock: vf.ManualClock
) -> None:
    # The server queues the import at once but answers only after the client gave up waiting (real time).
    emulator.add_fault(import_fault("slow_ack", nth=[1], delay=0.6))
    events: list[vf.ProgressEvent] = []
    async with vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=clock, timeout=0.15) as client:
        report = await ImportBatcher(client, on_progress=events.append).run(make_orders(3))
    assert _hows(events) == ["adopted"]
    assert emulator.project("app").import_requests == 1
    assert report.imported == 3


@pytest.mark.anyio
async def test_an_adopted_import_of_another_size_is_not_counted_as_ours(
    client: vf.AsyncVoucherify, emulator: Emulator, clients: Any
) -> None:
    other_process = await clients(emulator)
    others = await other_process.orders.import_orders(make_orders(5, start=100))
    # Ours never arrives, yet an import created in the same moment is there to be mistaken for it.
    emulator.add_fault(import_fault("drop", nth=[1]))
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, on_progress=events.append).run(make_orders(3))
    assert _hows(events) == ["adopted", "submitted"]
    assert report.batches[0].async_action_id != others
    assert {"o-0", "o-1", "o-2"} <= set(emulator.project("app").orders)
    assert report.imported == 3
    assert events[-1].progress.orders_sent == 3  # the disowned import's orders are not counted as sent


@pytest.mark.anyio
async def test_an_adopted_import_of_the_same_size_without_our_orders_is_not_counted_as_ours(
    client: vf.AsyncVoucherify, emulator: Emulator, clients: Any
) -> None:
    other_process = await clients(emulator)
    others = await other_process.orders.import_orders(make_orders(3, start=100))
    emulator.add_fault(import_fault("drop", nth=[1]))  # ours never arrives
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, on_progress=events.append).run(make_orders(3))
    assert _hows(events) == ["adopted", "submitted"]
    assert report.batches[0].async_action_id != others
    assert {"o-0", "o-1", "o-2"} <= set(emulator.project("app").orders)


@pytest.mark.anyio
async def test_an_adopted_import_is_confirmed_with_three_order_lookups(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(import_fault("lost_ack", nth=[1]))
    await ImportBatcher(client).run(make_orders(3))
    lookups = [r.path for r in emulator.requests if r.route == "GET /v1/orders/{id}"]
    assert lookups == ["/v1/orders/o-2", "/v1/orders/o-0", "/v1/orders/o-1"]  # the last, first and middle


def test_a_failed_action_proves_nothing_about_whose_import_it_was() -> None:
    action = vf.AsyncAction(
        id="aa_1", status="FAILED", result=vf.OrdersImportResult(done_count=0, failed_count=0, failed=[])
    )
    assert not counts_other_orders(action, 3)


def test_a_done_action_holding_as_many_orders_is_taken_as_ours() -> None:
    action = vf.AsyncAction(
        id="aa_1", status="DONE", result=vf.OrdersImportResult(done_count=2, failed_count=1, failed=[])
    )
    assert not counts_other_orders(action, 3)
