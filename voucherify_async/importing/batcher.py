"""``vf.ImportBatcher``: any number of orders into Voucherify, one import at a time, each one accounted for.

Two tasks share the work, owned by one anyio task group: the *preparer* reads the source, validates,
serialises and cuts the next batch while the *submitter* works the current one through the server (submit,
wait, isolate a 400). They meet at a memory object stream without a buffer, so memory holds the batch in
flight and the next one, whatever the size of the source. Finished batches go to the caller through a
second, bounded stream.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import ObjectReceiveStream, ObjectSendStream

from voucherify_async._checks import check_number, check_whole_number
from voucherify_async._errors import APIConnectionError, APIError, InvalidArgumentError, VoucherifyError
from voucherify_async.importing.checkpoint import Journal
from voucherify_async.importing.chunking import (
    DEFAULT_MAX_BATCH_BYTES,
    MAX_BATCH_SIZE,
    Batch,
    prepare_batches,
)
from voucherify_async.importing.context import ImportClient, RunContext
from voucherify_async.importing.duplicates import DUPLICATES_OPTIONS, DuplicatesOption, SourceIdTracker
from voucherify_async.importing.errors import CheckpointError, ImportInterruptedError, SourceError
from voucherify_async.importing.polling import ImportPollPolicy
from voucherify_async.importing.processing import BatchSettings, process_batch
from voucherify_async.importing.progress import ImportFinished, ProgressCallback
from voucherify_async.importing.report import BatchResult, DryRunReport, ImportReport
from voucherify_async.importing.run_start import start_run
from voucherify_async.importing.sources import OrderSource, source_length
from voucherify_async.importing.validation import OrderRules
from voucherify_async.models import to_wire as models_to_wire

__all__ = ["ImportBatcher", "ImportRun"]

_RESULTS_BUFFER = 64


class ImportRun:
    """The finished batches of a running import, as an async iterator, and its report so far.

    Obtained from :meth:`ImportBatcher.stream`; iterate it to get each :class:`BatchResult` as its batch
    finishes. ``report`` is complete once the iteration ended.
    """

    def __init__(self, results: ObjectReceiveStream[BatchResult], context: RunContext) -> None:
        self._results = results
        self._context = context

    @property
    def report(self) -> ImportReport:
        """The run's report (live while the run goes on)."""
        return self._context.report

    def __aiter__(self) -> ImportRun:
        return self

    async def __anext__(self) -> BatchResult:
        try:
            return await self._results.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None


