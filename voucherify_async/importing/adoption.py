"""Waiting for one action of a batch, and settling the actions whose ownership is in doubt.

- :func:`wait_for_part`: wait for an action and account for the orders sent in it.
- :func:`settle_adopted`: an action found after a lost answer is waited for and judged on the evidence
  (:func:`~voucherify_async.importing.lost_ack.judge_adoption`); when it is not proven ours, the next
  candidate is, until one is proven ours, none is left, or one could not be judged.
- :func:`settle_vanished`: an action the journal names that the server no longer knows (404 on resume) is
  decided from the orders themselves, at three lookups.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from voucherify_async.importing.chunking import Batch
from voucherify_async.importing.context import RunContext
from voucherify_async.importing.lost_ack import (
    Adoption,
    find_adoptable_action,
    judge_adoption,
    look_up,
    probe_ids,
    written_at,
)
from voucherify_async.importing.outcome import read_outcome
from voucherify_async.importing.polling import wait_for_action
from voucherify_async.importing.progress import ActionSetAside
from voucherify_async.importing.report import BatchResult
from voucherify_async.models import AsyncAction

if TYPE_CHECKING:
    from voucherify_async.importing.processing import BatchSettings

__all__ = ["settle_adopted", "settle_vanished", "wait_for_part"]


def _server_seconds(action: object, waited: float) -> float:
    """How long the server worked on an action: its ``processing_time`` (ms) when it says, else the time
    from its ``created_at`` to its ``updated_at`` (both on the server's clock), else our wait.

    Our own wait is a poor measure of the server's speed: it is as long as the pause we chose before
    looking, so predicting the next batch from it would carry any overlong pause (and each poll's own
    overshoot) on from batch to batch.
    """
    processing_time = getattr(action, "processing_time", None)
    if isinstance(processing_time, int | float) and not isinstance(processing_time, bool):
        return max(0.0, processing_time / 1000)
    created, updated = getattr(action, "created_at", None), getattr(action, "updated_at", None)
    if isinstance(created, datetime.datetime) and isinstance(updated, datetime.datetime):
        try:
            return max(0.0, (updated - created).total_seconds())
        except TypeError:  # one with a time zone, one without: not comparable
            pass
    return waited


async def wait_for_part(
    ctx: RunContext, index: int, part: Batch, action_id: str, settings: BatchSettings
) -> tuple[AsyncAction, BatchResult]:
    """Wait for one action of batch ``index`` and account for the orders of ``part`` sent in it.

    The result's ``bulk_calls`` is 0: the batch counts the calls its submissions spent.
    """
    started = ctx.clock.monotonic()
    expected = [per_order * part.size for per_order in ctx.recent_seconds_per_order]
    action, polls = await wait_for_action(
        ctx, action_id, batch=index, policy=settings.poll, timeout=settings.batch_timeout, expected=expected
    )
    ctx.in_flight = None  # its orders are the part's result's now
    duration = ctx.clock.monotonic() - started
    ctx.seconds_per_order = _server_seconds(action, duration) / max(1, part.size)
    ctx.recent_seconds_per_order.append(ctx.seconds_per_order)
    outcome = read_outcome(action, part.source_ids)
    result = BatchResult(
        index=index,
        async_action_id=action_id,
        size=part.size,
        status="FAILED" if outcome.status == "FAILED" else "DONE",
        imported=outcome.imported,
        failed=part.place(outcome.failed),
        bulk_calls=0,
        polls=polls,
        message=outcome.message,
        duration=duration,
    )
    return action, result


def _unconfirmed(index: int, part: Batch, action_id: str, why: str, polls: int) -> BatchResult:
    """The part's orders as failed: their import may or may not have run, and nothing proves which."""
    reason = (
        f"not known to be imported: the answer to its import request was lost, and {action_id}, found in its "
        f"place, could not be proven to hold it ({why}); look the order up before importing it again"
    )
    return BatchResult(
        index=index,
        async_action_id=None,
        size=part.size,
        status="FAILED",
        failed=[part.failure(i, reason) for i in range(part.size)],
        bulk_calls=0,
        polls=polls,
        message=f"{action_id} could not be proven to be this batch's import: {why}",
        unconfirmed_action_id=action_id,
    )


async def settle_adopted(
    ctx: RunContext, index: int, part: Batch, action_id: str, sent_at: float, settings: BatchSettings
) -> BatchResult | None:
    """Wait for an action adopted after a lost answer, and count it only when it is proven ours.

    Args:
        ctx: The run.
        index: The batch.
        part: The orders of the request whose answer was lost.
        action_id: The candidate adopted first.
        sent_at: When that request was sent (our clock): the candidates' search window starts from it.
        settings: The batcher's settings.

    Returns:
        The part's result from the action proven ours; when one could not be judged and none later is
        proven ours, the part's orders as failed, naming it (``unconfirmed_action_id``); ``None`` when every
        candidate was proven not ours (the request never arrived: the caller sends the orders again).
    """
    doubtful: tuple[str, Adoption] | None = None
    polls = 0
    candidate: str | None = action_id
    while candidate is not None:
        ctx.in_flight_action_id = candidate
        action, result = await wait_for_part(ctx, index, part, candidate, settings)
        polls += result.polls
        verdict = await judge_adoption(ctx, action, part.source_ids)
        if verdict.ours:
            if ctx.journal is not None:
                ctx.journal.write(
                    "confirmed", batch=index, async_action_id=candidate, evidence=verdict.evidence
                )
            result.polls = polls
            return result
        await _set_aside(ctx, index, candidate, verdict)
        if verdict.ours is None and doubtful is None:
            doubtful = (candidate, verdict)
        candidate = await _next_candidate(ctx, index, part, sent_at, settings)
    ctx.in_flight_action_id = None
    if doubtful is not None:
        return _unconfirmed(index, part, doubtful[0], doubtful[1].evidence, polls)
    return None


async def _set_aside(ctx: RunContext, index: int, action_id: str, verdict: Adoption) -> None:
    """A candidate not proven ours: never counted as ours, never examined again (in this run or later)."""
    ctx.known_action_ids.discard(action_id)
    ctx.examined_action_ids.add(action_id)
    if ctx.journal is not None:
        event = "disowned" if verdict.ours is False else "unconfirmed"
        ctx.journal.write(event, batch=index, async_action_id=action_id, evidence=verdict.evidence)
    await ctx.emit(
        ActionSetAside,
        batch=index,
        async_action_id=action_id,
        proven_not_ours=verdict.ours is False,
        evidence=verdict.evidence,
    )


async def _next_candidate(
    ctx: RunContext, index: int, part: Batch, sent_at: float, settings: BatchSettings
) -> str | None:
    found = await find_adoptable_action(ctx, sent_at, settings.lost_ack_margin)
    if found is None:
        return None
    ctx.known_action_ids.add(found.id)
    if ctx.journal is not None:
        ctx.journal.record_submitted(index, found.id, "adopted", at=ctx.clock.time(), sent_at=sent_at)
    await ctx.announce_action(index, part.size, found.id, "adopted")
    return found.id


Vanished = Literal["imported", "not imported", "unknown"]


async def _written_since(
    ctx: RunContext, source_ids: Sequence[str], since: float | None
) -> list[bool | None]:
    """For each order: ``True`` when written at or after ``since`` (server clock; ``None``: any time),
    ``False`` when written before, ``None`` when it does not exist."""
    marks: list[bool | None] = []
    for source_id in source_ids:
        order = await look_up(ctx, source_id)
        if order is None:
            marks.append(None)
            continue
        written = written_at(order)
        marks.append(since is None or (written is not None and written >= since))
    return marks


async def settle_vanished(
    ctx: RunContext, index: int, part: Batch, action_id: str, sent_at: float | None, margin: float
) -> tuple[Vanished, BatchResult | None]:
    """Decide what became of the orders of an action the server no longer knows (404 on resume).

    Up to three of the part's orders (the last, the first and one in the middle) are looked up: written
    since the request was sent (``sent_at``, our clock, moved onto the server's less ``margin``; when the
    journal does not say, any time), all of them, the import ran and its
    orders count as imported; none of them, it never ran, and they are to be sent again; some of them, the
    orders count as failed, saying why. The decision is journaled and told in the result's message.

    Returns:
        The decision, and the part's result (``None`` when the orders are to be sent again).
    """
    probes = probe_ids(part.source_ids, set())
    since = None
    if sent_at is not None:
        since = sent_at + ctx.earliest_server_offset() - margin
    marks = await _written_since(ctx, probes, since) if probes else []
    fresh = sum(mark is True for mark in marks)
    looked = f"{fresh} of the {len(probes)} orders looked up were written since the request"
    decision: Vanished = "unknown"
    if probes and fresh == len(probes):
        decision = "imported"
    elif probes and fresh == 0:
        decision = "not imported"
    if ctx.journal is not None:
        ctx.journal.write(
            "vanished", batch=index, async_action_id=action_id, decision=decision, evidence=looked
        )
    message = f"{action_id} no longer exists (404); {looked}: taken as {decision}"
    if decision == "not imported":
        return decision, None
    if decision == "imported":
        result = BatchResult(
            index=index, async_action_id=action_id, size=part.size, status="DONE", imported=part.size,
            bulk_calls=0, message=message,
        )  # fmt: skip
        return decision, result
    reason = f"not known to be imported: {message}; look the order up before importing it again"
    result = BatchResult(
        index=index, async_action_id=None, size=part.size, status="FAILED",
        failed=[part.failure(i, reason) for i in range(part.size)], bulk_calls=0,
        message=message, unconfirmed_action_id=action_id,
    )  # fmt: skip
    return decision, result
