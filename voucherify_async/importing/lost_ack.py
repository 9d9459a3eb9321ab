"""After an import request's answer was lost: find the async action the request created, if it did.

A connection that drops after the request went out, a timeout, or a 5xx other than 503 leave the batcher
unsure whether the server accepted the import. Resending blindly would import the batch twice and queue a
second import behind the first (breaking the one import at a time rule), so the project's recent
``ORDERS.IMPORT`` actions (``GET /v1/async-actions``, newest first, up to 100) are searched for the one the
request created. The API takes no idempotency key or client request id, and the action's ``request_id`` is
the server's own, which a lost answer never showed us; so the action is recognised by when it was created.
Its ``created_at`` is on the server's clock and our send time on ours, so the rule leans on the server's own
clock wherever it can:

1. not one of this run's actions (nor of the journal's: a resumed run knows its earlier actions);
2. created, on the server's clock, *after the newest action of ours in the list*: the batcher submits one
   import at a time, so every earlier action of ours was created before this request was sent. No clock
   skew enters this bound, and it keeps out another process's import that was created before our last one;
3. created no earlier than the request's send time *moved onto the server's clock*, less ``margin``. How far
   the server's clock is from ours is measured on our last import the server answered: its action was
   created between our send and our receipt of the answer, so ``created_at - answered_at`` is a lower bound
   of the offset, and the bound of the window stays on the safe (earlier) side. Before any import was
   answered, the offset is taken as 0 and ``margin`` alone covers the clocks' difference.

When several actions qualify, the oldest is this request's: later ones are other processes' imports queued
behind it. The rule can still err when our request never arrived and another process submitted an import in
the same moment, so an adopted action is checked once it is DONE (:func:`confirm_adoption`): it must hold as
many orders as we sent (``done_count + failed_count``), and the last of our orders it reports imported must
exist (one ``GET /v1/orders/{source_id}``). An action failing either check is disowned and the orders sent
again. (An order that existed before proves nothing either way and is taken as ours.)
The server's ``Date`` header would give the offset before the first answer too, but the client does not
expose response headers beyond the rate-limit ones, so the first batch relies on ``margin``.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from voucherify_async._errors import NotFoundError
from voucherify_async.importing.context import API_CALLS, RunContext
from voucherify_async.importing.outcome import counts_other_orders, read_outcome
from voucherify_async.importing.polling import action_status
from voucherify_async.models import AsyncAction

__all__ = [
    "ORDERS_IMPORT",
    "confirm_adoption",
    "created_at",
    "find_adoptable_action",
    "find_lost_import",
    "recent_imports",
]

ORDERS_IMPORT = "ORDERS.IMPORT"
_RECENT = 100  # the largest page of GET /v1/async-actions (limit 1..100)


def created_at(action: AsyncAction) -> float | None:
    """The action's ``created_at`` as epoch seconds (on the server's clock), if it has one."""
    created = action.created_at
    if created is None:
        return None
    if created.tzinfo is None:
        created = created.replace(tzinfo=datetime.timezone.utc)
    return created.timestamp()


def _action_type(action: AsyncAction) -> str:
    return str(getattr(action.type, "value", action.type))


async def recent_imports(ctx: RunContext) -> list[AsyncAction]:
    """The project's most recent ``ORDERS.IMPORT`` actions (one page of ``GET /v1/async-actions``)."""
    page = await ctx.client.async_actions.list(limit=_RECENT)
    return [action for action in page.async_actions if _action_type(action) == ORDERS_IMPORT]


def _server_offset(ctx: RunContext, actions: list[AsyncAction]) -> float:
    """A lower bound of (server clock - our clock), from our last answered import; 0 when none is listed."""
    if ctx.last_submission is None:
        return 0.0
    action_id, _, answered_at = ctx.last_submission
    for action in actions:
        created = created_at(action)
        if action.id == action_id and created is not None:
            return created - answered_at
    return 0.0


async def find_adoptable_action(ctx: RunContext, sent_at: float, margin: float) -> AsyncAction | None:
    """The action a request sent at ``sent_at`` (our clock) created, by the rule of the module's docs.

    Returns:
        The oldest qualifying ``ORDERS.IMPORT`` action, or ``None`` when there is none (yet).
    """
    actions = await recent_imports(ctx)
    earliest = sent_at + _server_offset(ctx, actions) - margin
    ours = [created_at(a) for a in actions if a.id in ctx.known_action_ids]
    newest_ours = max((created for created in ours if created is not None), default=None)
    candidates = []
    for action in actions:
        created = created_at(action)
        if action.id in ctx.known_action_ids or created is None or created < earliest:
            continue
        if newest_ours is not None and created <= newest_ours:
            continue
        candidates.append((created, action))
    if not candidates:
        return None
    return min(candidates, key=lambda pair: pair[0])[1]


async def find_lost_import(ctx: RunContext, sent_at: float, margin: float) -> AsyncAction | None:
    """Look for the action a request sent at ``sent_at`` created, twice if need be.

    When the first look finds nothing, a second comes ``margin`` seconds later: after a timeout the server
    may still be taking the request in.
    """
    found = await find_adoptable_action(ctx, sent_at, margin)
    if found is None:
        await ctx.clock.sleep(margin)
        found = await find_adoptable_action(ctx, sent_at, margin)
    return found


async def confirm_adoption(ctx: RunContext, action: AsyncAction, source_ids: Sequence[str | None]) -> bool:
    """Whether a finished action adopted after a lost answer is really the import of ``source_ids``.

    Returns:
        ``False`` when it holds another number of orders, or when the last of ours that it reports
        imported does not exist; ``True`` otherwise (also when nothing can be checked: a FAILED action, or
        orders without ``source_id``).
    """
    if counts_other_orders(action, len(source_ids)):
        return False
    if action_status(action) != "DONE":
        return True
    failed = {failure.source_id for failure in read_outcome(action, source_ids).failed}
    probe = next((sid for sid in reversed(source_ids) if sid is not None and sid not in failed), None)
    if probe is None:
        return True
    await ctx.pace(API_CALLS)
    try:
        await ctx.client.orders.get(probe)
    except NotFoundError:
        return False
    return True
