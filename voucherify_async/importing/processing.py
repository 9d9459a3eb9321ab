"""One batch from submission to its final status: resume, submit, wait, isolate a 400, account.

A batch normally takes one import request and one async action. After a 400 the batch becomes a short list
of parts (positions in the batch) worked through in order: a part whose offenders are known is resent without
them; a part whose offenders are not is split in two (the last resort, see ``isolation``). Each part that the
server accepts is waited for before the next is sent, so the one import at a time rule holds throughout.
The parts a split planned, and the 400s met, are journaled: a resumed run goes on with those parts and that
count of refusals, instead of sending the rest as one part that the server would refuse again (each such
400 spends a bulk call). The 400s themselves are handled in :mod:`~voucherify_async.importing.refusals`;
an action whose ownership is in doubt (a lost answer, a vanished action) in
:mod:`~voucherify_async.importing.adoption`.
"""

from __future__ import annotations

from typing import Literal

import attrs

from voucherify_async._errors import BadRequestError, NotFoundError
from voucherify_async.importing.adoption import settle_adopted, settle_vanished, wait_for_part
from voucherify_async.importing.checkpoint import BatchRecord
from voucherify_async.importing.chunking import Batch
from voucherify_async.importing.context import RunContext
from voucherify_async.importing.errors import SourceChangedError
from voucherify_async.importing.lost_ack import find_adoptable_action
from voucherify_async.importing.polling import ImportPollPolicy
from voucherify_async.importing.progress import (
    ActionVanished,
    BatchFinished,
    BatchPrepared,
    DatesReplaced,
    OrdersRejected,
)
from voucherify_async.importing.refusals import (
    BatchTally,
    Half,
    give_up,
    isolate,
    refusal_details,
    refused_as_a_whole,
    stop_refused_import,
)
from voucherify_async.importing.report import BatchResult, BatchStatus
from voucherify_async.importing.submission import submit_import

__all__ = ["BatchSettings", "process_batch"]


@attrs.frozen
class BatchSettings:
    """The batcher's settings that the per-batch steps need."""

    poll: ImportPollPolicy
    batch_timeout: float | None
    coordinate: bool
    lost_ack_margin: float
    max_submit_attempts: int
    max_refusals: int = 16


async def process_batch(ctx: RunContext, batch: Batch, settings: BatchSettings) -> BatchResult | None:
    """Account for one prepared batch: its local rejections, then its orders on the server.

    Returns:
        The batch's result, or ``None`` for a batch without orders (only rejections).

    Raises:
        SourceChangedError: The journal recorded other orders for this batch.
    """
    if batch.size == 0:  # only rejections: counted, no span of its own
        result = await _process_batch(ctx, batch, settings)
        ctx.telemetry.batch_finished(None, None, local_rejections=len(batch.rejected), carried_over=False)
        return result
    carried_before = ctx.batches_carried_over
    with ctx.telemetry.span(
        "batch", **{"voucherify.import.batch": batch.index, "voucherify.import.batch.size": batch.size}
    ) as span:
        result = await _process_batch(ctx, batch, settings)
        carried = ctx.batches_carried_over > carried_before
        ctx.telemetry.batch_finished(span, result, local_rejections=len(batch.rejected), carried_over=carried)
    return result


