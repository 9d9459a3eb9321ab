"""When to poll an async action (or an export) next: the one polling schedule of the SDK.

Polls spend the project's general API budget (as little as 100 calls an hour on some plans), and imports
trigger no webhook, so waiting is a trade: poll rarely, yet notice completion soon after it happens. The
schedule's goal is to notice the end within ``lateness_fraction`` (10%) of the time waited, or
``lateness_floor`` (250 ms) when that is longer, in as few polls as it can, for waits of up to ``short_wait``
(20 s) before the action starts; a longer wait in the queue is watched more loosely (see below).

An ``ORDERS.IMPORT`` action is first ``ENQUEUED`` (waiting for the project's earlier imports, or to be picked
up), may then sit ``IN_PROGRESS`` at 0% while it starts, and then reports ``progress`` (0..100) rising about
linearly with the orders processed. The schedule treats the two phases apart:

- Before progress shows (``ENQUEUED``, 0%, or no progress at all), nothing predicts the end, but it cannot
  come sooner than ``shortest_action`` after the processing starts. So the pause is that shortest action
  plus the share of the lateness the goal allows for an action ending then: about 0.6 s at first, growing
  by a twentieth of the time waited. That strict pause would cost about 85 polls for ten minutes in the
  queue, so once the wait passes ``short_wait`` (the longest wait the goal is kept for) the pause grows to
  ``waiting_fraction`` (a fifth) of the time waited, up to ``max_interval``: a few polls per doubling of
  the wait, and an end noticed within about a fifth of the time waited.
- Once progress rises, it bounds the pace on both sides. Progress is an integer that rounds down, so the
  true progress at an observation ``(t, p)`` lies in ``[p, p + 1)``: between two observations of the running
  action the pace is below ``(p2 - p1 + 1) / (t2 - t1)`` and above ``(p2 - p1 - 1) / (t2 - t1)``, and since
  the last observation at 0% (or the start of the wait) it is above ``(p - 1) / (t - t0)``. The fastest
  pace gives the earliest end the action can reach, the slowest the latest. The next poll comes at the
  earliest end plus half the lateness the goal allows (the true end is never before the earliest, so a poll
  there is late by at most that much), or at the latest end if that comes first; a poll that finds the
  action still running sharpens both bounds. The pace is unknown after the first observation of rising
  progress, so the next poll comes after ``first_interval``, or later when the progress seen leaves less of
  a ``shortest_action`` to run than that.

The server's own timestamps (``created_at``, ``updated_at``) are not used: they are on the server's clock,
and a skew of a second against ours would move every prediction by as much.

The pauses of ``wait`` (:func:`poll_until_finished`) also respect the general API budget the client last saw
(``client.rate_limits``): once at most ``low_budget`` (a tenth) of a window's calls are left, polls spend at
most ``budget_share`` (half) of the rest before the window resets (:meth:`PollPolicy.budget_pause`), however
long that makes the pause.

An export reports no progress; its policy (``EXPORT_POLL_POLICY``, ``shortest_action=None``) backs off
geometrically instead, waiting a fixed fraction of the time waited so far.

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
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Protocol, TypeVar

import attrs

from voucherify_async._checks import check_number
from voucherify_async._errors import VoucherifyError
from voucherify_async._rate_limit import BULK_API_CALLS, RateLimitInfo, wait_until_reset

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
        first_interval: The shortest pause after a poll that saw no pace yet (the first that saw the progress
            rise; without ``shortest_action``, also the first poll).
        min_interval: The shortest pause between two polls.
        min_interval_fraction: The shortest pause also grows with the time waited so far (this fraction of
            it), so the last polls of a long action are not packed closer than its duration asks for.
        backoff_fraction: Without ``shortest_action``, before progress shows, wait this fraction of the time
            waited so far (a geometric backoff).
        max_interval: The longest pause between two polls, whatever the prediction.
        overshoot: Aim this many seconds after a predicted end, so the poll lands just after it.
        lateness_fraction: The goal: notice the end within this fraction of the time from the start of
            the wait to the end...
        lateness_floor: ...or within this many seconds, when that is longer.
        lateness_share: The share of that allowed lateness the schedule plans to spend (the rest is left
            for the time a poll takes and for progress that does not rise quite evenly).
        shortest_action: The shortest time an action is expected to run once it started, which bounds the
            pause while no progress shows. ``None``: back off geometrically instead (``backoff_fraction``),
            for what reports no progress at all (exports).
        short_wait: The longest wait before any progress for which the lateness goal is kept strictly.
        waiting_fraction: Past ``short_wait``, the pause before any progress grows to this fraction of the
            time waited (a long queue then costs a few polls per doubling of the wait).
        low_budget: The general API budget counts as low once at most this fraction of its window's calls
            is left (``X-Rate-Limit-Remaining`` against ``X-Rate-Limit-Limit``)...
        budget_share: ...and polls then spend at most this share of the calls left before the window
            resets, pausing longer than ``max_interval`` if need be.

    Raises:
        InvalidArgumentError: A number is negative, NaN, infinite or a ``bool``, or ``max_interval`` is 0
            (``shortest_action`` may also be ``None``).

    Example:
        >>> # Fewer polls, noticing the end within a fifth of the time waited instead of a tenth:
        >>> relaxed = vf.PollPolicy(lateness_fraction=0.2, lateness_floor=1.0)
        >>> action = await client.async_actions.wait(action_id, policy=relaxed)
    """

    initial_delay: float = 0.25
    first_interval: float = 0.25
    min_interval: float = 0.1
    min_interval_fraction: float = 0.02
    backoff_fraction: float = 0.5
    max_interval: float = 60.0
    overshoot: float = 0.01
    lateness_fraction: float = 0.1
    lateness_floor: float = 0.25
    lateness_share: float = 0.5
    shortest_action: float | None = 0.5
    short_wait: float = 20.0
    waiting_fraction: float = 0.2
    low_budget: float = 0.1
    budget_share: float = 0.5

    def __attrs_post_init__(self) -> None:
        for field in attrs.fields(PollPolicy):
            check_number(
                f"PollPolicy.{field.name}",
                getattr(self, field.name),
                # A longest pause of 0 polls without a pause.
                above=0 if field.name == "max_interval" else None,
                none_allowed=field.name == "shortest_action",
            )

    def schedule(self, *, started: float) -> PollSchedule:
        """Start the schedule of one wait.

        Args:
            started: The monotonic time the wait began (just after the action was submitted, usually).
        """
        return PollSchedule(self, started)

    def allowed_lateness(self, waited: float) -> float:
        """How late the goal lets a poll notice an end that comes ``waited`` seconds into the wait."""
        return max(self.lateness_fraction * waited, self.lateness_floor)

    def budget_pause(self, budgets: Iterable[RateLimitInfo], now: float) -> float:
        """The shortest pause before the next poll that the general API budget allows (0 when it is not low).

        Polls spend the general budget (``api_calls``, or a cycle's ``api_calls_cycle``); the bulk budget
        of imports is not theirs. When at most ``low_budget`` of a window's calls are left, the pause spreads
        ``budget_share`` of them over the time until the window resets (``X-Rate-Limit-Retry``).

        Args:
            budgets: The budgets last seen (``client.rate_limits.values()``).
            now: The current epoch time on the server's clock (``X-Rate-Limit-Retry`` is on it).

        Example:
            >>> # 5 calls of 100 left, the window resets in 30 minutes: one poll every 12 minutes at most.
            >>> info = vf.RateLimitInfo(limit=100, remaining=5, reset_at=now + 1800, limit_type="api_calls")
            >>> vf.PollPolicy().budget_pause([info], now)
            720.0
        """
        pause = 0.0
        for budget in budgets:
            if budget.limit_type == BULK_API_CALLS or budget.limit is None or budget.remaining is None:
                continue
            if budget.reset_at is None or budget.remaining > self.low_budget * budget.limit:
                continue
            reset_in = wait_until_reset(budget.reset_at, now, budget.limit_type) or 0.0
            pause = max(pause, reset_in / max(1.0, self.budget_share * budget.remaining))
        return pause


