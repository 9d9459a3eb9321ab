"""Progress events of an import, for progress bars and logs.

The batcher calls ``on_progress(event)`` at each step; the callback may be a plain function or a coroutine
function (it is awaited). Every event carries :class:`ImportProgress`, a snapshot of the running totals with
the rate and the ETA, so a display can redraw from any event; the event's type says what just happened.

Example:
    >>> def show(event: ProgressEvent) -> None:
    ...     p = event.progress
    ...     print(f"{p.imported} imported, {p.failed} failed, {p.rejected} rejected, eta {p.eta}")
    >>> # ImportBatcher(client, on_progress=show)
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Awaitable
from typing import Literal, Protocol

import attrs

from voucherify_async.importing.in_flight import InFlightAction, step_end
from voucherify_async.importing.report import BatchResult, ImportReport, OrderFailure

__all__ = [
    "ActionSetAside",
    "ActionVanished",
    "BatchFinished",
    "BatchPolled",
    "BatchPrepared",
    "BatchRefused",
    "BatchSubmitted",
    "DatesReplaced",
    "ImportFinished",
    "ImportProgress",
    "InFlightAction",
    "OrdersRejected",
    "ProgressCallback",
    "ProgressEvent",
    "RateLimitWait",
    "WaitingForOtherImport",
    "emit_progress",
    "estimate_eta",
]


@attrs.frozen
class ImportProgress:
    """The running totals of an import at the moment of an event.

    Attributes:
        orders_read: Orders read from the source so far.
        orders_sent: Orders sent in import requests that the server accepted (resends not counted twice).
        imported: Orders the server imported so far.
        failed: Orders the server reported as failed so far.
        rejected: Orders rejected so far (locally, or isolated after a 400).
        batches_done: Batches whose async action finished (or that were refused).
        bulk_calls: Import requests sent by this run.
        polls: Async action fetches made by this run.
        elapsed: Seconds since the run started (client clock): the *run seconds* the times below are in.
        rate: Orders this run accounted for (imported + failed + rejected, less ``carried_over``) per second
            of ``elapsed``; ``None`` before this run accounted for any.
        total_orders: How many orders the source holds, when known (given by the user, or the source is
            exhausted), else ``None``.
        eta: Estimated seconds from this moment until the run ends: what is left of a rate-limit wait under
            way and of the action in flight, then the batches still to send at the pace this run measured,
            counting the bulk call budget (see :func:`estimate_eta`); ``None`` when ``total_orders`` is
            unknown or this run has measured no pace yet. :meth:`eta_at` counts it down.
        bulk_remaining: The last seen ``X-Rate-Limit-Remaining`` of the bulk budget, if the server sent one.
        carried_over: Orders accounted for by an earlier run: batches the checkpoint journal records as
            finished (read back without any work), and the orders of a batch that an earlier run sent and
            this one took over (its action reattached); in the counts, not in ``rate``.
        batches_carried_over: Batches among ``batches_done`` that the journal records as finished.
        in_flight: The async action the run waits for, as the polls saw it (``None`` between actions).
        wait_ends_at: When a rate-limit wait under way ends, in run seconds (``None`` when none is).
    """

    orders_read: int = 0
    orders_sent: int = 0
    imported: int = 0
    failed: int = 0
    rejected: int = 0
    batches_done: int = 0
    bulk_calls: int = 0
    polls: int = 0
    elapsed: float = 0.0
    rate: float | None = None
    total_orders: int | None = None
    eta: float | None = None
    bulk_remaining: int | None = None
    carried_over: int = 0
    batches_carried_over: int = 0
    in_flight: InFlightAction | None = None
    wait_ends_at: float | None = None

    @property
    def accounted(self) -> int:
        """Orders whose fate is known: imported + failed + rejected."""
        return self.imported + self.failed + self.rejected

    @property
    def batches_this_run(self) -> int:
        """Batches this run finished (``batches_done`` less those read back from the journal)."""
        return self.batches_done - self.batches_carried_over

    def estimated_accounted(self, at: float | None = None) -> int:
        """``accounted`` plus the orders of the action in flight estimated done at run second ``at``.

        An estimate (:meth:`InFlightAction.done_share`), for a display between two polls; ``at`` defaults
        to the moment of the snapshot (``elapsed``).
        """
        if self.in_flight is None:
            return self.accounted
        return self.accounted + self.in_flight.estimated_done(self.elapsed if at is None else at)

    def estimated_rate(self, at: float) -> float | None:
        """This run's orders per second at run second ``at``, counting the estimate of the action in flight.

        ``None`` before this run accounted for any order (``rate`` at the very start of the run).
        """
        at = max(at, self.elapsed)
        if at <= 0:
            return self.rate
        done = self.estimated_accounted(at) - self.carried_over
        if self.in_flight is not None and self.in_flight.begun_earlier:
            done -= self.in_flight.estimated_done(at)
        return done / at if done > 0 else None

    def eta_at(self, at: float) -> float | None:
        """``eta`` counted down to run second ``at``.

        The time left of the step under way (a rate-limit wait, the action in flight) runs down to zero and
        stays there while the step overruns its estimate: the batches after it still take their time.
        """
        if self.eta is None:
            return None
        end = step_end(self.in_flight, self.wait_ends_at)
        if end is None:
            return self.eta
        after_step = self.eta - max(0.0, end - self.elapsed)
        return max(0.0, end - at) + max(0.0, after_step)


@attrs.frozen
class ProgressEvent:
    """The base of every progress event: match on the subclass to know what happened.

    Attributes:
        progress: The running totals at the moment of the event.
    """

    progress: ImportProgress


@attrs.frozen
class BatchPrepared(ProgressEvent):
    """A batch was read, validated and serialised, ready to submit.

    Attributes:
        progress: The running totals.
        batch: The batch's number (from 1).
        size: Orders in the batch.
        size_bytes: Size of the batch's request body in bytes.
    """

    batch: int
    size: int
    size_bytes: int


@attrs.frozen
class OrdersRejected(ProgressEvent):
    """The local validation rejected orders (they are never sent).

    Attributes:
        progress: The running totals.
        rejections: The rejected orders with their reasons.
    """

    rejections: tuple[OrderFailure, ...]


@attrs.frozen
class BatchSubmitted(ProgressEvent):
    """The server accepted an import request for a batch (or an action was adopted or reattached).

    Attributes:
        progress: The running totals.
        batch: The batch's number (from 1).
        size: Orders in the request.
        async_action_id: The ``ORDERS.IMPORT`` async action now working on the batch.
        how: ``submitted`` (the server answered), ``adopted`` (the answer was lost and the action was found
            among the project's recent async actions) or ``reattached`` (found in the checkpoint journal).
    """

    batch: int
    size: int
    async_action_id: str
    how: Literal["submitted", "adopted", "reattached"] = "submitted"


@attrs.frozen
class DatesReplaced(ProgressEvent):
    """Orders carry their own ``created_at``, which the server replaces with the import time (once a run).

    Voucherify stamps an imported order with the time of the import; an order's own date survives only in
    metadata: ``ImportBatcher(created_at_metadata="original_created_at")`` (command line:
    ``--created-at-metadata original_created_at``) moves it there.

    Attributes:
        progress: The running totals.
        batch: The first batch holding such orders.
        orders: How many of its orders carry a ``created_at``.
    """

    batch: int
    orders: int


@attrs.frozen
class ActionSetAside(ProgressEvent):
    """An action adopted after a lost answer was not proven to hold the batch's orders (see ``lost_ack``).

    Attributes:
        progress: The running totals.
        batch: The batch's number (from 1).
        async_action_id: The action set aside: never counted as the batch's.
        proven_not_ours: ``True`` when the evidence shows it is another's import; ``False`` when the
            evidence is not conclusive (the batch's orders then count as failed, naming it, unless a later
            candidate is proven the batch's).
        evidence: What the judgement rests on, in words.
    """

    batch: int
    async_action_id: str
    proven_not_ours: bool
    evidence: str


@attrs.frozen
class ActionVanished(ProgressEvent):
    """The action the journal names for a batch no longer exists (404 on resume): decided from the orders.

    Attributes:
        progress: The running totals.
        batch: The batch's number (from 1).
        async_action_id: The action that vanished.
        decision: ``imported`` (the orders looked up were written since the request: counted imported),
            ``not imported`` (none was: sent again) or ``unknown`` (some were: counted failed, saying why).
    """

    batch: int
    async_action_id: str
    decision: Literal["imported", "not imported", "unknown"]


@attrs.frozen
class BatchPolled(ProgressEvent):
    """The batch's async action was fetched.

    Attributes:
        progress: The running totals.
        batch: The batch's number (from 1).
        async_action_id: The action.
        status: Its status: ``ENQUEUED``, ``IN_PROGRESS``, ``DONE`` or ``FAILED``.
        action_progress: Its ``progress`` (0..100) as the server reports it.
        next_poll_in: Seconds until the next poll (``None`` once the action finished).
    """

    batch: int
    async_action_id: str
    status: str
    action_progress: int
    next_poll_in: float | None = None


@attrs.frozen
class BatchRefused(ProgressEvent):
    """The server refused a batch with a 400 that the local validation could not foresee.

    Attributes:
        progress: The running totals.
        batch: The batch's number (from 1).
        details: The error's ``details`` (a property path and the broken rule).
        offenders: Orders of the batch identified as the cause (they become rejections).
        resending: Orders that will be resent without the offenders.
    """

    batch: int
    details: str
    offenders: int
    resending: int


@attrs.frozen
class BatchFinished(ProgressEvent):
    """A batch reached its final status.

    Attributes:
        progress: The running totals (already counting this batch).
        result: The batch's outcome.
    """

    result: BatchResult


@attrs.frozen
class RateLimitWait(ProgressEvent):
    """The batcher waits for a rate limit before its next request.

    Attributes:
        progress: The running totals.
        seconds: How long it waits.
        until: When the wait ends (epoch seconds, client clock).
        limit_type: The ``X-Rate-Limit-Type`` concerned (``bulk_api_calls``, ``api_calls``...), if known.
        reason: ``429`` (the server answered Too Many Requests) or ``paced`` (the remaining budget is spent,
            so the batcher waits for the window to reset instead of provoking a 429).
    """

    seconds: float
    until: float
    limit_type: str | None
    reason: Literal["429", "paced"]


@attrs.frozen
class WaitingForOtherImport(ProgressEvent):
    """An ``ORDERS.IMPORT`` action that is not this run's is unfinished; the batcher waits before submitting.

    Sent when the batcher coordinates with other processes, or when a resumed run finds that the killed
    run's import may still be running.

    Attributes:
        progress: The running totals.
        async_action_id: The other action.
        status: Its status (``ENQUEUED`` or ``IN_PROGRESS``).
    """

    async_action_id: str
    status: str


@attrs.frozen
class ImportFinished(ProgressEvent):
    """The run ended (normally); the report is final.

    Attributes:
        progress: The final totals.
        report: The run's report.
    """

    report: ImportReport


class ProgressCallback(Protocol):
    """``on_progress``: a plain function or a coroutine function taking one :data:`ProgressEvent`."""

    def __call__(self, event: ProgressEvent, /) -> Awaitable[None] | None:
        """Handle one event (an awaitable result is awaited before the batcher goes on)."""
        ...


async def emit_progress(callback: ProgressCallback | None, event: ProgressEvent) -> None:
    """Deliver ``event`` to ``callback``, awaiting it when it returns an awaitable."""
    if callback is None:
        return
    outcome = callback(event)
    if inspect.isawaitable(outcome):
        await outcome


def estimate_eta(
    *,
    remaining_orders: int,
    batch_size: int,
    seconds_per_batch: float,
    bulk_remaining: int | None = None,
    bulk_limit: int | None = None,
    bulk_reset_in: float | None = None,
    bulk_window: float = 3600.0,
) -> float:
    """Estimate the seconds an import still needs, counting the bulk call budget.

    Each remaining batch takes ``seconds_per_batch`` (measured so far). When the bulk budget is known, only
    ``bulk_remaining`` batches can go before the window resets in ``bulk_reset_in`` seconds, and then
    ``bulk_limit`` per ``bulk_window``: at 1 bulk call an hour, 100,000 orders take 50 hours, and the ETA
    says so.

    Args:
        remaining_orders: Orders not yet sent.
        batch_size: Orders per batch.
        seconds_per_batch: Measured time a batch takes (submission to final status).
        bulk_remaining: Bulk calls left in the current window (``X-Rate-Limit-Remaining``), if known.
        bulk_limit: Bulk calls per window (``X-Rate-Limit-Limit``), if known.
        bulk_reset_in: Seconds until the current window resets, if known.
        bulk_window: Length of a bulk window in seconds (an hour on Voucherify's plans).

    Returns:
        The estimated seconds (0 when nothing remains).

    Example:
        >>> estimate_eta(remaining_orders=6000, batch_size=2000, seconds_per_batch=10.0,
        ...              bulk_remaining=1, bulk_limit=1, bulk_reset_in=1800.0)
        5410.0
    """
    if remaining_orders <= 0:
        return 0.0
    batches = math.ceil(remaining_orders / max(1, batch_size))
    work = batches * max(0.0, seconds_per_batch)
    if bulk_remaining is None or bulk_limit is None or bulk_limit <= 0:
        return work
    beyond_budget = batches - max(0, bulk_remaining)
    if beyond_budget <= 0:
        return work
    # The batches beyond this window's budget start at the reset, then `bulk_limit` per window; the last
    # window's batches still need their own processing time.
    windows = math.ceil(beyond_budget / bulk_limit)
    reset_in = max(0.0, bulk_reset_in if bulk_reset_in is not None else bulk_window)
    last_window_batches = beyond_budget - (windows - 1) * bulk_limit
    return max(work, reset_in + (windows - 1) * bulk_window + last_window_batches * seconds_per_batch)
