from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import attrs
import pytest
from batcher_scenarios import make_orders

import voucherify_async as vf
from voucherify_async.emulator import Fault
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.in_flight import InFlightAction
from voucherify_async.importing.progress import (
    ImportProgress,
    OrdersRejected,
    ProgressEvent,
    emit_progress,
    estimate_eta,
)
from voucherify_async.importing.report import OrderFailure


def test_eta_without_budget_is_batches_times_batch_time() -> None:
    assert estimate_eta(remaining_orders=4001, batch_size=2000, seconds_per_batch=5.0) == 15.0


def test_eta_is_zero_when_nothing_remains() -> None:
    assert estimate_eta(remaining_orders=0, batch_size=2000, seconds_per_batch=5.0) == 0.0


def test_eta_waits_for_budget_windows_beyond_remaining_budget() -> None:
    eta = estimate_eta(
        remaining_orders=6000,
        batch_size=2000,
        seconds_per_batch=10.0,
        bulk_remaining=1,
        bulk_limit=1,
        bulk_reset_in=1800.0,
    )
    assert eta == 1800.0 + 3600.0 + 10.0


def test_eta_within_budget_ignores_the_window() -> None:
    eta = estimate_eta(
        remaining_orders=4000,
        batch_size=2000,
        seconds_per_batch=10.0,
        bulk_remaining=5,
        bulk_limit=10,
        bulk_reset_in=1800.0,
    )
    assert eta == 20.0


def _event() -> OrdersRejected:
    return OrdersRejected(progress=ImportProgress(rejected=1), rejections=(OrderFailure("o-1", "bad"),))


@pytest.mark.anyio
async def test_sync_progress_callback_receives_the_event() -> None:
    seen: list[ProgressEvent] = []
    await emit_progress(seen.append, _event())
    assert seen == [_event()]


@pytest.mark.anyio
async def test_async_progress_callback_is_awaited() -> None:
    seen: list[ProgressEvent] = []

    async def record(event: ProgressEvent) -> None:
        seen.append(event)

    await emit_progress(record, _event())
    assert seen == [_event()]


def test_an_action_in_flight_is_estimated_from_the_progress_seen_up_to_its_expected_end() -> None:
    action = InFlightAction(3, "aa_3", 2000, submitted_at=8.0, seen_at=10.0, progress=40, expected_end=16.0)
    assert [action.estimated_done(at) for at in (9.0, 10.0, 13.0)] == [800, 800, 1400]
    assert action.estimated_done(30.0) == 1980  # overdue: never all of it before a poll says it ended
    assert attrs.evolve(action, status="DONE").estimated_done(11.0) == 2000


def test_the_eta_runs_down_the_step_under_way_and_then_holds_the_rest() -> None:
    action = InFlightAction(3, "aa_3", 2000, submitted_at=10.0, seen_at=10.0, expected_end=14.0)
    progress = ImportProgress(elapsed=10.0, eta=12.0, in_flight=action)  # 4 s of this batch, 8 s after it
    assert [progress.eta_at(at) for at in (10.0, 13.0, 14.0, 20.0)] == [12.0, 9.0, 8.0, 8.0]


SECONDS_PER_BATCH = 2.0  # 200 orders at 100 orders/s


async def _import_800_orders(
    emulators: Any, clients: Any, *, checkpoint: Path | None = None, faults: Sequence[Fault] = ()
) -> list[vf.ProgressEvent]:
    emu = await emulators(processing_rate=100.0, faults=list(faults))
    client = await clients(emu)
    events: list[vf.ProgressEvent] = []
    batcher = ImportBatcher(
        client, batch_size=200, total_orders=800, checkpoint=checkpoint, on_progress=events.append
    )
    await batcher.run(make_orders(800))
    return events


def _submitted(events: list[vf.ProgressEvent], batch: int) -> vf.ImportProgress:
    return next(e for e in events if isinstance(e, vf.BatchSubmitted) and e.batch == batch).progress