async def _process_batch(ctx: RunContext, batch: Batch, settings: BatchSettings) -> BatchResult | None:
    ctx.report.orders += batch.read
    if batch.rejected:
        ctx.report.rejected.extend(batch.rejected)
        await ctx.emit(OrdersRejected, rejections=tuple(batch.rejected))
    # Repeats rejected are counted now, with the rejections; repeats sent when their batch finished, since
    # `ImportReport.distinct_imported` weighs them against the finished batches' failures.
    ctx.report.duplicates.extend(duplicate for duplicate in batch.duplicates if not duplicate.sent)
    if batch.size == 0:
        return None
    await ctx.emit(BatchPrepared, batch=batch.index, size=batch.size, size_bytes=batch.body_size())
    if batch.dates_replaced:
        if not ctx.report.dates_replaced:
            await ctx.emit(DatesReplaced, batch=batch.index, orders=batch.dates_replaced)
        ctx.report.dates_replaced += batch.dates_replaced
    fingerprint = batch.fingerprint() if ctx.journal is not None else ""  # only the journal keeps it
    record = ctx.journal.batches.get(batch.index) if ctx.journal is not None else None
    if record is not None and _grows(record, batch):
        assert ctx.journal is not None
        ctx.journal.record_grown(batch.index, fingerprint, batch.size)
    if record is not None:
        if record.fingerprint != fingerprint or record.size != batch.size:
            raise SourceChangedError(
                f"batch {batch.index} (orders #{batch.first_order} onwards) differs from what the checkpoint "
                "journal recorded: the source changed since, or a setting that reshapes the orders "
                "(created_at_metadata, to_wire) differs from the first run's. Import new or fixed orders as "
                "a source of their own (a new checkpoint would send every order of this one again, those "
                "imported before too).",
                batch=batch.index,
            )
        ctx.known_action_ids.update(set(record.async_action_ids) - record.examined)
        ctx.examined_action_ids.update(record.examined)
        if record.last_submission is not None:
            ctx.last_submission = record.last_submission
        for _, part in record.parts:
            if part.async_action_id:
                ctx.known_action_ids.add(part.async_action_id)
        if record.result is not None:
            # An earlier run's work: accounted for, but not in this run's rate.
            ctx.carried_over += batch.read
            ctx.batches_carried_over += 1
            return await _finish(ctx, record.result, batch)
    await ctx.take_project_lock()
    started = ctx.clock.monotonic()
    calls_before, waited_before = ctx.report.bulk_calls, ctx.report.rate_limit_wait
    tally, pending = await _resume(ctx, batch, record, settings)
    # What an earlier run sent (and this one only waited for, or read back) is not this run's work.
    carried = batch.read - sum(len(part) for part in pending) if record is not None else 0
    await _work_through(ctx, batch, fingerprint, pending, tally, settings)
    duration = ctx.clock.monotonic() - started
    tally.bulk_calls += ctx.report.bulk_calls - calls_before
    result = BatchResult(
        index=batch.index,
        async_action_id=tally.action_ids[-1] if tally.action_ids else None,
        size=batch.size,
        status=_status(tally.statuses),
        imported=tally.imported,
        failed=tally.failed,
        rejected=tally.rejected,
        bulk_calls=tally.bulk_calls,
        polls=tally.polls,
        message="; ".join(tally.messages) or None,
        resumed=tally.resumed,
        duration=duration,
        unconfirmed_action_id=tally.unconfirmed,
    )
    if ctx.journal is not None:
        ctx.journal.record_finished(result, cut_short=batch.cut_short)
    ctx.in_flight_action_id = None
    ctx.carried_over += carried
    if not tally.resumed:  # a batch an earlier run began takes this run less than a whole batch's time
        # The ETA counts waits for rate limits apart (the budget's, the one under way): not as a batch's time.
        ctx.batch_seconds.append(duration - (ctx.report.rate_limit_wait - waited_before))
    return await _finish(ctx, result, batch)


def _grows(record: BatchRecord, batch: Batch) -> bool:
    """Whether a batch that finished cut short by a broken source is read now with more orders, the first
    of which are the very orders it imported (the source was repaired, not changed)."""
    return (
        record.cut_short
        and record.result is not None
        and batch.size > record.size
        and batch.fingerprint(record.size) == record.fingerprint
    )


def _status(statuses: list[str]) -> BatchStatus:
    if not statuses:
        return "REFUSED"  # no action stood for any part: every import request was refused (a 400)
    return "FAILED" if "FAILED" in statuses else "DONE"


async def _finish(ctx: RunContext, result: BatchResult, batch: Batch) -> BatchResult:
    ctx.report.duplicates.extend(duplicate for duplicate in batch.duplicates if duplicate.sent)
    ctx.in_flight = None  # its orders are in the report's counts from here on
    ctx.report.add_batch(result)
    await ctx.emit(BatchFinished, result=result)
    return result


async def _resume(
    ctx: RunContext, batch: Batch, record: BatchRecord | None, settings: BatchSettings
) -> tuple[BatchTally, list[list[int]]]:
    """What is left of a batch an earlier run started: finished parts counted, its action rejoined."""
    tally = BatchTally()
    everything = list(range(batch.size))
    if record is None:
        return tally, [everything]
    tally.resumed = True
    tally.rejected.extend(record.rejected)
    tally.refusals = record.refusals
    settled = set(record.rejected_positions)
    for positions, finished in record.parts:
        tally.add(finished)
        settled.update(positions)
    in_flight = record.positions if record.positions is not None else everything
    part = batch.keeping(in_flight)
    result: BatchResult | None = None
    if record.awaiting_answer:
        # Killed between sending and recording the answer: the server may have queued it. Adopt it if so.
        sent_at = record.submitting_at  # (recording the adoption below clears it in the record)
        assert sent_at is not None
        adopted = await find_adoptable_action(ctx, sent_at, settings.lost_ack_margin)
        wait = sent_at + settings.lost_ack_margin - ctx.clock.time()
        if adopted is None and wait > 0:
            # Restarted at once: a request sent just before the kill may still be on its way to the queue.
            await ctx.clock.sleep(wait)
            adopted = await find_adoptable_action(ctx, sent_at, settings.lost_ack_margin)
        if adopted is not None:
            ctx.known_action_ids.add(adopted.id)
            if ctx.journal is not None:
                ctx.journal.record_submitted(
                    batch.index, adopted.id, "adopted", at=ctx.clock.time(), sent_at=sent_at
                )
            await _announce(ctx, batch.index, part, adopted.id, "adopted")
            result = await settle_adopted(ctx, batch.index, part, adopted.id, sent_at, settings)
    else:
        done_ids = {finished.async_action_id for _, finished in record.parts}
        action_id = record.async_action_id
        if action_id is not None and action_id not in done_ids and action_id not in record.examined:
            await _announce(ctx, batch.index, part, action_id, "reattached")
            result = await _reattach(ctx, batch.index, part, action_id, record, settings)
    if result is not None:  # else not ours after all, or never run: its orders are sent again below
        tally.add(result)
        settled.update(in_flight)
    return tally, _still_to_send(everything, settled, record.pending)


