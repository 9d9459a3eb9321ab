"""A batch's 400s: drop the orders the server's details point at, split a part as the last resort, and stop
the run on a refusal that is no order's fault.

The server refuses a whole import when one order is malformed; :mod:`~voucherify_async.importing.isolation`
finds the offenders from its details, and a part whose offenders it cannot name is split in two.

A 400 that is no order's fault stops the run instead (:class:`ImportInterruptedError`, quoting the server's
words): one whose answer names no property of an order (an account's or a gateway's refusal), or one that
both halves of a split meet alike before any part of the batch was imported. Splitting on it would spend
the bulk budget and end by rejecting good orders. The orders not yet imported stay unsent, not rejected,
and the journal keeps them as the parts left to send (a futile split undone).
"""

from __future__ import annotations

from typing import NoReturn

import attrs

from voucherify_async._errors import BadRequestError
from voucherify_async.importing.chunking import Batch
from voucherify_async.importing.context import RunContext
from voucherify_async.importing.errors import ImportInterruptedError
from voucherify_async.importing.isolation import find_offenders, parse_details, split_positions
from voucherify_async.importing.progress import BatchRefused
from voucherify_async.importing.report import BatchResult, OrderFailure

__all__ = [
    "BatchTally",
    "Half",
    "give_up",
    "isolate",
    "plan_halves",
    "refusal_details",
    "refused_as_a_whole",
    "stop_refused_import",
]


@attrs.define
class BatchTally:
    """What a batch's actions and refusals did so far (the batch's result is made from it)."""

    imported: int = 0
    failed: list[OrderFailure] = attrs.field(factory=list)
    rejected: list[OrderFailure] = attrs.field(factory=list)
    statuses: list[str] = attrs.field(factory=list)
    action_ids: list[str] = attrs.field(factory=list)
    messages: list[str] = attrs.field(factory=list)
    polls: int = 0
    bulk_calls: int = 0
    refusals: int = 0
    resumed: bool = False
    unconfirmed: str | None = None

    def add(self, result: BatchResult) -> None:
        """Count one finished action (or a part decided otherwise) of the batch in."""
        self.imported += result.imported
        self.failed.extend(result.failed)
        self.rejected.extend(result.rejected)
        if result.async_action_id:
            self.action_ids.append(result.async_action_id)
            self.statuses.append(result.status)
        elif result.unconfirmed_action_id:
            self.unconfirmed = result.unconfirmed_action_id
            self.statuses.append(result.status)
        if result.message:
            self.messages.append(result.message)
        self.polls += result.polls
        self.bulk_calls += result.bulk_calls


async def give_up(
    ctx: RunContext, batch: Batch, parts: list[list[int]], error: BadRequestError, tally: BatchTally
) -> None:
    """Reject what is left of a batch after too many 400s: splitting further would waste the bulk budget."""
    details = refusal_details(error)
    reason = f"refused by the server: {details} (not isolated further after {tally.refusals} refusals)"
    dropped = sorted(position for part in parts for position in part)
    rejected = [batch.failure(position, reason) for position in dropped]
    tally.rejected.extend(rejected)
    if ctx.journal is not None:
        ctx.journal.record_refused(batch.index, details, rejected, dropped)
    await ctx.emit(BatchRefused, batch=batch.index, details=details, offenders=len(dropped), resending=0)


async def isolate(
    ctx: RunContext,
    batch: Batch,
    positions: list[int],
    part: Batch,
    error: BadRequestError,
    pending: list[list[int]],
    tally: BatchTally,
    halves: dict[tuple[int, ...], Half],
) -> None:
    """Handle a 400 of one part: drop the orders its details point at, or split the part in two."""
    details = refusal_details(error)
    orders = part.orders()
    offenders = find_offenders(orders, details)
    if offenders is None and len(positions) == 1:
        offenders = {0}
    if offenders is None:
        first, second = split_positions(orders, details)
        plan_halves(
            positions, details, [positions[i] for i in first], [positions[i] for i in second], pending, halves
        )
        if ctx.journal is not None:
            ctx.journal.record_split(batch.index, details, pending)
        await ctx.emit(
            BatchRefused, batch=batch.index, details=details, offenders=0, resending=len(positions)
        )
        return
    rejected = [part.failure(i, f"refused by the server: {details}") for i in sorted(offenders)]
    dropped = [positions[i] for i in sorted(offenders)]
    rest = [p for i, p in enumerate(positions) if i not in offenders]
    tally.rejected.extend(rejected)
    if ctx.journal is not None:
        ctx.journal.record_refused(batch.index, details, rejected, dropped)
    if rest:
        pending.insert(0, rest)
    await ctx.emit(
        BatchRefused, batch=batch.index, details=details, offenders=len(dropped), resending=len(rest)
    )


