"""When to poll an async action (or an export) next: the one polling schedule of the SDK.

Polls spend the project's general API budget (as little as 100 calls an hour on some plans), and imports
trigger no webhook, so waiting is a trade: poll rarely, yet notice completion soon after it happens. An
``ORDERS.IMPORT`` action reports ``progress`` (0..100) while ``IN_PROGRESS``, rising about linearly with the
orders processed, so the schedule predicts when the action will end and polls then, instead of backing off
blindly.

The prediction is deliberately early. Progress is an integer that rounds down, so the true progress at an
observation ``(t, p)`` lies in ``[p, p + 1)``, and between two observations of the running action the rate is
below ``(p2 - p1 + 1) / (t2 - t1)``. Only observations above 0% count: at 0% the processing may not have
begun yet (an action can sit ``IN_PROGRESS`` at 0% through a start-up delay), so the pace since then is
unknown. The schedule takes the smallest bound over earlier observations as the fastest the action can be
going and polls when that fastest pace would have finished it: a poll is never late because of an
estimate; an early one costs one more poll, closer to the end and with a sharper estimate. When progress
says nothing (no progress field, an action waiting in the queue, progress at 0) it falls back to waiting a
fixed fraction of the time waited so far, a geometric backoff.

:class:`PollPolicy` holds the numbers; :meth:`PollPolicy.schedule` starts a :class:`PollSchedule` for one
wait, which is fed each observation and answers how long to sleep. ``client.async_actions.wait``,
``client.exports.wait`` and the batcher all use it.

Example:
    >>> schedule = PollPolicy().schedule(started=clock.monotonic())
    >>> while not (action := await client.async_actions.get(action_id)).finished:
    ...     schedule.observe(clock.monotonic(), action.status, action.progress)
    ...     await clock.sleep(schedule.next_delay(clock.monotonic()))
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

import attrs

from voucherify_async._errors import VoucherifyError

if TYPE_CHECKING:
    from voucherify_async._clock import Clock

__all__ = ["DEFAULT_POLL_POLICY", "PollPolicy", "PollSchedule", "WaitTimeout", "poll_until_finished"]

_RUNNING = "IN_PROGRESS"


@attrs.frozen(kw_only=True)
class PollPolicy:
    """The numbers of the polling schedule (seconds).

    Attributes:
        initial_delay: The pause before the first poll of ``wait``: an action polled the moment it was
            submitted is always at 0%, so that poll would tell nothing.
        first_interval: The pause after a poll that saw no pace yet (the first one, or the first that saw
            the progress rise).
        min_interval: The shortest pause between two polls.
        min_interval_fraction: The shortest pause also grows with the time waited so far (this fraction of
            it), so the last polls of a long action are not packed closer than its duration asks for.
        backoff_fraction: Without a usable ``progress``, wait this fraction of the time waited so far (a
            geometric backoff: 0.5 polls at 1, 1.5, 2.25... times the first pause).
        max_interval: The longest pause between two polls, whatever the prediction.
        overshoot: Aim this many seconds after the predicted end, so the poll lands just after it.
    """

    initial_delay: float = 0.25
    first_interval: float = 0.25
    min_interval: float = 0.1
    min_interval_fraction: float = 0.02
    backoff_fraction: float = 0.5
    max_interval: float = 30.0
    overshoot: float = 0.01

    def schedule(self, *, started: float) -> PollSchedule:
        """Start the schedule of one wait.

        Args:
            started: The monotonic time the wait began (just after the action was submitted, usually).
        """
        return PollSchedule(self, started)


DEFAULT_POLL_POLICY = PollPolicy()
"""The schedule ``wait`` uses unless given another. Against actions whose progress rises linearly (as the
emulator's), taking 0.5 s to 20 s: 4.9 polls on average (at most 5), 6.9 (at most 7) after a start-up of
0.5 s at 0%, and the end is always noticed within the larger of 10% of the action's duration and 250 ms
(``tests/resources/test_polling.py``)."""


class PollSchedule:
    """The state of one wait: what was observed so far, and when to poll next."""

    def __init__(self, policy: PollPolicy, started: float) -> None:
        self.policy = policy
        self.started = started
        self.polls = 0
        """How many observations were made."""
        self._running: list[tuple[float, int]] = []
        """Observations ``(time, progress)`` of the running action with progress > 0, oldest first."""

    def observe(self, now: float, status: str | None, progress: int | None) -> None:
        """Record one poll's answer.

        Args:
            now: The monotonic time the answer came.
            status: The action's status (``ENQUEUED``, ``IN_PROGRESS``...; exports' statuses too).
            progress: Its ``progress`` (0..100), if it has one.
        """
        self.polls += 1
        if status == _RUNNING and progress is not None and progress > 0:
            self._running.append((now, min(100, int(progress))))
        else:
            # Waiting (ENQUEUED, SCHEDULED), no progress, or running at 0% (the processing may not have begun:
            # a start-up delay): the pace is unknown from here on.
            self._running.clear()

    def predicted_end(self) -> float | None:
        """The earliest monotonic time the action can end at, given the progress seen; ``None`` if unknown."""
        if len(self._running) < 2:
            return None
        now, progress = self._running[-1]
        bounds = [
            (progress - earlier + 1) / (now - then) for then, earlier in self._running[:-1] if now > then
        ]
        fastest = min((bound for bound in bounds if bound > 0), default=None)
        if fastest is None:
            return None
        return now + max(0.0, 100 - (progress + 1)) / fastest

    def next_delay(self, now: float) -> float:
        """How long to sleep before the next poll."""
        policy = self.policy
        waited = max(0.0, now - self.started)
        shortest = max(policy.min_interval, policy.min_interval_fraction * waited)
        end = self.predicted_end()
        if end is not None:
            delay = end - now + policy.overshoot
        elif self.polls <= 1 or len(self._running) == 1:
            # Just started, or just seen running for the first time: one more look at the pace.
            delay = policy.first_interval
        else:
            delay = policy.backoff_fraction * waited
        return min(policy.max_interval, max(shortest, delay))


class WaitTimeout(VoucherifyError, TimeoutError):
    """A ``wait`` reached its ``timeout`` before the async action (or export) finished.

    The work goes on on the server; wait again with its id to pick it up.

    Attributes:
        resource_id: The id of the action or export waited for.
        last_status: Its status at the last poll.
        polls: How many polls the wait made.
        timeout: The timeout that passed, in seconds.
    """

    def __init__(self, resource_id: str, last_status: object, polls: int, timeout: float) -> None:
        super().__init__(
            f"{resource_id} was still {last_status} after {timeout:g} s ({polls} polls); it goes on on the "
            "server: wait again with its id to pick it up."
        )
        self.resource_id = resource_id
        self.last_status = last_status
        self.polls = polls
        self.timeout = timeout

    def __reduce__(self) -> tuple[type[WaitTimeout], tuple[str, object, int, float]]:
        return (type(self), (self.resource_id, self.last_status, self.polls, self.timeout))


class Pollable(Protocol):
    """What the wait loop reads of a polled resource (``AsyncAction`` and ``Export`` have it)."""

    @property
    def status(self) -> object: ...

    @property
    def finished(self) -> bool: ...


PollableT = TypeVar("PollableT", bound=Pollable)


async def poll_until_finished(
    fetch: Callable[[], Awaitable[PollableT]],
    *,
    resource_id: str,
    clock: Clock,
    policy: PollPolicy,
    timeout: float | None,
    on_poll: Callable[[PollableT], object] | None,
) -> PollableT:
    """Fetch a resource until it is finished, pausing as ``policy`` says; return its last state.

    Raises:
        WaitTimeout: ``timeout`` seconds passed first (one last poll is made at the deadline).
    """
    started = clock.monotonic()
    schedule = policy.schedule(started=started)
    await clock.sleep(policy.initial_delay if timeout is None else min(policy.initial_delay, timeout))
    while True:
        current = await fetch()
        now = clock.monotonic()
        progress = getattr(current, "progress", None)
        schedule.observe(now, str(current.status), progress if isinstance(progress, int) else None)
        if on_poll is not None:
            result = on_poll(current)
            if inspect.isawaitable(result):
                await result
        if current.finished:
            return current
        delay = schedule.next_delay(now)
        if timeout is not None:
            left = started + timeout - now
            if left <= 0:
                raise WaitTimeout(resource_id, current.status, schedule.polls, timeout)
            delay = min(delay, left)
        await clock.sleep(delay)
