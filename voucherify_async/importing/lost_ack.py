"""After an import request's answer was lost: find the async action the request created, and prove it ours.

A connection that drops after the request went out, a timeout, or a 5xx other than 503 leave the batcher
unsure whether the server accepted the import. Resending blindly would import the batch twice and queue a
second import behind the first (breaking the one import at a time rule), so the project's ``ORDERS.IMPORT``
actions are searched for the one the request created. The API takes no idempotency key or client request id,
and the action's ``request_id`` is the server's own, which a lost answer never showed us. Other workers may
import into the same project at the same moment, so finding an action is not enough: it is adopted only on
evidence that it carries *our* orders.

**Finding candidates** (:func:`find_candidates`). ``GET /v1/async-actions`` is read newest first, paging back
with ``end_date`` until past the window below (a busy project creates other async actions all the time, so
one page of 100 may not reach back far enough). A candidate is an ``ORDERS.IMPORT`` action that

1. is not one of this run's actions (nor of the journal's: a resumed run knows its earlier actions), nor one
   already examined and found not to be this request's;
2. was created, on the server's clock, *after the newest action of ours in the list*: the batcher submits one
   import at a time, so every earlier action of ours was created before this request was sent. No clock
   enters this bound;
3. was created no earlier than the request's send time *moved onto the server's clock*, less ``margin``.
   The server's clock is known from the ``Date`` header of every answer (the search's own answer included),
   so the window holds whatever our clock's error: the offset's lowest possible value is used
   (:meth:`~voucherify_async._server_clock.ServerClock.lower_bound`), and so is the offset that our last
   answered import proves (its action was created before we received the answer), whichever is later.

Candidates are taken oldest first: the imports queued behind ours belong to others.

**Proving it ours** (:func:`judge_adoption`), once the candidate is finished (it must be waited for anyway:
one import runs at a time). The evidence weighed, in this order:

- its result counts as many orders as we sent (``done_count + failed_count``); another number disowns it;
- every ``source_id`` its ``result.failed`` names is one of ours; a stranger disowns it;
- up to three of the orders it reports imported (the last, the first and one in the middle) are looked up
  (``GET /v1/orders/{source_id}``). An import writes each order's ``created_at`` (a new order) or
  ``updated_at`` (an existing one) at import time, on the server's clock, like the action's own
  ``created_at`` and ``updated_at``; imports of a project run one at a time, so each order was last written
  inside the run of exactly one action. A looked-up order that does not exist disowns the candidate; one
  written inside the candidate's run (from ``created_at``, or ``updated_at - processing_time`` when later,
  to ``updated_at``) is evidence that it is ours; one written after it, or before it, proves nothing (a
  later import of the same ``source_id`` rewrote it; or the server left an unchanged order alone).

A candidate is *ours* when no evidence disowns it and at least one looked-up order was written inside its run
(or, for a FAILED action, it names each of our orders as failed). A FAILED action that names nobody imported
nothing: when none of our orders exists, it is disowned (sending them again imports nothing twice). It is
*not ours* when evidence disowns it: then the next candidate is examined. Otherwise the evidence is *not
conclusive* (a FAILED action that names nobody while some of our orders exist, orders without
``source_id``, an action without times, orders written only outside its run): such an action is never
counted as ours. When no later candidate is proven ours, the orders of the request are reported as failed
with a reason naming the action that could not be proven, the report lists it in
``unconfirmed_action_ids`` and the journal records it (``unconfirmed``), and they are not sent again (they
may have been imported). When every candidate is disowned, the request never arrived, and its orders are
sent again. The waiting and judging loop is :func:`~voucherify_async.importing.adoption.settle_adopted`.

A run without lost answers never comes here: the checks cost no API call on the normal path.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Sequence

import attrs

from voucherify_async._errors import NotFoundError
from voucherify_async.importing.context import API_CALLS, RunContext
from voucherify_async.importing.outcome import counts_other_orders, named_failures, read_outcome
from voucherify_async.importing.polling import action_status
from voucherify_async.models import AsyncAction, Order

__all__ = [
    "ORDERS_IMPORT",
    "Adoption",
    "created_at",
    "find_adoptable_action",
    "find_candidates",
    "find_lost_import",
    "judge_adoption",
    "look_up",
    "probe_ids",
    "recent_imports",
    "written_at",
]

ORDERS_IMPORT = "ORDERS.IMPORT"
_PAGE = 100  # the largest page of GET /v1/async-actions (limit 1..100)
_MAX_PAGES = 50
"""How far back a search pages at most (5,000 actions): a window reaching further is a clock far off."""
_PROBES = 3
_TOLERANCE = 0.0005
"""Seconds of slack around an action's run for the float error of times read as whole milliseconds: the
API rounds every time down to its millisecond alike, so an order written inside a run reads inside it."""


def _epoch(moment: datetime.datetime | None) -> float | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def created_at(action: AsyncAction) -> float | None:
    """The action's ``created_at`` as epoch seconds (on the server's clock), if it has one."""
    return _epoch(action.created_at)


def _action_type(action: AsyncAction) -> str:
    return str(getattr(action.type, "value", action.type))


async def recent_imports(ctx: RunContext, since: Callable[[], float] | None = None) -> list[AsyncAction]:
    """The project's ``ORDERS.IMPORT`` actions, newest first: one page, or back to ``since``.

    Args:
        ctx: The run.
        since: Gives epoch seconds on the server's clock (asked again at each action, as each answer's
            ``Date`` refines the measure): page back with ``end_date`` until an action created before it
            was seen, or the list ends. ``None`` reads the newest page only.
    """
    imports: list[AsyncAction] = []
    await ctx.pace(API_CALLS)
    actions = ctx.client.async_actions.iterate(limit=_PAGE)
    seen = 0
    try:
        async for action in actions:
            seen += 1
            if _action_type(action) == ORDERS_IMPORT:
                imports.append(action)
            if since is None:
                if seen >= _PAGE:
                    break
                continue
            created = created_at(action)
            if (created is not None and created < since()) or seen >= _PAGE * _MAX_PAGES:
                break
    finally:
        close = getattr(actions, "aclose", None)  # an async generator: do not leave its request hanging
        if close is not None:
            await close()
    return imports


def _proven_offset(ctx: RunContext, actions: list[AsyncAction]) -> float:
    """A lower bound of (server clock - our clock) that our last answered import proves, if it is listed:
    its action was created before we received the answer. ``-inf`` when it proves nothing."""
    if ctx.last_submission is not None:
        action_id, _, answered_at = ctx.last_submission
        for action in actions:
            created = created_at(action)
            if action.id == action_id and created is not None:
                return created - answered_at
    return -math.inf


async def find_candidates(ctx: RunContext, sent_at: float, margin: float) -> list[AsyncAction]:
    """The actions that may be the one a request sent at ``sent_at`` (our clock) created, oldest first."""

    def window_start() -> float:
        return sent_at + ctx.earliest_server_offset() - margin

    actions = await recent_imports(ctx, since=window_start)
    earliest = max(window_start(), sent_at + _proven_offset(ctx, actions) - margin)
    ours = [created_at(a) for a in actions if a.id in ctx.known_action_ids]
    newest_ours = max((created for created in ours if created is not None), default=None)
    candidates = []
    for action in actions:
        created = created_at(action)
        if action.id in ctx.known_action_ids or action.id in ctx.examined_action_ids:
            continue
        if created is None or created < earliest:
            continue
        if newest_ours is not None and created <= newest_ours:
            continue
        candidates.append((created, action))
    candidates.sort(key=lambda pair: pair[0])
    return [action for _, action in candidates]


async def find_adoptable_action(ctx: RunContext, sent_at: float, margin: float) -> AsyncAction | None:
    """The oldest candidate (:func:`find_candidates`), or ``None`` when there is none (yet)."""
    candidates = await find_candidates(ctx, sent_at, margin)
    return candidates[0] if candidates else None


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


@attrs.frozen
class Adoption:
    """The verdict on a finished action found after a lost answer.

    Attributes:
        ours: ``True``: proven to hold our orders; ``False``: proven not to; ``None``: not conclusive.
        evidence: What decided it, in words for the report and the journal.
    """

    ours: bool | None
    evidence: str


def _run_of(action: AsyncAction) -> tuple[float, float] | None:
    """When the action ran, on the server's clock: ``(start, end)``, with the tolerance of rounding."""
    created, updated = created_at(action), _epoch(action.updated_at)
    if created is None or updated is None:
        return None
    start = created
    processing = action.processing_time
    if isinstance(processing, int) and not isinstance(processing, bool) and processing >= 0:
        start = max(start, updated - processing / 1000 - 0.001)  # processing_time is rounded to the ms
    return start - _TOLERANCE, updated + _TOLERANCE


