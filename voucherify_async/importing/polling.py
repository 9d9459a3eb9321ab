"""Wait for a batch's async action, frugally: every poll spends the general API budget.

Imports trigger no webhooks (``POST /v1/orders/import``: "No webhooks are triggered during the import"), so
polling is the only way to learn that an action finished. The pauses come from the SDK's one polling
schedule (:mod:`voucherify_async._polling`: it predicts the end of an ``IN_PROGRESS`` action from its
``progress``); the batcher adds what it knows from the batches before:

- the first look comes right after the time the latest actions needed per order times this batch's size
  (or after ``ImportPollPolicy.first`` for the first batch), so a steady import polls about once per batch
  and notices each end a few milliseconds after it (:func:`first_look`);
- when the server's times vary, a look right after the previous batch's time would notice a shorter batch
  late, and find a longer one running. Every end must be noticed within the goal's lateness (the larger of
  10% of the wait and 250 ms), so once a few batches show how much their times vary, the first look comes
  no later than the shortest time they make plausible plus half the lateness allowed for it: a batch that
  ends by then costs one poll;
- a batch that the first look finds running shows its progress, and its progress has risen evenly since it
  was submitted: that extrapolates its end (:func:`anchored_end`), which the second poll lands on, when the
  extrapolation is precise enough for the goal and gives a time the earlier batches make plausible (an
  action that sat at 0% after its submission seems slower than it is). Otherwise (and for the first
  batch, which has no earlier ones), and from the second poll on, the schedule predicts the end from the
  progress seen;
- the batch's deadline bounds the whole wait, and a poll that fails after the client's retries is repeated
  later instead of failing the import.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from voucherify_async import _polling
from voucherify_async._checks import check_number, check_whole_number
from voucherify_async._errors import APIConnectionError, ServerError
from voucherify_async._polling import PollSchedule
from voucherify_async.importing.context import API_CALLS, RunContext
from voucherify_async.importing.errors import BatchTimeoutError
from voucherify_async.importing.progress import BatchPolled
from voucherify_async.models import AsyncAction

__all__ = ["FINISHED", "ImportPollPolicy", "PollPolicy", "action_status", "wait_for_action"]

FINISHED = ("DONE", "FAILED")

OVERSHOOT = 0.01
"""Seconds after a predicted end that its poll is aimed at (as ``voucherify_async.PollPolicy.overshoot``)."""


@attrs.frozen
class ImportPollPolicy:
    """How the batcher polls an async action (``ImportBatcher(client, poll=vf.ImportPollPolicy(...))``).

    The batcher's few numbers, in its own words; :meth:`schedule` hands them to the SDK's one polling
    schedule (:class:`voucherify_async._polling.PollPolicy`, which ``client.async_actions.wait`` uses too).

    Attributes:
        first: Seconds before the first poll when nothing has been measured yet (also the pause after a poll
            that saw the action running for the first time). A quarter of a second, as the SDK's own
            ``wait``: a first batch that the server finishes in half a second is then noticed within 250 ms.
        minimum: Shortest wait between polls.
        maximum: Longest wait between polls.
        backoff: Factor the pauses grow by between resends of a batch after connection failures.
        max_poll_errors: Consecutive failed polls (after the client's own retries) tolerated before giving up.
        resend: Seconds that, times ``backoff`` to the power of the attempts so far, a batch waits before it
            is sent again after a connection failure or a 5xx (2, 4, 8... seconds by default).

    Raises:
        InvalidArgumentError: A number is out of its range (seconds 0 or more, ``maximum`` above 0,
            ``backoff`` 1 or more), NaN, infinite or a ``bool``, or ``max_poll_errors`` is not an ``int``.
    """

    first: float = 0.25
    minimum: float = 0.1
    maximum: float = 30.0
    backoff: float = 2.0
    max_poll_errors: int = 5
    resend: float = 1.0

    def __attrs_post_init__(self) -> None:
        check_number("ImportPollPolicy.first", self.first, unit="seconds")
        check_number("ImportPollPolicy.minimum", self.minimum, unit="seconds")
        # A longest wait of 0 (or NaN, which `clamp` lets through) polls without a pause.
        check_number("ImportPollPolicy.maximum", self.maximum, above=0, unit="seconds")
        check_number("ImportPollPolicy.backoff", self.backoff, at_least=1)
        check_whole_number("ImportPollPolicy.max_poll_errors", self.max_poll_errors, 0)
        check_number("ImportPollPolicy.resend", self.resend, unit="seconds")

    def clamp(self, seconds: float) -> float:
        """Keep a wait within ``minimum``..``maximum``."""
        return min(self.maximum, max(self.minimum, seconds))

    def schedule(self, started: float) -> PollSchedule:
        """The SDK's polling schedule with these numbers, for one wait started at ``started``."""
        numbers = _polling.PollPolicy(
            first_interval=self.first, min_interval=self.minimum, max_interval=self.maximum
        )
        return numbers.schedule(started=started)


PollPolicy = ImportPollPolicy
"""The name :class:`ImportPollPolicy` had first, kept so that its old import path goes on working; not to be
confused with the SDK's schedule, :class:`voucherify_async._polling.PollPolicy`."""


SPREAD_SAMPLES = 3
"""From this many earlier batches on, the first look also heeds how much their times vary."""

SPREAD_CONFIDENCE = 0.99
"""How sure the first look is that no batch is shorter than the shortest time the earlier ones make
plausible (were the times spread evenly over a range)."""


def first_look(expected: Sequence[float], policy: ImportPollPolicy, lateness: _polling.PollPolicy) -> float:
    """The pause before the first poll of an action, from what the latest batches would have taken at its
    size (``expected``, seconds, oldest first, at least one).

    Right after the shortest of their times (``OVERSHOOT`` later, so that a prediction to the millisecond
    still finds the action finished), not rounded up to ``policy.minimum``: that is the shortest pause
    *between* polls, and an action the server finishes at once (``processing_time`` 0) is best looked at at
    once.

    Once ``SPREAD_SAMPLES`` batches are known, their times tell how much the server's vary: the look comes
    right after the longest, or no later than the shortest time they make plausible plus ``lateness``'s
    planned share of the lateness its goal allows for that time, whichever is sooner (a batch that ends by
    then costs one poll; a later one is found running, and its end extrapolated: :func:`anchored_end`).
    Were the n times spread evenly over a range of width w, the least of them would lie more than
    ``x * w`` above its bottom with chance ``(1 - x) ** n``, and w is about ``(n + 1) / (n - 1)`` times
    the spread seen: the shortest plausible time lies below the least seen by as much as that leaves
    ``SPREAD_CONFIDENCE`` sure. Steady times give the same look as the last one's time.
    """
    aim = min(expected)
    if len(expected) >= SPREAD_SAMPLES:
        shortest = plausible_times(expected)[0]
        allowed = lateness.lateness_share * lateness.allowed_lateness(shortest)
        aim = min(max(expected), shortest + allowed - OVERSHOOT)
    return min(policy.maximum, max(0.0, aim) + OVERSHOOT)


LATE_START_TOLERANCE = 1.5
"""A batch found running is extrapolated from its submission when that gives a time up to this many times
the longest of the latest batches (or longer, when they vary that much): an action that started late seems
slower than it is."""


def plausible_times(expected: Sequence[float]) -> tuple[float, float]:
    """The shortest and the longest time the latest batches' times (at least one) make plausible for the
    next: as far below the least seen as :func:`first_look` says (once ``SPREAD_SAMPLES`` are known), and
    as far above the greatest, or ``LATE_START_TOLERANCE`` times the greatest if that is longer."""
    shortest, longest = min(expected), max(expected)
    count = len(expected)
    below = 0.0
    if count >= SPREAD_SAMPLES:
        share = (1 - (1 - SPREAD_CONFIDENCE) ** (1 / count)) * (count + 1) / (count - 1)
        below = share * (longest - shortest)
    return max(0.0, shortest - below), max(longest + below, LATE_START_TOLERANCE * longest)


def anchored_end(started: float, now: float, progress: int, lateness: _polling.PollPolicy) -> float | None:
    """When an action submitted at ``started`` and seen ``now`` at ``progress`` ends, if its progress rose
    evenly from the submission on: the latest end that allows, or ``None`` when the rounding of ``progress``
    leaves it less precise than ``lateness``'s planned share of the lateness allowed.

    Progress rounds down, so the true share done lies in ``[progress, progress + 1)`` %: the action runs
    ``(now - started) * 100 / (progress + 1)`` to ``... / progress`` seconds in all. An action that sat at 0%
    for a while after its submission (behind another import, or starting up) has run faster since, and
    ends sooner than this says: a poll at this end notices it late by that while times ``(100 - progress) /
    progress``.
    """
    ran = now - started
    if not 0 < progress < 100 or ran <= 0:
        return None
    latest = started + ran * 100 / progress
    earliest = started + ran * 100 / (progress + 1)
    allowed = lateness.lateness_share * lateness.allowed_lateness(earliest - started)
    return latest if latest - earliest + OVERSHOOT <= allowed else None


def expected_end(schedule: PollSchedule) -> float | None:
    """When the action most likely ends (monotonic), from the progress seen: halfway between the earliest
    and the latest end the observations allow, or whichever of them is known (for the progress events)."""
    earliest, latest = schedule.predicted_end(), schedule.latest_end()
    if earliest is not None and latest is not None:
        return (earliest + latest) / 2
    return earliest if earliest is not None else latest


def action_status(action: object) -> str:
    """The action's status as a plain string (the models may hold an enum member)."""
    status = getattr(action, "status", None)
    return str(getattr(status, "value", status))


async def wait_for_action(
    ctx: RunContext,
    action_id: str,
    *,
    batch: int,
    policy: ImportPollPolicy,
    timeout: float | None,
    expected: Sequence[float] = (),
) -> tuple[AsyncAction, int]:
    """Poll ``action_id`` until it is DONE or FAILED.

    Args:
        ctx: The run.
        action_id: The ``ORDERS.IMPORT`` async action.
        batch: The batch's number, for events and errors.
        policy: The polling schedule.
        timeout: Seconds from now after which :class:`BatchTimeoutError` is raised (``None``: no deadline).
        expected: Seconds the action would have taken at the pace of each of the latest batches, oldest
            first (none for the first batch), for the first look.

    Returns:
        The finished action (``vf.AsyncAction``) and how many polls it took.

    Raises:
        BatchTimeoutError: The action did not finish in time (it may still finish; a resumed run reattaches).
    """
    clock = ctx.clock
    started = clock.monotonic()
    deadline = None if timeout is None else started + timeout
    schedule = policy.schedule(started)
    delay = first_look(expected, policy, schedule.policy) if expected else policy.first
    polls = errors = 0
    while True:
        if deadline is not None:
            left = deadline - clock.monotonic()
            if left <= 0:
                raise BatchTimeoutError(
                    f"batch {batch}: async action {action_id} did not finish within {timeout:g} s; it may "
                    "still finish on the server (run again with the same checkpoint to reattach to it)",
                    batch=batch,
                    async_action_id=action_id,
                )
            delay = min(delay, left)
        await clock.sleep(delay)
        await ctx.pace(API_CALLS)
        try:
            with ctx.telemetry.span("poll", **{"voucherify.async_action.id": action_id}) as span:
                action = await ctx.client.async_actions.get(action_id)
                if span is not None:
                    span.set_attributes(
                        {
                            "voucherify.async_action.status": action_status(action),
                            "voucherify.async_action.progress": action.progress or 0,
                        }
                    )
        except (APIConnectionError, ServerError):
            # A poll is harmless to repeat; the client already retried it. Look again later.
            errors += 1
            if errors > policy.max_poll_errors:
                raise
            delay = policy.maximum
            continue
        errors = 0
        polls += 1
        ctx.report.polls += 1
        status = action_status(action)
        progress = action.progress or 0
        if status in FINISHED:
            ctx.observe_action(action_id, status, progress, None)
            await ctx.emit(
                BatchPolled, batch=batch, async_action_id=action_id, status=status, action_progress=progress
            )
            return action, polls
        now = clock.monotonic()
        schedule.observe(now, status, progress)
        delay = schedule.next_delay(now)
        if polls == 1 and status == "IN_PROGRESS" and expected:
            # Extrapolated from the submission only when that gives a time the earlier batches make
            # plausible: an action that started late (behind another process's import) seems slower.
            end = anchored_end(started, now, progress, schedule.policy)
            if end is not None and end - started <= plausible_times(expected)[1]:
                delay = end - now + OVERSHOOT
        ctx.observe_action(action_id, status, progress, expected_end(schedule))
        await ctx.emit(
            BatchPolled,
            batch=batch,
            async_action_id=action_id,
            status=status,
            action_progress=progress,
            next_poll_in=delay,
        )
