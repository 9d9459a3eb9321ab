"""The polling schedule, against a model of an action whose progress rises linearly (as the emulator's).

The model action waits ``queued`` s ``ENQUEUED``, then ``start_up`` s ``IN_PROGRESS`` at 0%, then its progress
rises linearly for ``duration`` s. Its lateness goal counts from the start of the wait: the end is noticed
within ``max(10% of (queued + start_up + duration), 250 ms)`` when it waited at 0% for up to ``short_wait``
(20 s), and within a fifth of the time waited after a longer wait in the queue.

The numbers of the default policy (polls, on average over 400 durations from 0.5 s to 20 s):

| time at 0% first | 0 s | 1 s | 2 s | 10 s | 20 s | 1 min | 10 min | 1 h |
|---|---|---|---|---|---|---|---|---|
| polls, average (most) | 3.8 (4) | 5.7 (6) | 7.1 (8) | 17 (18) | 25 (26) | 31 | 43 | 93 |
| before this change | 3.8 (4) | 5.7 (6) | 7.1 (8) | 17 (18) | 25 (26) | 42 | 85 | 185 |
"""

from __future__ import annotations

import math

import pytest

import voucherify_async as vf
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
AT_ZERO = [step / 5 for step in range(101)]
"""Seconds at 0% before the progress rises: every fifth of a second up to 20 s (``short_wait``)."""
LONG_QUEUES = [20.0 + 7.3 * step for step in range(100)]
"""Longer waits in the queue, from 20 s to about 12 minutes."""


def _average_polls(**phases: float) -> float:
    polls = [_poll_action(duration, **phases)[0] for duration in DURATIONS]
    return sum(polls) / len(polls)


@pytest.mark.parametrize(
    ("queued", "average", "most"),
    [(0.0, 3.8, 4), (1.0, 5.7, 6), (2.0, 7.1, 8), (10.0, 17.0, 18), (20.0, 24.9, 26)],
)
def test_the_polls_after_a_short_queue_are_the_tables(queued: float, average: float, most: int) -> None:
    polls = [_poll_action(duration, queued=queued)[0] for duration in DURATIONS]

    assert (round(sum(polls) / len(polls), 1), max(polls)) == (average, most)


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


@pytest.mark.parametrize(("queued", "most_polls"), [(60.0, 31), (600.0, 43), (3600.0, 93)])
def test_a_long_queue_costs_a_few_polls_per_doubling_of_the_wait(queued: float, most_polls: int) -> None:
    polls = max(_poll_action(duration, queued=queued)[0] for duration in DURATIONS[::40])

    assert polls <= most_polls


def test_the_end_after_a_long_queue_is_noticed_within_a_fifth_of_the_time_waited() -> None:
    misses = []
    for queued in LONG_QUEUES:
        for duration in DURATIONS[::40]:
            _, late = _poll_action(duration, queued=queued)
            if late > 0.2 * (queued + duration):
                misses.append((queued, round(duration, 2), round(late, 3)))

    assert misses == []


def test_past_short_wait_the_pause_before_progress_is_a_fifth_of_the_time_waited() -> None:
    schedule = DEFAULT_POLL_POLICY.schedule(started=0.0)
    schedule.observe(100.0, "ENQUEUED", 0)

    assert schedule.next_delay(100.0) == pytest.approx(20.0)


def test_the_pause_before_progress_stops_growing_at_max_interval() -> None:
    schedule = DEFAULT_POLL_POLICY.schedule(started=0.0)
    schedule.observe(3000.0, "ENQUEUED", 0)

    assert schedule.next_delay(3000.0) == DEFAULT_POLL_POLICY.max_interval


def _budget(
    remaining: int, limit: int = 100, reset_in: float = 1800.0, kind: str = "api_calls"
) -> vf.RateLimitInfo:
    return vf.RateLimitInfo(limit=limit, remaining=remaining, reset_at=NOW + reset_in, limit_type=kind)


NOW = 1_700_000_000.0


def test_a_low_budget_spreads_half_of_the_calls_left_over_the_window() -> None:
    # 10 calls of 100 left, the window resets in 30 minutes: 5 polls over 1800 s.
    assert DEFAULT_POLL_POLICY.budget_pause([_budget(10)], NOW) == pytest.approx(360.0)


def test_a_budget_above_a_tenth_of_its_limit_does_not_slow_polls() -> None:
    assert DEFAULT_POLL_POLICY.budget_pause([_budget(11)], NOW) == 0.0


def test_a_spent_budget_pauses_until_its_window_resets() -> None:
    assert DEFAULT_POLL_POLICY.budget_pause([_budget(0, reset_in=42.0)], NOW) == pytest.approx(42.0)


def test_the_bulk_budget_does_not_slow_polls() -> None:
    # Polls spend the general budget; the bulk budget of one import an hour is not theirs to save.
    assert DEFAULT_POLL_POLICY.budget_pause([_budget(0, limit=1, kind="bulk_api_calls")], NOW) == 0.0


def test_the_lowest_of_several_general_budgets_sets_the_pause() -> None:
    budgets = [_budget(500, limit=2000, reset_in=60.0), _budget(4, reset_in=100.0, kind="api_calls_cycle")]

    assert DEFAULT_POLL_POLICY.budget_pause(budgets, NOW) == pytest.approx(50.0)


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