DEFAULT_POLL_POLICY = PollPolicy()
"""The schedule ``wait`` uses unless given another. Against actions whose progress rises linearly (as the
emulator's), running 0.5 s to 20 s: 3.8 polls on average (at most 4); 5.7 (at most 6) after 1 s at 0%
(``ENQUEUED``, or starting up), 7.1 (at most 8) after 2 s, 17 (at most 18) after 10 s, 25 (at most 26) after
20 s; each end noticed within the larger of 10% of the time waited and 250 ms. A longer wait at 0% is watched
by a fifth of the time waited (up to a minute): 31 polls for a minute in the queue, 43 for ten minutes, 93 for
an hour (``tests/resources/test_poll_schedule.py``); when the general API budget runs low, fewer."""


class PollSchedule:
    """The state of one wait: what was observed so far, and when to poll next."""

    def __init__(self, policy: PollPolicy, started: float) -> None:
        self.policy = policy
        self.started = started
        self.polls = 0
        """How many observations were made."""
        self._still_at = started
        """The last time the action was seen not progressing (at 0%, or waiting): its progress was below 1."""
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
            return
        # Waiting (ENQUEUED, SCHEDULED), running at 0% (the processing may not have begun: a start-up delay),
        # or no progress: the pace is unknown from here on.
        self._running.clear()
        if status != _RUNNING or progress is not None:
            self._still_at = now

    def _pace_bounds(self) -> tuple[float | None, float | None]:
        """The fastest and slowest pace (progress points per second) the observations allow."""
        if not self._running:
            return None, None
        now, progress = self._running[-1]
        earlier = [(now - then, progress - seen) for then, seen in self._running[:-1] if now > then]
        fastest = min(((rise + 1) / span for span, rise in earlier if rise + 1 > 0), default=None)
        slowest = [(rise - 1) / span for span, rise in earlier]
        if now > self._still_at:
            slowest.append((progress - 1) / (now - self._still_at))
        return fastest, max((bound for bound in slowest if bound > 0), default=None)

    def predicted_end(self) -> float | None:
        """The earliest monotonic time the action can end at, given the progress seen; ``None`` if unknown."""
        fastest, _ = self._pace_bounds()
        if fastest is None:
            return None
        now, progress = self._running[-1]
        return now + max(0.0, 100 - (progress + 1)) / fastest

    def latest_end(self) -> float | None:
        """The latest monotonic time the action can end at, given the progress seen; ``None`` if unknown."""
        _, slowest = self._pace_bounds()
        if slowest is None:
            return None
        now, progress = self._running[-1]
        return now + (100 - progress) / slowest

    def next_delay(self, now: float) -> float:
        """How long to sleep before the next poll."""
        policy = self.policy
        waited = max(0.0, now - self.started)
        shortest = max(policy.min_interval, policy.min_interval_fraction * waited)
        earliest, latest = self.predicted_end(), self.latest_end()
        if earliest is not None:
            delay = earliest - now + max(policy.overshoot, self._planned_lateness(earliest))
        elif self._running:
            # Seen rising for the first time: one more look gives the pace.
            delay = policy.first_interval
            if policy.shortest_action is not None:
                left = policy.shortest_action * (100 - self._running[-1][1]) / 100
                delay = max(delay, left + self._planned_lateness(now + left))
        elif policy.shortest_action is not None:
            delay = policy.shortest_action + self._planned_lateness(now + policy.shortest_action)
            if waited >= policy.short_wait:
                # Past the waits the goal is kept for, the queue is watched by a fraction of the time waited.
                delay = max(delay, policy.waiting_fraction * waited)
        else:
            delay = max(policy.first_interval, policy.backoff_fraction * waited)
        if latest is not None:
            delay = min(delay, latest - now + policy.overshoot)
        return min(policy.max_interval, max(shortest, delay))

    def _planned_lateness(self, end: float) -> float:
        policy = self.policy
        return policy.lateness_share * policy.allowed_lateness(end - self.started)


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
    budgets: Callable[[], Iterable[RateLimitInfo]] = tuple,
    server_now: Callable[[], float] | None = None,
) -> PollableT:
    """Fetch a resource until it is finished, pausing as ``policy`` says; return its last state.

    Args:
        fetch: Gets the resource once (one poll).
        resource_id: Its id, for the error.
        clock: What every pause goes through.
        policy: The schedule.
        timeout: Give up after this many seconds (``None``: never).
        on_poll: Called with each polled state (awaited when it returns an awaitable).
        budgets: The API budgets last seen, read after each poll (``PollPolicy.budget_pause``).
        server_now: The time on the server's clock, which the budgets' reset times are on (default: the
            ``clock``'s).

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
        epoch = server_now() if server_now is not None else clock.time()
        delay = max(schedule.next_delay(now), policy.budget_pause(budgets(), epoch))
        if timeout is not None:
            left = started + timeout - now
            if left <= 0:
                raise WaitTimeout(resource_id, current.status, schedule.polls, timeout)
            delay = min(delay, left)
        await clock.sleep(delay)