async def _announce(
    ctx: RunContext, index: int, part: Batch, action_id: str, how: Literal["adopted", "reattached"]
) -> None:
    ctx.in_flight_action_id = action_id
    await ctx.announce_action(index, part.size, action_id, how, begun_earlier=True)


async def _reattach(
    ctx: RunContext, index: int, part: Batch, action_id: str, record: BatchRecord, settings: BatchSettings
) -> BatchResult | None:
    """Wait for the action the journal names for a batch: judged when it was adopted, decided from the
    orders when the server no longer knows it."""
    try:
        if action_id in record.adopted and record.sent_at is not None:
            return await settle_adopted(ctx, index, part, action_id, record.sent_at, settings)
        return (await wait_for_part(ctx, index, part, action_id, settings))[1]
    except NotFoundError:
        ctx.in_flight_action_id = None
        decision, result = await settle_vanished(
            ctx, index, part, action_id, record.sent_at, settings.lost_ack_margin
        )
        await ctx.emit(ActionVanished, batch=index, async_action_id=action_id, decision=decision)
        return result


def _still_to_send(
    everything: list[int], settled: set[int], planned: list[list[int]] | None
) -> list[list[int]]:
    """The parts left of a batch: those its last split planned (a part refused before is not merged back
    with the rest, which the server would refuse again), then anything no part holds."""
    parts = [[p for p in part if p not in settled] for part in planned or []]
    parts = [part for part in parts if part]
    covered = {p for part in parts for p in part}
    rest = [p for p in everything if p not in settled and p not in covered]
    return [*parts, rest] if rest else parts


async def _work_through(
    ctx: RunContext,
    batch: Batch,
    fingerprint: str,
    pending: list[list[int]],
    tally: BatchTally,
    settings: BatchSettings,
) -> None:
    whole = len(pending) == 1 and len(pending[0]) == batch.size
    halves: dict[tuple[int, ...], Half] = {}
    while pending:
        positions = pending.pop(0)
        part = batch.keeping(positions)
        try:
            with ctx.telemetry.span("submit", **{"voucherify.import.orders": part.size}):
                action_id, how, sent_at = await submit_import(
                    ctx,
                    batch=batch.index,
                    body=part.body(),
                    fingerprint=fingerprint,
                    size=batch.size,
                    positions=None if whole and len(positions) == batch.size else positions,
                    policy=settings.poll,
                    coordinate=settings.coordinate,
                    lost_ack_margin=settings.lost_ack_margin,
                    max_attempts=settings.max_submit_attempts,
                )
        except BadRequestError as error:
            tally.refusals += 1
            why = refused_as_a_whole(positions, refusal_details(error), halves, tally)
            if why is not None:
                stop_refused_import(ctx, batch, positions, error, why, pending, tally, halves)
            if tally.refusals > settings.max_refusals:
                await give_up(ctx, batch, [positions, *pending], error, tally)
                pending.clear()
            else:
                with ctx.telemetry.span("isolate", **{"voucherify.import.orders": part.size}):
                    await isolate(ctx, batch, positions, part, error, pending, tally, halves)
            continue
        ctx.orders_sent += part.size
        await ctx.announce_action(batch.index, part.size, action_id, how)
        if how == "adopted":
            result = await settle_adopted(ctx, batch.index, part, action_id, sent_at, settings)
        else:
            result = (await wait_for_part(ctx, batch.index, part, action_id, settings))[1]
        if result is None:
            ctx.orders_sent -= part.size
            pending.insert(0, positions)  # no action found was ours: the request never arrived, send again
            continue
        tally.add(result)
        if ctx.journal is not None and (pending or len(positions) != batch.size):
            ctx.journal.record_part(positions, result)
