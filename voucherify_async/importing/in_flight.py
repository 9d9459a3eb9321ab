"""The async action an import waits for, between two polls: what the polls saw, and how far it got since.

Polls are frugal (each spends the general API budget): a steady import looks at an action about once, right
after the end that its predecessors' pace predicts. Between two polls nothing new is known of the action, so
a display that shows only what the polls saw stands still for a whole batch. :class:`InFlightAction` keeps
what is known (the status and ``progress`` the last poll saw, when, and when the action is expected to end)
and estimates from it, at any moment, the share of its orders done: from the progress seen, rising evenly to
100% at the expected end, never below what a poll saw, and never 100% before a poll says the action finished.
It is an estimate, to be shown as one: the counts of the report and of :class:`ImportProgress` stay exact.

Times are *run seconds*: seconds since the run started on the client's clock, the scale of
``ImportProgress.elapsed``.
"""

from __future__ import annotations

import attrs

__all__ = ["ESTIMATE_CAP", "InFlightAction", "step_end"]

ESTIMATE_CAP = 0.99
"""The largest share of an unfinished action's orders an estimate counts done: only a poll says it ended."""

_FINISHED = ("DONE", "FAILED")


@attrs.frozen
class InFlightAction:
    """The ``ORDERS.IMPORT`` async action a run is waiting for, as the polls saw it.

    Attributes:
        batch: The batch's number (from 1).
        async_action_id: The action.
        orders: Orders sent in it.
        submitted_at: When it was submitted (or adopted, or reattached), in run seconds.
        seen_at: When the last poll answered (``submitted_at`` before the first), in run seconds.
        status: Its status at the last poll; ``None`` before the first poll.
        progress: Its ``progress`` (0..100) at the last poll.
        expected_end: When it is expected to finish, in run seconds: predicted from the progress the polls
            saw rise, else from the time the run's earlier actions took per order; ``None`` when nothing
            predicts it yet (the first batch, before its progress shows).
        begun_earlier: Sent by an earlier run (reattached, or adopted, from the checkpoint journal): its
            orders are not this run's work, and tell nothing of the time a batch takes.

    Example:
        >>> action = InFlightAction(3, "aa_3", 2000, submitted_at=10.0, seen_at=10.0, expected_end=12.5)
        >>> action.estimated_done(at=11.25)
        1000
    """

    batch: int
    async_action_id: str
    orders: int
    submitted_at: float
    seen_at: float
    status: str | None = None
    progress: int = 0
    expected_end: float | None = None
    begun_earlier: bool = False

    @property
    def finished(self) -> bool:
        """Whether the last poll saw it ``DONE`` or ``FAILED``."""
        return self.status in _FINISHED

    def done_share(self, at: float) -> float:
        """The estimated share (0..1) of its orders done at run second ``at``.

        Rises evenly from the progress last seen to 100% at ``expected_end``, never above
        :data:`ESTIMATE_CAP` until a poll saw the action finished; without an expected end, the progress seen.
        """
        if self.finished:
            return 1.0
        seen = min(1.0, max(0.0, self.progress / 100))
        end = self.expected_end
        if end is None or at <= self.seen_at:
            return min(seen, ESTIMATE_CAP)
        if end <= self.seen_at:
            return ESTIMATE_CAP  # overdue: about to end, as far as anything tells
        share = seen + (1.0 - seen) * (at - self.seen_at) / (end - self.seen_at)
        return min(max(seen, share), ESTIMATE_CAP)

    def estimated_done(self, at: float) -> int:
        """The estimated number of its orders done at run second ``at`` (see :meth:`done_share`)."""
        return int(self.orders * self.done_share(at))


def step_end(in_flight: InFlightAction | None, wait_ends_at: float | None) -> float | None:
    """When the step an import is at is expected to end (run seconds): a rate-limit wait, the unfinished
    action in flight, the later of the two; ``None`` when nothing predicts it."""
    ends = [wait_ends_at]
    if in_flight is not None and not in_flight.finished:
        ends.append(in_flight.expected_end)
    known = [end for end in ends if end is not None]
    return max(known) if known else None
