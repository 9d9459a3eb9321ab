"""After a lost answer, an action is adopted only on evidence that it holds our orders: another worker's
import in the same moment, a server clock far off, a busy project, an action that FAILED."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from batcher_scenarios import (
    assert_accounted,
    cut_journal_after_last,
    import_fault,
    make_orders,
    stop_at_submission,
)

import voucherify_async as vf
from voucherify_async.emulator import Emulator
from voucherify_async.importing.batcher import ImportBatcher


def _with_unknown_customer(
    orders: list[dict[str, Any]], position: int, customer: str
) -> list[dict[str, Any]]:
    """The server fails the order at ``position`` inside its action (its customer does not exist)."""
    orders[position] = {**orders[position], "customer": {"id": customer}}
    return orders


def _hows(events: list[vf.ProgressEvent]) -> list[str]:
    return [event.how for event in events if isinstance(event, vf.BatchSubmitted)]


def _accepted_imports(emulator: Emulator) -> int:
    return sum(
        1 for r in emulator.requests if r.route == "POST /v1/orders/import" and r.status in (200, None)
    )


@pytest.mark.anyio
async def test_another_workers_import_a_second_before_ours_is_not_taken_for_ours(
    client: vf.AsyncVoucherify, emulator: Emulator, clients: Any, clock: vf.ManualClock
) -> None:
    worker_b = await clients(emulator)
    b_action = await worker_b.orders.import_orders(
        _with_unknown_customer(make_orders(3, start=100), 0, "cust_unknown_to_b")
    )
    clock.advance(1.0)  # B's import was created a second before our request
    emulator.add_fault(import_fault("lost_ack", nth=[1]))  # our import runs, its answer is lost
    ours = _with_unknown_customer(make_orders(3), 1, "cust_unknown_to_us")
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, coordinate_with_other_processes=True, on_progress=events.append).run(
        ours
    )
    our_action = emulator.project("app").async_actions[-1]["id"]
    assert our_action != b_action
    assert report.batches[0].async_action_id == our_action
    assert [failure.source_id for failure in report.failed] == ["o-1"]
    assert report.imported == 2
    assert emulator.project("app").import_requests == 2  # B's and ours: ours was not sent again
    assert _hows(events) == ["adopted", "adopted"]  # B's first (the oldest candidate), then ours
    (set_aside,) = [event for event in events if isinstance(event, vf.ActionSetAside)]
    assert set_aside.async_action_id == b_action
    assert set_aside.proven_not_ours
    assert_accounted(report)


@pytest.mark.anyio
async def test_another_workers_import_of_the_same_size_without_failures_is_not_taken_for_ours(
    client: vf.AsyncVoucherify, emulator: Emulator, clients: Any, clock: vf.ManualClock
) -> None:
    worker_b = await clients(emulator)
    b_action = await worker_b.orders.import_orders(make_orders(3, start=100))
    clock.advance(1.0)
    emulator.add_fault(import_fault("lost_ack", nth=[1]))
    report = await ImportBatcher(client, coordinate_with_other_processes=True).run(make_orders(3))
    assert report.batches[0].async_action_id not in (None, b_action)
    assert report.imported == 3
    assert emulator.project("app").import_requests == 2


@pytest.mark.anyio
async def test_a_failed_import_of_another_worker_is_passed_over_when_ours_never_arrived(
    client: vf.AsyncVoucherify, emulator: Emulator, clients: Any
) -> None:
    emulator.add_fault(import_fault("action_failed", nth=[1]))  # B's import FAILS, naming nobody
    worker_b = await clients(emulator)
    await worker_b.orders.import_orders(make_orders(3, start=100))
    emulator.add_fault(import_fault("drop", nth=[1]))  # ours never arrives
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, on_progress=events.append).run(make_orders(3))
    assert _hows(events) == ["adopted", "submitted"]
    assert report.imported == 3
    assert not report.failed
    assert report.unconfirmed_action_ids == []
    assert {"o-0", "o-1", "o-2"} <= set(emulator.project("app").orders)


@pytest.mark.anyio
async def test_an_action_that_cannot_be_proven_ours_is_reported_not_counted(
    client: vf.AsyncVoucherify, emulator: Emulator, clients: Any, clock: vf.ManualClock, tmp_path: Path
) -> None:
    await client.orders.import_orders(make_orders(3))  # our orders exist from an earlier import
    clock.advance(60.0)
    emulator.add_fault(import_fault("action_failed", nth=[2]))  # B's import FAILS, naming nobody
    worker_b = await clients(emulator)
    b_action = await worker_b.orders.import_orders(make_orders(3, start=100))
    emulator.add_fault(import_fault("drop", nth=[1]))  # ours never arrives
    journal = tmp_path / "run.journal"
    report = await ImportBatcher(client, checkpoint=journal).run(make_orders(3))
    assert report.imported == 0
    assert report.unconfirmed_action_ids == [b_action]
    assert len(report.failed) == 3
    assert all(b_action in failure.reason for failure in report.failed)
    assert emulator.project("app").import_requests == 2  # the earlier import and B's: nothing resent
    steps = [orjson.loads(line) for line in journal.read_bytes().splitlines()]
    assert any(step["event"] == "unconfirmed" and step["async_action_id"] == b_action for step in steps)
    assert_accounted(report)


@pytest.mark.parametrize("skew", [-60.0, 60.0, -3_600.0])
@pytest.mark.anyio
async def test_a_lost_first_answer_is_found_whatever_the_clocks_say(
    emulators: Any, clients: Any, clock: vf.ManualClock, skew: float
) -> None:
    emu = await emulators(time_source=lambda: clock.time() + skew)
    emu.add_fault(import_fault("lost_ack", nth=[1]))  # the very first request of the run
    client = await clients(emu)
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, on_progress=events.append).run(make_orders(3))
    assert _hows(events) == ["adopted"]
    assert emu.project("app").import_requests == 1
    assert client.clock_offset is not None
    assert abs(client.clock_offset - skew) <= 1.0
    assert report.imported == 3


@pytest.mark.anyio
async def test_a_resume_pages_back_past_a_hundred_newer_actions(
    client: vf.AsyncVoucherify, emulator: Emulator, clients: Any, clock: vf.ManualClock, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    orders = make_orders(4)
    await stop_at_submission(ImportBatcher(client, batch_size=2, checkpoint=journal), orders, batch=2)
    cut_journal_after_last(journal, "submitting", 2)  # killed before the answer of batch 2 was recorded
    busy = await clients(emulator)
    for n in range(101):  # a busy project: other workers' imports since the stop
        await busy.orders.import_orders(make_orders(1, start=1000 + n))
        clock.advance(0.01)
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, batch_size=2, checkpoint=journal, on_progress=events.append).run(
        orders
    )
    assert _hows(events) == ["adopted"]
    assert emulator.project("app").import_requests == 2 + 101
    assert report.imported == 4


@pytest.mark.anyio
async def test_a_resumed_run_passes_over_another_workers_import_queued_before_its_own(
    client: vf.AsyncVoucherify, emulator: Emulator, clients: Any, tmp_path: Path
) -> None:
    journal, orders = tmp_path / "run.journal", make_orders(3)
    worker_b = await clients(emulator)
    b_action = await worker_b.orders.import_orders(make_orders(3, start=100))
    await stop_at_submission(ImportBatcher(client, checkpoint=journal), orders)
    cut_journal_after_last(journal, "submitting", 1)  # killed before the answer was recorded
    report = await ImportBatcher(client, checkpoint=journal).run(orders)
    ours = emulator.project("app").async_actions[-1]["id"]
    assert report.batches[0].async_action_id == ours != b_action
    assert report.imported == 3
    assert report.unconfirmed_action_ids == []
    assert emulator.project("app").import_requests == 2