@attrs.define
class Half:
    """One of the two halves a 400 split a part into (see :func:`plan_halves`).

    Attributes:
        parent: The part that was split.
        sibling: The other half.
        details: The 400's details that split the parent.
        refused: Whether this half was refused in turn with those same details.
    """

    parent: tuple[int, ...]
    sibling: tuple[int, ...]
    details: str
    refused: bool = False


def refusal_details(error: BadRequestError) -> str:
    """What a 400 says: its ``details``, else its message (a gateway's page, say), else the error itself."""
    return error.details or error.message or str(error)


def plan_halves(
    positions: list[int],
    details: str,
    first: list[int],
    second: list[int],
    pending: list[list[int]],
    halves: dict[tuple[int, ...], Half],
) -> None:
    """Queue the two halves of a refused part, first of all.

    When the part is itself a half refused with the details that split its parent, its sibling goes first:
    if the server refuses the sibling alike too, no order of the parent is to blame and the run stops
    (:func:`refused_as_a_whole`) before this part's halves spend bulk calls; if not, they come next.
    """
    pending[0:0] = [first, second]
    half = halves.get(tuple(positions))
    if half is not None and half.details == details:
        half.refused = True
        sibling = list(half.sibling)
        if sibling in pending:
            pending.remove(sibling)
            pending.insert(0, sibling)
    parent = tuple(positions)
    halves[tuple(first)] = Half(parent, tuple(second), details)
    halves[tuple(second)] = Half(parent, tuple(first), details)


def refused_as_a_whole(
    positions: list[int], details: str, halves: dict[tuple[int, ...], Half], tally: BatchTally
) -> str | None:
    """Why the 400 of the part at ``positions`` refuses the import as a whole rather than an order of it.

    Returns:
        The reason, or ``None`` when the 400 may be an order's fault (then it is isolated).
    """
    if parse_details(details) is None:
        # An account's or plan's refusal ("Order import is not available for this project"), or a gateway's
        # page instead of the API's Error object: the server would answer it to any subset of the orders.
        return "its answer names no property of an order"
    half = halves.get(tuple(positions))
    if (
        half is not None
        and half.details == details
        and len(positions) > 1
        and halves[half.sibling].refused
        and not tally.action_ids  # an import of the batch accepted: the server takes some of its orders
    ):
        return f"both halves of a part of {len(half.parent)} orders were refused with the same details"
    return None


def stop_refused_import(
    ctx: RunContext,
    batch: Batch,
    positions: list[int],
    error: BadRequestError,
    why: str,
    pending: list[list[int]],
    tally: BatchTally,
    halves: dict[tuple[int, ...], Half],
) -> NoReturn:
    """Stop the run on a 400 that is no order's fault, with the batch's unsent orders left unaccounted.

    Splitting further would spend the bulk budget only to reject good orders as malformed. What the batch
    did so far is counted into the report; the journal keeps the parts left to send (a futile split undone,
    so that a resumed run sends its parent once, not the halves that proved nothing).

    Raises:
        ImportInterruptedError: Always, quoting the server's words; its cause is ``error``.
    """
    details = refusal_details(error)
    parts = [positions, *pending]
    half = halves.get(tuple(positions))
    if half is not None and halves[half.sibling].refused and parse_details(details) is not None:
        # Both halves refused alike: the split proved nothing, so a resumed run sends the parent as one part.
        parent = set(half.parent)
        parts = [sorted(parent), *[part for part in pending if parent.isdisjoint(part)]]
    if ctx.journal is not None:
        ctx.journal.record_split(batch.index, details, parts)
    ctx.report.imported += tally.imported
    ctx.report.failed.extend(tally.failed)
    ctx.report.rejected.extend(tally.rejected)
    ctx.in_flight_action_id = None  # every accepted part was waited for: nothing of the batch is running
    unsent = sum(len(part) for part in parts)
    # Without a journal, a run again would send the batches already imported again: say what is left instead.
    again = (
        "run again with the same checkpoint"
        if ctx.journal is not None
        else f"import the orders from batch {batch.index} on (the batches before it were imported)"
    )
    message = (
        f"the import stopped after {len(ctx.report.batches)} batches: the server refused the import as a "
        f"whole, not an order of it ({why}): {error} Splitting batch {batch.index} to find offenders would "
        f"only spend bulk calls, so its {unsent} orders not yet imported were left unsent, not rejected. Fix "
        f"the cause (the project, its plan or a gateway in between), then {again}."
    )
    raise ImportInterruptedError(message, report=ctx.report, async_action_id=None) from error
