"""What an import did: one :class:`BatchResult` per import request and the :class:`ImportReport` of a run.

Every order read from the source ends up in exactly one of three places, so that
``report.orders == report.imported + len(report.failed) + len(report.rejected)`` always holds:

- ``imported``: the server imported it (the sum of the actions' ``done_count``);
- ``failed``: the server reported it as failed inside an ``ORDERS.IMPORT`` action (or the whole action
  FAILED), by ``source_id``;
- ``rejected``: it was never imported because it is malformed, found either by the local validation before
  anything was sent, or isolated after the server refused its batch with a 400.
"""

from __future__ import annotations

from typing import Literal

import attrs

# One definition of an order that did not make it: the models' (an action's result lists them too).
from voucherify_async.models.async_actions import OrderFailure

__all__ = ["BatchResult", "BatchStatus", "ImportReport", "OrderFailure"]


BatchStatus = Literal["DONE", "FAILED", "REFUSED"]
"""The final status of a batch: ``DONE`` and ``FAILED`` are the statuses of its async action; ``REFUSED``
means the server answered 400 for every attempt and no action exists (all its orders are then rejected)."""


@attrs.define
class BatchResult:
    """The outcome of one batch: the orders of one import request and its async action.

    Attributes:
        index: The batch's number in the run, from 1, counting batches of the source in order (also across a
            resumed run: batch 3 is the third batch of the source whichever run sent it).
        async_action_id: The ``ORDERS.IMPORT`` async action of the batch: its last one when isolating a 400
            took several import requests (``bulk_calls`` counts them); ``None`` when the server refused every
            attempt, see ``status``.
        size: How many orders of the source the batch held (before any server-side 400 isolation).
        status: ``DONE``, ``FAILED`` (the action failed; its orders count as failed) or ``REFUSED``.
        imported: Orders the server imported (the action's ``done_count``).
        failed: Orders the server reported as failed, by ``source_id`` (all of the batch's sent orders when
            the action FAILED).
        rejected: Orders dropped from this batch after the server refused it with a 400, with the server's
            ``details`` as the reason (orders rejected by the local validation are only in the report).
        bulk_calls: Import requests this batch spent (1 normally; more after a 400 isolation).
        polls: How many times the batch's async action was fetched while waiting for it.
        message: The action's ``result.message`` (or the failure reason for a FAILED action), if any.
        resumed: ``True`` when this result was not produced by this run but read from the checkpoint
            journal (the batch had finished in an earlier run) or the action was reattached after a restart.
        duration: Seconds from the first submission of the batch to its final status (clock time).
        unconfirmed_action_id: An action found after the answer to the batch's import request was lost
            (or that vanished before a resumed run got back to it) that could not be proven to hold the
            batch's orders: they count as failed, with a reason that says so, and the action is not
            claimed as the batch's (``async_action_id`` does not name it).
    """

    index: int
    async_action_id: str | None
    size: int
    status: BatchStatus
    imported: int = 0
    failed: list[OrderFailure] = attrs.field(factory=list)
    rejected: list[OrderFailure] = attrs.field(factory=list)
    bulk_calls: int = 1
    polls: int = 0
    message: str | None = None
    resumed: bool = False
    duration: float = 0.0
    unconfirmed_action_id: str | None = None

    @property
    def extra_bulk_calls(self) -> int:
        """Bulk calls beyond the one a batch needs (spent isolating orders the server refused)."""
        return max(0, self.bulk_calls - 1)


@attrs.define
class ImportReport:
    """The account of a whole run of :class:`ImportBatcher`: what happened to every order.

    The invariant ``orders == imported + len(failed) + len(rejected)`` holds for every finished run (see
    :attr:`consistent`).

    Attributes:
        orders: How many orders were read from the source.
        imported: How many the server imported (the sum of the actions' ``done_count``).
        failed: Orders the server reported as failed inside an action, by ``source_id``.
        rejected: Orders never imported because they are malformed: found locally (never sent) or isolated
            after a 400 (reason: the server's ``details``).
        batches: One :class:`BatchResult` per batch, in the source's order.
        bulk_calls: Import requests sent by this run (bulk API calls spent).
        polls: Async action fetches made while waiting for batches.
        rate_limit_wait: Seconds spent waiting for rate limits (429s and pacing), by the client's clock.
        elapsed: Seconds the run took, by the client's clock.
        in_flight_action_id: The async action that was still unfinished when the run stopped early
            (cancelled or failed), else ``None``; a run resumed from the checkpoint reattaches to it.
        in_flight_orders: Orders read but not accounted for when the run stopped early: those of the batch
            in flight (0 for a finished run). For a stopped run,
            ``orders == imported + len(failed) + len(rejected) + in_flight_orders``.
        unanswered_batch: The batch whose import request was out without an answer when the run stopped
            early (cancelled while it was on its way, or its answer lost): the server may have queued it,
            with an action nobody knows yet; a run resumed from the checkpoint looks for it first.
        unconfirmed_action_ids: Actions that may or may not hold some of the run's orders: found after a
            lost answer and not proven to be the run's own (another worker's import in the same moment,
            say), or vanished before a resumed run could read them. Their orders count as failed, with a
            reason saying so; look them up before importing them again.
        source_error: Where and how the source broke, when a broken source (a file cut short) stopped the
            run: the orders read before the break were imported and are counted; a run with the repaired
            source and the same checkpoint goes on right after them.
    """

    orders: int = 0
    imported: int = 0
    failed: list[OrderFailure] = attrs.field(factory=list)
    rejected: list[OrderFailure] = attrs.field(factory=list)
    batches: list[BatchResult] = attrs.field(factory=list)
    bulk_calls: int = 0
    polls: int = 0
    rate_limit_wait: float = 0.0
    elapsed: float = 0.0
    in_flight_action_id: str | None = None
    in_flight_orders: int = 0
    unanswered_batch: int | None = None
    unconfirmed_action_ids: list[str] = attrs.field(factory=list)
    source_error: str | None = None

    @property
    def consistent(self) -> bool:
        """Whether ``orders == imported + len(failed) + len(rejected)``."""
        return self.orders == self.imported + len(self.failed) + len(self.rejected)

    @property
    def ok(self) -> bool:
        """Whether every order read was imported (nothing failed or rejected)."""
        return self.consistent and not self.failed and not self.rejected

    @property
    def extra_bulk_calls(self) -> int:
        """Bulk calls spent beyond one per batch (on isolating orders the server refused with a 400)."""
        return sum(batch.extra_bulk_calls for batch in self.batches)

    def add_batch(self, result: BatchResult) -> None:
        """Count a finished batch into the totals."""
        self.batches.append(result)
        self.imported += result.imported
        self.failed.extend(result.failed)
        self.rejected.extend(result.rejected)
        if result.unconfirmed_action_id is not None:
            self.unconfirmed_action_ids.append(result.unconfirmed_action_id)