@pytest.mark.anyio
async def test_counts_and_eta_move_between_two_polls_of_an_action(emulators: Any, clients: Any) -> None:
    events = await _import_800_orders(emulators, clients)
    # Batch 3 is looked at once, right after its predicted end: its submission says what to expect until then.
    progress = _submitted(events, 3)
    action = progress.in_flight
    assert action is not None
    assert (action.batch, action.orders, action.status, progress.accounted) == (3, 200, None, 400)
    assert action.expected_end == pytest.approx(progress.elapsed + SECONDS_PER_BATCH, abs=0.05)
    halfway = progress.elapsed + SECONDS_PER_BATCH / 2
    assert progress.estimated_accounted(halfway) == pytest.approx(500, abs=5)
    assert progress.eta is not None
    assert progress.eta == pytest.approx(2 * SECONDS_PER_BATCH, abs=0.2)
    assert progress.eta_at(halfway) == pytest.approx(progress.eta - SECONDS_PER_BATCH / 2)


@pytest.mark.anyio
async def test_a_poll_tells_the_status_and_progress_it_saw(emulators: Any, clients: Any) -> None:
    events = await _import_800_orders(emulators, clients)
    running = next(e for e in events if isinstance(e, vf.BatchPolled) and e.status == "IN_PROGRESS")
    action = running.progress.in_flight
    assert action is not None
    assert (action.status, action.progress, action.seen_at) == (
        "IN_PROGRESS",
        running.action_progress,
        running.progress.elapsed,
    )
    assert action.expected_end == pytest.approx(SECONDS_PER_BATCH, abs=0.3)  # predicted from the progress


@pytest.mark.anyio
async def test_a_resumed_run_counts_only_its_own_orders_in_the_rate(
    emulators: Any, clients: Any, tmp_path: Path
) -> None:
    emu = await emulators(processing_rate=100.0)
    client = await clients(emu)
    journal = tmp_path / "orders.journal"
    with anyio.CancelScope() as scope:

        def stop_after_batch_2(event: vf.ProgressEvent) -> None:
            if isinstance(event, vf.BatchFinished) and event.result.index == 2:
                scope.cancel()

        await ImportBatcher(client, batch_size=200, checkpoint=journal, on_progress=stop_after_batch_2).run(
            make_orders(800)
        )
    events: list[vf.ProgressEvent] = []
    batcher = ImportBatcher(
        client, batch_size=200, total_orders=800, checkpoint=journal, on_progress=events.append
    )
    await batcher.run(make_orders(800))
    before_own_work = _submitted(events, 3)
    assert (before_own_work.accounted, before_own_work.carried_over) == (400, 400)
    assert (before_own_work.batches_carried_over, before_own_work.batches_this_run) == (2, 0)
    assert before_own_work.rate is None  # 400 orders read back in no time are no rate
    first_own = next(e for e in events if isinstance(e, vf.BatchFinished) and e.result.index == 3).progress
    assert first_own.rate == pytest.approx(200 / first_own.elapsed)  # not 600 orders in 2 s
    assert first_own.eta == pytest.approx(SECONDS_PER_BATCH, abs=0.2)


@pytest.mark.anyio
async def test_the_eta_of_a_rate_limit_wait_counts_the_wait_down_and_then_the_rest(
    emulators: Any, clients: Any
) -> None:
    told_to_wait = Fault(
        "status", route="POST /v1/orders/import", status=429, nth=3, headers={"Retry-After": "600"}
    )
    events = await _import_800_orders(emulators, clients, faults=[told_to_wait])
    wait = next(e for e in events if isinstance(e, vf.RateLimitWait))
    progress = wait.progress
    assert progress.wait_ends_at == pytest.approx(progress.elapsed + 600)
    assert progress.eta is not None
    assert progress.eta == pytest.approx(600 + 2 * SECONDS_PER_BATCH, abs=1.5)
    later = progress.elapsed + 100
    assert progress.eta_at(later) == pytest.approx(progress.eta - 100)
    rate = progress.estimated_rate(later)
    assert rate is not None
    assert progress.rate is not None
    assert rate < progress.rate  # the wait lowers the average: it does not stand still
    # The wait is no batch's processing time: after it, a batch's time is as before.
    after = next(e for e in events if isinstance(e, vf.BatchFinished) and e.result.index == 3).progress
    assert after.eta == pytest.approx(SECONDS_PER_BATCH, abs=0.2)