class ImportBatcher:
    """Imports any number of orders through ``POST /v1/orders/import``, one batch at a time per project.

    Each batch is submitted only after the previous one's async action is DONE or FAILED. Two batchers of
    one project in one process never interleave: a run holds the project's lock (keyed on
    ``client.project_key``) from its first submission to its end; batchers of other projects run meanwhile.

    Args:
        client: A ``vf.AsyncVoucherify`` (anything offering its orders and async actions resources).
        batch_size: Orders per import request, 1..2000 (the API's limit, and the default).
        max_batch_bytes: Largest request body; an order larger than this alone is rejected.
        checkpoint: Path of a checkpoint journal. Running again with the same source and checkpoint after a
            crash, kill or Ctrl-C skips finished batches and reattaches to an action in flight.
        on_progress: Called with each progress event (a plain or a coroutine function).
        created_at_metadata: Move each order's ``created_at`` into this metadata key (the server sets
            ``created_at`` to the import time).
        require_source_id: Reject orders without ``source_id`` (default; see ``validation``).
        poll: How async actions are polled (a :class:`~voucherify_async.ImportPollPolicy`).
        batch_timeout: Seconds an import's async action may take from its submission to its final status
            (``None``: no limit); past it :class:`BatchTimeoutError` is raised. Each import request of a
            batch has its own (a batch isolating a 400 sends several, one after the other).
        coordinate_with_other_processes: Before each submission, wait while an ``ORDERS.IMPORT`` of the
            project that is not this run's is unfinished (several workers importing into one project).
        total_orders: How many orders the source holds, if known (for the ETA).
        lost_ack_margin: Seconds of slack when looking for the action a request whose answer was lost
            created (the rule is in :mod:`~voucherify_async.importing.lost_ack`): the send time, moved onto
            the server's clock (measured on the answers' ``Date`` headers), less this, bounds the search; an
            action found is counted as the batch's only once the evidence proves it holds the batch's
            orders (``report.unconfirmed_action_ids`` names those that could not be proven). It is
            also the pause before a second look, when the first finds nothing (the server may still be
            taking the request in), and a run restarted sooner than this after its request was sent waits
            until then before deciding the request never arrived.
        max_submit_attempts: Sends of one batch tried on connection failures and 5xx before giving up.
        max_refusals: 400s accepted per batch while isolating its offenders; past it, the orders not yet
            imported are rejected with the server's details instead of splitting further (each probe spends
            a bulk call).
        to_wire: Turns objects that are not mappings (``vf.Order``) into wire dicts; defaults to the models'
            ``to_wire``. A record it raises on is rejected (with its position), never the run stopped.
        duplicates: What to do with a record whose ``source_id`` repeats an earlier valid record's of the run
            (the server upserts by ``source_id``: a repeat updates the order the first copy made). ``"send"``
            (default): send it in source order, so the server keeps the last copy; ``"reject"``: reject it
            locally, never sent, with a reason naming the first record's position. Either way the run lists
            every repeat in ``report.duplicates``, and ``report.distinct_imported`` counts each ``source_id``
            imported once. Noticing repeats costs at most 16 bytes per distinct ``source_id`` (see
            :mod:`~voucherify_async.importing.duplicates`); a resumed run notices them again as it re-reads
            the source.

    Raises:
        InvalidArgumentError: A setting is out of its range or of the wrong type (counts are ``int``, not
            ``bool`` or ``float``; seconds are finite ``int`` or ``float``), before anything is read or sent.

    Example:
        >>> async with vf.AsyncVoucherify(app_id=..., app_token=...) as client:
        ...     report = await vf.ImportBatcher(client, checkpoint="orders.journal").run(orders)
        ...     assert report.orders == report.imported + len(report.failed) + len(report.rejected)
    """

    def __init__(
        self,
        client: ImportClient,
        *,
        batch_size: int = MAX_BATCH_SIZE,
        max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
        checkpoint: str | Path | None = None,
        on_progress: ProgressCallback | None = None,
        created_at_metadata: str | None = None,
        require_source_id: bool = True,
        poll: ImportPollPolicy | None = None,
        batch_timeout: float | None = 3600.0,
        coordinate_with_other_processes: bool = False,
        total_orders: int | None = None,
        lost_ack_margin: float = 5.0,
        max_submit_attempts: int = 5,
        max_refusals: int = 16,
        to_wire: Callable[[Any], dict[str, Any]] | None = None,
        duplicates: DuplicatesOption = "send",
    ) -> None:
        _check_settings(
            batch_size=batch_size,
            max_batch_bytes=max_batch_bytes,
            batch_timeout=batch_timeout,
            lost_ack_margin=lost_ack_margin,
            max_submit_attempts=max_submit_attempts,
            max_refusals=max_refusals,
            total_orders=total_orders,
            duplicates=duplicates,
        )
        self.client = client
        self.batch_size = batch_size
        self.max_batch_bytes = max_batch_bytes
        self.checkpoint = Path(checkpoint) if checkpoint is not None else None
        self.on_progress = on_progress
        self.total_orders = total_orders
        self.duplicates: DuplicatesOption = duplicates
        self.rules = OrderRules(
            require_source_id=require_source_id,
            created_at_metadata=created_at_metadata,
            to_wire=to_wire or models_to_wire,
        )
        self.settings = BatchSettings(
            poll=poll or ImportPollPolicy(),
            batch_timeout=batch_timeout,
            coordinate=coordinate_with_other_processes,
            lost_ack_margin=lost_ack_margin,
            max_submit_attempts=max_submit_attempts,
            max_refusals=max_refusals,
        )
        self.report: ImportReport | None = None
        """The report of the latest run (also while it runs, and after it stopped early)."""

    async def run(self, orders: OrderSource) -> ImportReport:
        """Import every order of ``orders`` and return the account of each.

        Raises:
            ImportInterruptedError: An API error the batcher cannot handle (say a 401), or a connection that
                kept failing, stopped the run; its ``report`` and ``async_action_id`` say how far it got, and
                ``__cause__`` is the client's error.
            SourceChangedError: The source differs from the one the checkpoint was written for.
            BatchTimeoutError: A batch's action did not finish within ``batch_timeout``.
            SourceError: A file source is broken as a whole (the orders before the break are imported).
        """
        async with self.stream(orders) as batches:
            async for _ in batches:
                pass
        return batches.report

    async def dry_run(self, orders: OrderSource) -> DryRunReport:
        """Read, validate, serialise and batch ``orders`` exactly as :meth:`run` would, and send nothing.

        The very pipeline of a run, with this batcher's rules and sizes (``to_wire``, ``require_source_id``,
        ``created_at_metadata``, ``batch_size``, ``max_batch_bytes``): the rejections are those a run
        reports, and ``batches`` the import requests it would send. The client, the checkpoint and
        ``on_progress`` are not used.

        Raises:
            SourceError: A file source is broken as a whole.

        Example:
            >>> dry = await batcher.dry_run(vf.read_jsonl("orders.jsonl"))
            >>> print(f"{dry.orders} read, {dry.valid} valid, {len(dry.rejected)} rejected")
        """
        report = DryRunReport()
        with SourceIdTracker(expected_ids=self.total_orders or source_length(orders)) as tracker:
            async for batch in self._batches(orders, tracker):
                report.orders += batch.read
                report.valid += batch.size
                report.rejected.extend(batch.rejected)
                report.duplicates.extend(batch.duplicates)
                report.dates_replaced += batch.dates_replaced
                report.batches += 1 if batch.size else 0
        return report

    @asynccontextmanager
    async def stream(self, orders: OrderSource) -> AsyncIterator[ImportRun]:
        """Run the import while the caller iterates the results of its batches as they finish.

        Leaving the block early (``break``, an exception, cancellation) cancels the import safely: the
        checkpoint stays consistent and ``report.in_flight_action_id`` names the action still running.
        Up to 64 results wait for the caller; a caller further behind than that pauses the import.

        Example:
            >>> async with batcher.stream(orders) as results:
            ...     async for result in results:
            ...         print(result.index, result.status, result.imported)
        """
        journal = Journal(self.checkpoint) if self.checkpoint is not None else None
        ctx = RunContext(
            self.client,
            journal=journal,
            on_progress=self.on_progress,
            total_orders=self.total_orders,
            batch_size=self.batch_size,
        )
        self.report = ctx.report
        send, receive = anyio.create_memory_object_stream[BatchResult](_RESULTS_BUFFER)
        # Errors of the tasks are kept here and raised as themselves once the task group is closed, so the
        # caller sees `SourceChangedError`, not an exception group around it.
        failures: list[BaseException] = []
        try:
            async with anyio.create_task_group() as group, receive:
                group.start_soon(self._drive, ctx, orders, send, failures)
                try:
                    yield ImportRun(receive, ctx)
                except BaseException as error:  # the caller's error or cancellation: stop the import first
                    failures.insert(0, error)
                group.cancel_scope.cancel()
        finally:
            if journal is not None:
                journal.close()
        if failures:
            raise failures[0]

    async def _drive(
        self,
        ctx: RunContext,
        orders: OrderSource,
        results: ObjectSendStream[BatchResult],
        failures: list[BaseException],
    ) -> None:
        stop: BaseException | None = None
        async with results:
            try:
                start_run(
                    ctx,
                    batch_size=self.batch_size,
                    max_batch_bytes=self.max_batch_bytes,
                    duplicates=self.duplicates,
                )
                await self._pipeline(ctx, orders, results)
                ctx.source_exhausted = True
                ctx.report.elapsed = ctx.elapsed
                if ctx.journal is not None:
                    ctx.journal.write("complete", **_totals(ctx.report))
                await ctx.emit(ImportFinished, report=ctx.report)
            except Exception as error:
                stop = error
                self._stopped(ctx, error)
                if isinstance(error, APIError | APIConnectionError):
                    message = _interrupted_message(ctx, error)
                    interrupted = ImportInterruptedError(
                        message, report=ctx.report, async_action_id=ctx.in_flight_action_id
                    )
                    interrupted.__cause__ = error
                    failures.append(interrupted)
                else:
                    failures.append(error)
            except BaseException as error:
                stop = error
                self._stopped(ctx, error)
                raise
            finally:
                ctx.telemetry.end_run(ctx.report, stop)
                ctx.release_project_lock()

    async def _pipeline(
        self, ctx: RunContext, orders: OrderSource, results: ObjectSendStream[BatchResult]
    ) -> None:
        """The preparer task feeds batches to this one, which submits them one by one."""
        batches_in, batches_out = anyio.create_memory_object_stream[Batch](0)
        failures: list[Exception] = []
        async with anyio.create_task_group() as group:
            group.start_soon(self._prepare, orders, batches_in, failures)
            try:
                async with batches_out:
                    async for batch in batches_out:
                        result = await process_batch(ctx, batch, self.settings)
                        if result is not None:
                            await results.send(result)
            except Exception as error:
                failures.insert(0, error)
                group.cancel_scope.cancel()
        if failures:
            raise failures[0]

    async def _prepare(
        self, orders: OrderSource, batches: ObjectSendStream[Batch], failures: list[Exception]
    ) -> None:
        # The run's source_ids live as long as the reading: freed (its file deleted, if it spilled) as soon
        # as the source ends, fails or the run is cancelled. A resumed run re-reads the source from its
        # start, finished batches included, so it knows every earlier source_id again.
        async with batches:
            try:
                with SourceIdTracker(expected_ids=self.total_orders or source_length(orders)) as tracker:
                    async for batch in self._batches(orders, tracker):
                        if self.checkpoint is not None:
                            batch.fingerprint()  # hashed while the server works, not between two imports
                        await batches.send(batch)
            except anyio.BrokenResourceError:
                pass  # the submitter stopped: its own error (or cancellation) says why
            except Exception as error:
                failures.append(error)

    def _batches(self, orders: OrderSource, tracker: SourceIdTracker) -> AsyncIterator[Batch]:
        """The batches of ``orders`` with this batcher's settings (a run's and a dry run's alike)."""
        return prepare_batches(
            orders,
            rules=self.rules,
            batch_size=self.batch_size,
            max_batch_bytes=self.max_batch_bytes,
            tracker=tracker,
            duplicates=self.duplicates,
        )

    def _stopped(self, ctx: RunContext, error: BaseException) -> None:
        report = ctx.report
        if isinstance(error, SourceError):
            report.source_error = str(error)
        report.in_flight_action_id = ctx.in_flight_action_id
        report.in_flight_orders = report.orders - report.imported - len(report.failed) - len(report.rejected)
        report.unanswered_batch = ctx.unanswered_batch
        ctx.report.elapsed = ctx.elapsed
        if ctx.journal is not None:
            reason = "cancelled" if isinstance(error, anyio.get_cancelled_exc_class()) else repr(error)
            # The journal's last word is informational: a journal that cannot be written any more must not
            # hide the error that stopped the run.
            with contextlib.suppress(CheckpointError):
                unanswered = {"unanswered_batch": ctx.unanswered_batch} if ctx.unanswered_batch else {}
                ctx.journal.write(
                    "stopped", async_action_id=ctx.in_flight_action_id, reason=reason[:500], **unanswered
                )


