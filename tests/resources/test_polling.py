"""The polling schedule, against a model of an action whose progress rises linearly (as the emulator's)."""

from __future__ import annotations

import math

import pytest

from voucherify_async._polling import DEFAULT_POLL_POLICY, PollPolicy


def _poll_action(
    duration: float, policy: PollPolicy = DEFAULT_POLL_POLICY, queued: float = 0.0, start_up: float = 0.0
) -> tuple[int, float]:
    """Wait for an action that is ENQUEUED ``queued`` s, then IN_PROGRESS at 0% for ``start_up`` s, then
    rises linearly for ``duration`` s: return (polls, lateness), polling as ``poll_until_finished`` does."""
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


DURATIONS = [0.5 + 19.5 * step / 399 for step in range(400)]


def test_actions_of_half_a_second_to_20_seconds_average_at_most_8_polls() -> None:
    polls = [_poll_action(duration)[0] for duration in DURATIONS]

    assert sum(polls) / len(polls) <= 8


@pytest.mark.parametrize("duration", DURATIONS[::40])
def test_the_end_is_noticed_within_a_tenth_of_the_duration_or_250_ms(duration: float) -> None:
    _, late = _poll_action(duration)

    assert late <= max(0.1 * duration, 0.25)


def test_observations_at_0_percent_do_not_bound_the_pace() -> None:
    # 0% for 5 s of start-up, then 1% a second later: the action may finish in a few seconds, not 500.
    schedule = DEFAULT_POLL_POLICY.schedule(started=0.0)
    schedule.observe(5.0, "IN_PROGRESS", 0)
    schedule.observe(6.0, "IN_PROGRESS", 1)

    assert schedule.predicted_end() is None
    assert schedule.next_delay(6.0) == DEFAULT_POLL_POLICY.first_interval


def test_a_prediction_never_lies_after_the_true_end() -> None:
    schedule = DEFAULT_POLL_POLICY.schedule(started=0.0)
    duration = 13.7
    for now in (0.0, 0.25, 3.0, 9.0, 13.0):
        schedule.observe(now, "IN_PROGRESS", math.floor(100 * now / duration))
        end = schedule.predicted_end()
        assert end is None or end <= duration


def test_without_progress_the_pause_grows_with_the_time_waited() -> None:
    schedule = PollPolicy(backoff_fraction=0.5).schedule(started=0.0)
    pauses = []
    now = 0.0
    for _ in range(6):
        schedule.observe(now, "SCHEDULED", None)
        pause = schedule.next_delay(now)
        pauses.append(pause)
        now += pause

    assert pauses == pytest.approx([0.25, 0.125, 0.1875, 0.28125, 0.421875, 0.6328125])


def test_the_pause_never_exceeds_max_interval() -> None:
    schedule = PollPolicy(max_interval=5.0).schedule(started=0.0)
    schedule.observe(1000.0, "ENQUEUED", None)
    schedule.observe(2000.0, "ENQUEUED", None)

    assert schedule.next_delay(2000.0) == 5.0


def test_the_pause_is_never_below_min_interval() -> None:
    schedule = PollPolicy(min_interval=0.1).schedule(started=0.0)
    schedule.observe(0.25, "IN_PROGRESS", 50)
    schedule.observe(0.5, "IN_PROGRESS", 99)

    assert schedule.next_delay(0.5) == pytest.approx(0.1)


@pytest.mark.parametrize("start_up", [0.25, 0.5, 1.0, 2.0])
def test_a_start_up_delay_at_0_percent_does_not_make_the_poll_late(start_up: float) -> None:
    for duration in DURATIONS[::20]:
        _, late = _poll_action(duration, start_up=start_up)

        assert late <= max(0.1 * (start_up + duration), 0.25), duration


def test_a_queued_action_is_still_waited_for_to_the_end() -> None:
    polls, late = _poll_action(5.0, queued=2.0)

    assert late <= max(0.1 * 7.0, 0.25)
    assert polls <= 12
