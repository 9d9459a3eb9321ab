"""What an import did: one :class:`BatchResult` per import request and the :class:`ImportReport` of a run.

Every order read from the source ends up in exactly one of three places, so that
``report.orders == report.imported + len(report.failed) + len(report.rejected)`` always holds:

- ``imported``: the server imported it (the sum of the actions' ``done_count``);
- ``failed``: the server reported it as failed inside an ``ORDERS.IMPORT`` action (or the whole action
  FAILED), by ``source_id``;
- ``rejected``: it was never imported because it is malformed, found either by the local validation before
  anything was sent, or isolated after the server refused its batch with a 400.

A record whose ``source_id`` repeats an earlier record's of the run is also listed in ``report.duplicates``
(:class:`DuplicateRecord`), apart from those three places: sent (the default), it is one of the ``imported``
(or ``failed``) orders, yet it only updates the order its first copy made, since the server upserts by
``source_id``; rejected (``duplicates="reject"``), it is one of the ``rejected``. ``report.distinct_imported``
counts each ``source_id`` imported once.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain
from typing import Literal

import attrs

# One definition of an order that did not make it: the models' (an action's result lists them too).
from voucherify_async.models.async_actions import OrderFailure

__all__ = ["BatchResult", "BatchStatus", "DryRunReport", "DuplicateRecord", "ImportReport", "OrderFailure"]


BatchStatus = Literal["DONE", "FAILED", "REFUSED"]
"""The final status of a batch: ``DONE`` and ``FAILED`` are the statuses of its async action; ``REFUSED``
means the server answered 400 for every attempt and no action exists (all its orders are then rejected)."""


@attrs.frozen
class DuplicateRecord:
    """A record whose ``source_id`` repeats that of an earlier record of the same run.

    The API upserts orders by ``source_id``: a repeat that the server imports updates the order its first copy
    made (the last copy sent wins), and the import counts it in ``done_count`` like a new order.

    Attributes:
        source_id: The repeated ``source_id``.
        position: Where the repeat is in the source (from 1: the first record read is 1).
        first_position: Where the first record with this ``source_id`` is: the first one that passed the
            local validation (a record rejected before sending made no order, so it is not repeated).
        sent: ``True`` when the repeat was sent (``duplicates="send"``, the default: it updates the order in
            source order), ``False`` when it was rejected locally (``duplicates="reject"``: it is in
            ``report.rejected`` too, never sent).
    """

    source_id: str
    position: int
    first_position: int
    sent: bool = True


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
    :attr:`consistent`). Repeated ``source_id`` s are counted in those (a repeat sent is imported or failed,
    one rejected is rejected) and listed apart in ``duplicates``; ``distinct_imported <= imported`` counts
    each ``source_id`` the server imported once.

    Attributes:
        orders: How many orders were read from the source.
        imported: How many the server imported (the sum of the actions' ``done_count``), repeats of an
            earlier record's ``source_id`` included: the server counts them, though they only update the
            order the first copy made (see :attr:`distinct_imported`).
        failed: Orders the server reported as failed inside an action, by ``source_id``.
        rejected: Orders never imported because they are malformed: found locally (never sent) or isolated
            after a 400 (reason: the server's ``details``); with ``duplicates="reject"``, the repeats of an
            earlier record's ``source_id`` too.
        duplicates: Every record whose ``source_id`` repeats an earlier record's (:class:`DuplicateRecord`,
            in source order), sent or rejected as ``ImportBatcher(duplicates=...)`` says. Informational: each
            is also counted in ``imported``, ``failed`` or ``rejected``. A repeat sent is listed once its
            batch finished.
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
        dates_replaced: Orders sent with their own ``created_at``, which the server replaced with the import
            time: ``created_at_metadata="original_created_at"`` (``--created-at-metadata``) keeps the date
            in metadata instead. See :attr:`notes`.
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
    dates_replaced: int = 0
    duplicates: list[DuplicateRecord] = attrs.field(factory=list)

    @property
    def notes(self) -> list[str]:
        """What the user should know about the run beyond its counts, in words (empty when nothing)."""
        notes = _notes(self.dates_replaced)
        sent = sum(1 for duplicate in self.duplicates if duplicate.sent)
        if sent:
            notes.append(
                f"records that repeat an earlier record's source_id were sent: {sent:,}. The server keeps "
                f"the last copy of each, so {self.distinct_imported:,} of the {self.imported:,} imported are "
                "distinct orders (duplicates='reject', or --duplicates reject, sends only the first copy)"
            )
        return notes

    @property
    def consistent(self) -> bool:
        """Whether ``orders == imported + len(failed) + len(rejected)``, and the repeats fit in those counts:
        those rejected are among ``rejected``, those imported among ``imported``."""
        rejected_repeats = sum(1 for duplicate in self.duplicates if not duplicate.sent)
        return (
            self.orders == self.imported + len(self.failed) + len(self.rejected)
            and rejected_repeats <= len(self.rejected)
            and 0 <= self.distinct_imported <= self.imported
        )

    @property
    def distinct_imported(self) -> int:
        """How many distinct ``source_id`` s the server imported: ``imported`` less the repeats it imported
        on top of an earlier copy of the run (each only updated the order that copy made).

        On a project that held none of the run's orders before, this is how many orders the run added
        (``orders.list().total`` grows by it). A repeat counts as imported unless its batch lists its
        ``source_id`` as failed or refused as often as the batch sent it.
        """
        sent = Counter(duplicate.source_id for duplicate in self.duplicates if duplicate.sent)
        if not sent:
            return self.imported
        lost = Counter(
            failure.source_id
            for batch in self.batches
            for failure in chain(batch.failed, batch.rejected)
            if failure.source_id in sent
        )
        # An id sent 1 + r times, l of them not imported: the imported copies beyond one are repeats.
        return self.imported - sum(max(0, repeats - lost[source_id]) for source_id, repeats in sent.items())

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


@attrs.define
class DryRunReport:
    """What :meth:`ImportBatcher.dry_run` found: the source read, validated and batched, nothing sent.

    The counts are those a run of the same batcher on the same source starts from: the same orders are
    rejected, with the same reasons and positions, and the valid ones go in the same batches.

    Attributes:
        orders: How many records were read from the source.
        valid: How many of them passed the validation (an import would send them).
        rejected: The records an import would reject before sending, each with its reason and ``position``.
        batches: How many import requests an import would send: the bulk calls it spends at least (a rule
            only the server knows can cost more, isolating the orders that break it).
        duplicates: The records whose ``source_id`` repeats an earlier valid record's, as a run would list
            them (:class:`DuplicateRecord`): counted in ``valid`` when the batcher sends repeats, in
            ``rejected`` when it rejects them.
        dates_replaced: Valid orders carrying their own ``created_at``, which the server would replace with
            the import time (``created_at_metadata`` keeps it; see :attr:`notes`).

    Example:
        >>> dry = await vf.ImportBatcher(client).dry_run(vf.read_jsonl("orders.jsonl"))
        >>> print(f"{dry.valid} valid, {len(dry.rejected)} rejected, {dry.batches} bulk calls")
    """

    orders: int = 0
    valid: int = 0
    rejected: list[OrderFailure] = attrs.field(factory=list)
    batches: int = 0
    duplicates: list[DuplicateRecord] = attrs.field(factory=list)
    dates_replaced: int = 0

    @property
    def notes(self) -> list[str]:
        """What the user should know before the import, in words (empty when nothing)."""
        return _notes(self.dates_replaced)

    @property
    def consistent(self) -> bool:
        """Whether ``orders == valid + len(rejected)``."""
        return self.orders == self.valid + len(self.rejected)

    @property
    def bulk_calls(self) -> int:
        """The bulk calls an import would spend at least: one per batch."""
        return self.batches


def _notes(dates_replaced: int) -> list[str]:
    if not dates_replaced:
        return []
    return [
        f"{dates_replaced:,} orders carry their own created_at, which Voucherify replaces with the import "
        "time; to keep it, import with created_at_metadata='original_created_at' (command line: "
        "--created-at-metadata original_created_at)"
    ]
