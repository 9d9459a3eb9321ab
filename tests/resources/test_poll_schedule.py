"""The polling schedule, against a model of an action whose progress rises linearly (as the emulator's).

The model action waits ``queued`` s ``ENQUEUED``, then ``start_up`` s ``IN_PROGRESS`` at 0%, then its progress
rises linearly for ``duration`` s. Its lateness goal counts from the start of the wait: the end is noticed
within ``max(10% of (queued + start_up + duration), 250 ms)``.
"""

from __future__ import annotations

import math

import pytest

from voucherify_async._polling import DEFAULT_POLL_POLICY, PollPolicy
from voucherify_async.resources import EXPORT_POLL_POLICY


def _poll_action(
    duration: float, policy: PollPolicy = DEFAULT_POLL_POLICY, queued: float = 0.0, start_up: float = 0.0
) -> tuple[int, float]:
    """Wait for the model action, polling as ``poll_until_finished`` does: return (polls, lateness)."""
    rising = queued + start_up
    end = rising + duration
    schedule = policy.schedule(started=0.0)
    now = policy.initial_delay
    while True:
        if now >= end:
            return schedule.polls + 1, now - end
        status = "ENQUEUED" if now < queued else "IN_PROGRESS"
        progress = 0 if now <= rising else min(99, math.floor(100 * (now - rising) / duration))
        schedule.observe(now, status, progress)
        now += schedule.next_delay(now)


def _goal(waited: float) -> float:
    return max(0.1 * waited, 0.25)


DURATIONS = [0.5 + 19.5 * step / 399 for step in range(400)]
AT_ZERO = [step / 10 for step in range(51)]
"""Seconds at 0% before the progress rises: every tenth of a second up to 5 s."""


def _average_polls(**phases: float) -> float:
    polls = [_poll_action(duration, **phases)[0] for duration in DURATIONS]
    return sum(polls) / len(polls)


@pytest.mark.parametrize("queued", [0.0, 1.0, 2.0])
def test_actions_of_half_a_second_to_20_seconds_average_at_most_8_polls_after_up_to_2_s_enqueued(
    queued: float,
) -> None:
    assert _average_polls(queued=queued) <= 8


@pytest.mark.parametrize("start_up", [1.0, 2.0])
def test_a_start_up_at_0_percent_of_up_to_2_s_still_averages_at_most_8_polls(start_up: float) -> None:
    assert _average_polls(start_up=start_up) <= 8


def test_an_action_that_rises_at_once_averages_under_4_polls() -> None:
    assert _average_polls() < 4


@pytest.mark.parametrize("phase", ["queued", "start_up"])
def test_the_end_is_noticed_in_time_whatever_the_time_spent_at_0_percent(phase: str) -> None:
    misses = []
    for at_zero in AT_ZERO:
        for duration in DURATIONS[::8]:
            _, late = _poll_action(duration, **{phase: at_zero})
            if late > _goal(at_zero + duration):
                misses.append((at_zero, round(duration, 2), round(late, 3)))

    assert misses == []


def test_a_long_queue_is_waited_for_without_missing_the_end() -> None:
    polls, late = _poll_action(0.5, queued=60.0)

    assert late <= _goal(60.5)
    assert polls <= 45


def test_observations_at_0_percent_do_not_bound_the_fastest_pace() -> None:
    # 0% for 5 s of start-up, then 1% a second later: the action may finish in a few seconds, not 500.
    schedule = DEFAULT_POLL_POLICY.schedule(started=0.0)
    schedule.observe(5.0, "IN_PROGRESS", 0)
    schedule.observe(6.0, "IN_PROGRESS", 1)

    assert schedule.predicted_end() is None


def test_rising_progress_after_0_percent_bounds_the_latest_end() -> None:
    # From below 1% at 5 s to at least 11% at 6 s: more than 10 points a second, so done before 15 s.
    schedule = DEFAULT_POLL_POLICY.schedule(started=0.0)
    schedule.observe(5.0, "IN_PROGRESS", 0)
    schedule.observe(6.0, "IN_PROGRESS", 11)

    assert schedule.latest_end() == pytest.approx(6.0 + 89 / 10)


@pytest.mark.parametrize("duration", [0.7, 3.1, 13.7])
def test_the_bounds_always_hold_the_true_end(duration: float) -> None:
    schedule = DEFAULT_POLL_POLICY.schedule(started=0.0)
    for step in range(1, 20):
        now = 1.0 + duration * step / 20.3
        schedule.observe(now, "IN_PROGRESS", math.floor(100 * (now - 1.0) / duration))
        earliest, latest = schedule.predicted_end(), schedule.latest_end()
        assert earliest is None or earliest <= 1.0 + duration
        assert latest is None or latest >= 1.0 + duration


def test_before_progress_shows_the_pause_lets_a_shortest_action_be_noticed_in_time() -> None:
    policy = PollPolicy(shortest_action=0.5)
    schedule = policy.schedule(started=0.0)
    schedule.observe(10.0, "ENQUEUED", 0)

    assert schedule.next_delay(10.0) <= 0.5 + _goal(10.5)


def test_without_shortest_action_the_pause_grows_with_the_time_waited() -> None:
    schedule = PollPolicy(backoff_fraction=0.5, shortest_action=None).schedule(started=0.0)
    pauses = []
    now = 0.25
    for _ in range(5):
        schedule.observe(now, "SCHEDULED", None)
        pause = schedule.next_delay(now)
        pauses.append(pause)
        now += pause

    assert pauses == pytest.approx([0.25, 0.25, 0.375, 0.5625, 0.84375])


def test_exports_back_off_geometrically_from_one_second() -> None:
    schedule = EXPORT_POLL_POLICY.schedule(started=0.0)
    schedule.observe(0.25, "SCHEDULED", None)
    schedule.observe(1.25, "IN_PROGRESS", None)

    assert schedule.next_delay(4.0) == pytest.approx(2.0)


def test_the_pause_never_exceeds_max_interval() -> None:
    schedule = PollPolicy(max_interval=5.0, shortest_action=None).schedule(started=0.0)
    schedule.observe(1000.0, "ENQUEUED", None)
    schedule.observe(2000.0, "ENQUEUED", None)

    assert schedule.next_delay(2000.0) == 5.0


def test_the_pause_is_never_below_min_interval() -> None:
    schedule = PollPolicy(min_interval=0.1).schedule(started=0.0)
    schedule.observe(0.25, "IN_PROGRESS", 50)
    schedule.observe(0.5, "IN_PROGRESS", 99)

    assert schedule.next_delay(0.5) == pytest.approx(0.1)
