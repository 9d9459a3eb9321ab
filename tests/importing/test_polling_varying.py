"""Polling a server whose times vary from batch to batch: every end noticed within its bound, in few polls."""

from __future__ import annotations

import statistics
from typing import Any

import pytest
from batcher_scenarios import make_orders

import voucherify_async as vf
from voucherify_async import _polling
from voucherify_async.emulator import Emulator
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.polling import (
    OVERSHOOT,
    ImportPollPolicy,
    anchored_end,
    first_look,
    plausible_times,
)
from voucherify_async.importing.progress import BatchFinished, ProgressEvent

LATENESS = _polling.PollPolicy()


def bound(seconds: float) -> float:
    """The goal: an end noticed within the larger of 10% of the time waited and 250 ms."""
    return max(0.1 * seconds, 0.25)


def server_times(emu: Emulator) -> dict[str, float]:
    """Each action's processing time on the server (seconds), by id."""
    return {action["id"]: action["processing_time"] / 1000 for action in emu.project().async_actions}


async def varying_run(
    emulators: Any, clients: Any, *, mean: float, seed: int
) -> tuple[vf.ImportReport, Emulator]:
    emu = await emulators(processing_delay=mean, processing_spread=0.3, seed=seed)
    report = await ImportBatcher(await clients(emu), batch_size=10).run(make_orders(200))
    return report, emu


def late_batches(report: vf.ImportReport, emu: Emulator) -> list[int]:
    """The batches whose end was noticed later than its bound allows."""
    times = server_times(emu)
    return [
        batch.index
        for batch in report.batches
        if batch.async_action_id and batch.duration - times[batch.async_action_id] > bound(batch.duration)
    ]


@pytest.mark.anyio
@pytest.mark.parametrize("mean", [0.5, 1.5, 5.0, 20.0])
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_nearly_every_end_is_noticed_within_its_bound(
    emulators: Any, clients: Any, clock: vf.ManualClock, mean: float, seed: int
) -> None:
    # Looking right after the last batch's time noticed a quarter to a third of these ends late. Times
    # drawn at random can still mislead (a batch far shorter than every one before it): at most 1 in 20.
    report, emu = await varying_run(emulators, clients, mean=mean, seed=seed)
    assert len(late_batches(report, emu)) <= len(report.batches) // 20


@pytest.mark.anyio
@pytest.mark.parametrize("mean", [1.5, 5.0, 20.0])
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_batch_found_running_is_mostly_noticed_at_the_next_poll(
    emulators: Any, clients: Any, clock: vf.ManualClock, mean: float, seed: int
) -> None:
    # Its progress at the first look extrapolates its end: two polls, however long the batch. A batch far
    # longer than the earlier ones make plausible is left to the schedule, which takes a few more.
    report, _ = await varying_run(emulators, clients, mean=mean, seed=seed)
    polls = [batch.polls for batch in report.batches[1:]]
    assert sum(count <= 2 for count in polls) >= 0.8 * len(polls)
    assert statistics.fmean(polls) < 2.5


@pytest.mark.anyio
async def test_an_action_that_started_late_is_not_extrapolated_from_its_submission(
    emulators: Any, clients: Any, clock: vf.ManualClock
) -> None:
    # Another process's import of 5 orders runs ahead of the 4th batch: that batch starts 0.5 s late and
    # runs 1 s, so at the first look (right after the 1 s the batches took) it is at 51%, which from its
    # submission would mean an end at about 2 s, half a second late.
    emu = await emulators(processing_rate=10.0)
    other = await clients(emu)

    async def import_ahead(event: ProgressEvent) -> None:
        if isinstance(event, BatchFinished) and event.result.index == 3:
            await other.orders.import_orders(make_orders(5, start=1000))

    batcher = ImportBatcher(await clients(emu), batch_size=10, on_progress=import_ahead)
    report = await batcher.run(make_orders(40))
    late = report.batches[3]
    assert late.imported == 10
    assert 1.5 <= late.duration <= 1.5 + bound(1.5)


def test_steady_times_are_looked_at_right_after_the_last() -> None:
    assert first_look([2.0] * 8, ImportPollPolicy(), LATENESS) == pytest.approx(2.0 + OVERSHOOT)


def test_with_one_batch_known_the_look_comes_right_after_its_time() -> None:
    assert first_look([2.0], ImportPollPolicy(), LATENESS) == pytest.approx(2.0 + OVERSHOOT)


def test_with_two_batches_known_the_look_comes_right_after_the_shorter_time() -> None:
    assert first_look([2.0, 3.0], ImportPollPolicy(), LATENESS) == pytest.approx(2.0 + OVERSHOOT)


def test_varying_times_are_looked_at_by_the_shortest_plausible_plus_half_its_lateness() -> None:
    times = [4.0, 5.5, 4.6, 5.0, 6.2, 4.4, 5.8, 4.9]
    shortest, longest = plausible_times(times)
    assert shortest < min(times) < max(times) < longest
    look = first_look(times, ImportPollPolicy(), LATENESS)
    assert look == pytest.approx(shortest + 0.5 * bound(shortest))
    # A batch as short as that plausible one is still noticed in time by this look.
    assert look <= shortest + bound(shortest)


def test_the_first_look_never_waits_past_the_longest_pause() -> None:
    assert first_look([100.0, 120.0, 90.0], ImportPollPolicy(maximum=30.0), LATENESS) == 30.0


def test_progress_extrapolates_the_end_from_the_submission() -> None:
    # 60% after 0.9 s: 1.5 s in all, the latest end that a progress rounded down to 60 allows.
    assert anchored_end(10.0, 10.9, 60, LATENESS) == pytest.approx(11.5)


@pytest.mark.parametrize("progress", [0, 3, 100])
def test_progress_that_tells_too_little_extrapolates_nothing(progress: int) -> None:
    # 0%: no pace; 3%: the end lies anywhere between 22.5 and 30 s; 100%: it is over.
    assert anchored_end(0.0, 0.9, progress, LATENESS) is None


def test_no_time_since_the_submission_extrapolates_nothing() -> None:
    assert anchored_end(5.0, 5.0, 50, LATENESS) is None