def _check_settings(
    *,
    batch_size: object,
    max_batch_bytes: object,
    batch_timeout: object,
    lost_ack_margin: object,
    max_submit_attempts: object,
    max_refusals: object,
    total_orders: object,
    duplicates: object,
) -> None:
    """Refuse impossible settings when the batcher is made, before anything is read or sent.

    Counts are whole numbers: a batch of 1.5 orders is never full, so ``batch_size=1.5`` sent every order in
    one request. Seconds are finite: a NaN compares false with everything and slips through any bound.
    """
    check_whole_number("batch_size", batch_size, 1, MAX_BATCH_SIZE)
    # As `prepare_batches` requires: the body's two brackets and at least one byte of order.
    check_whole_number("max_batch_bytes", max_batch_bytes, 3)
    check_number("batch_timeout", batch_timeout, above=0, unit="seconds", none_allowed=True)
    check_number("lost_ack_margin", lost_ack_margin, unit="seconds")
    check_whole_number("max_submit_attempts", max_submit_attempts, 1)
    check_whole_number("max_refusals", max_refusals, 0)
    if total_orders is not None:
        check_whole_number("total_orders", total_orders, 0)
    if duplicates not in DUPLICATES_OPTIONS:
        choices = " or ".join(repr(option) for option in DUPLICATES_OPTIONS)
        raise InvalidArgumentError(f"duplicates must be {choices}, got {duplicates!r}")


def _totals(report: ImportReport) -> dict[str, int]:
    return {
        "orders": report.orders,
        "imported": report.imported,
        "failed": len(report.failed),
        "rejected": len(report.rejected),
        "bulk_calls": report.bulk_calls,
        "polls": report.polls,
    }


def _interrupted_message(ctx: RunContext, error: VoucherifyError) -> str:
    if ctx.in_flight_action_id:
        where = f"async action {ctx.in_flight_action_id} was in flight"
    elif ctx.unanswered_batch is not None:
        where = (
            f"batch {ctx.unanswered_batch}'s import request got no answer and may have been queued; a run "
            "resumed from the same checkpoint looks for it before sending anything"
        )
    else:
        where = "no action was in flight"
    return f"the import stopped after {len(ctx.report.batches)} batches ({where}): {error}"