def probe_ids(source_ids: Sequence[str | None], failed: set[str | None]) -> list[str]:
    """Up to three orders to look up: the last, the first and the middle one not named in ``failed``."""
    imported = [sid for sid in source_ids if sid is not None and sid not in failed]
    picks = [imported[-1], imported[0], imported[len(imported) // 2]] if imported else []
    return list(dict.fromkeys(picks))[:_PROBES]


def written_at(order: Order) -> float | None:
    """When an order was last written, on the server's clock: its ``updated_at``, else its ``created_at``."""
    return _epoch(order.updated_at) or _epoch(order.created_at)


async def look_up(ctx: RunContext, source_id: str) -> Order | None:
    """``GET /v1/orders/{source_id}``, paced; ``None`` when there is no such order."""
    await ctx.pace(API_CALLS)
    try:
        return await ctx.client.orders.get(source_id)
    except NotFoundError:
        return None


async def judge_adoption(ctx: RunContext, action: AsyncAction, source_ids: Sequence[str | None]) -> Adoption:
    """Weigh the evidence that a finished action adopted after a lost answer is the import of ``source_ids``.

    The rule is in the module's docs. Costs up to three ``GET /v1/orders/{id}``.
    """
    if counts_other_orders(action, len(source_ids)):
        return Adoption(False, f"{action.id} holds another number of orders than the {len(source_ids)} sent")
    ours = set(source_ids)
    outcome = read_outcome(action, source_ids)
    named = {failure.source_id for failure in named_failures(action)}
    strangers = sorted(str(sid) for sid in named - ours if sid is not None)
    if strangers:
        return Adoption(False, f"{action.id} reports orders that are not ours as failed ({strangers[0]!r})")
    if action_status(action) != "DONE":
        if named and None not in named and len(named) == len(source_ids):
            return Adoption(True, f"{action.id} FAILED naming each of our orders")
        # A FAILED import that names nobody imported nothing; when none of our orders exists, no import
        # took them in, and sending them again imports nothing twice.
        probes = probe_ids(source_ids, set())
        if probes and not any([await look_up(ctx, source_id) for source_id in probes]):
            return Adoption(False, f"{action.id} FAILED and none of the orders looked up exists")
        return Adoption(None, f"{action.id} FAILED without naming our orders")
    failed = {failure.source_id for failure in outcome.failed}
    probes = probe_ids(source_ids, failed)
    run = _run_of(action)
    if not probes:
        if named and len(failed) == len(source_ids):
            return Adoption(True, f"{action.id} names each of our orders as failed")
        return Adoption(None, f"{action.id}: none of our orders has a source_id to look up")
    inside = 0
    for source_id in probes:
        order = await look_up(ctx, source_id)
        if order is None:
            return Adoption(False, f"order {source_id!r}, which {action.id} reports imported, does not exist")
        written = written_at(order)
        if run is not None and written is not None and run[0] <= written <= run[1]:
            inside += 1
    if inside:
        return Adoption(
            True, f"{inside} of {len(probes)} orders looked up were written while {action.id} ran"
        )
    return Adoption(None, f"none of the {len(probes)} orders looked up was written while {action.id} ran")
