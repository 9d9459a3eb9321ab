"""Send one import request and come back with the async action that stands for it, whatever happens.

- Pacing: when the last import answer said the bulk budget is spent (``X-Rate-Limit-Remaining: 0``), wait
  until ``X-Rate-Limit-Retry`` instead of provoking a 429.
- 408 and 503 prove the import was not taken (the transport's ``RetryPolicy.unprocessed_statuses``): sent
  again after a pause, without looking for an action.
- 429: wait exactly as long as ``Retry-After`` (or ``X-Rate-Limit-Retry``, read on the server's clock and at
  most its window) says, through the client's clock, reporting the wait, then send again: a 429 proves the
  server did not take the request. A 429 naming no wait ahead (``Retry-After: 0``, a reset already past) is
  backed off from like a 5xx (the transport's rule, ``requested_wait``); after ``MAX_CONSECUTIVE_429`` in a
  row the run stops with the last one.
- Lost acknowledgement (:class:`APIConnectionError` with ``request_sent``, a timeout, or a 5xx other than
  503): the server may have accepted and queued the import. Resending blindly would break the
  one import at a time rule and import the batch twice, so the action the request created is looked for
  (:mod:`~voucherify_async.importing.lost_ack` holds the rule); it is adopted as this batch's action, and the
  batch is resent only when there is none.
- Other processes: optionally wait while an ``ORDERS.IMPORT`` that is not ours is unfinished.

Every step is written to the journal first: ``submitting`` before the request first goes out (once, not per
try), ``submitted`` after.
"""

from __future__ import annotations

from voucherify_async._errors import APIConnectionError, APIError, BadRequestError, RateLimitError
from voucherify_async._rate_limit import RetryPolicy, requested_wait
from voucherify_async.importing.context import API_CALLS, BULK, RunContext
from voucherify_async.importing.lost_ack import find_lost_import, recent_imports
from voucherify_async.importing.polling import FINISHED, ImportPollPolicy, action_status
from voucherify_async.importing.progress import WaitingForOtherImport
from voucherify_async.models import AsyncAction

__all__ = ["find_unfinished_import", "submit_import"]

MAX_CONSECUTIVE_429 = 10
"""429s in a row for one import request before the run stops: each is waited out as it asks (or backed off
from, when it names no wait), so more in a row mean a refusal that waiting does not mend."""
_UNPROCESSED = RetryPolicy().unprocessed_statuses  # answers that prove the server did not take the request


async def find_unfinished_import(ctx: RunContext) -> AsyncAction | None:
    """An ``ORDERS.IMPORT`` of the project that is ENQUEUED or IN_PROGRESS and not one of ours."""
    for action in await recent_imports(ctx):
        if action.id not in ctx.known_action_ids and action_status(action) not in FINISHED:
            return action
    return None


async def wait_for_other_imports(ctx: RunContext, policy: ImportPollPolicy) -> None:
    """Wait while another process's ``ORDERS.IMPORT`` of the project is unfinished."""
    while (other := await find_unfinished_import(ctx)) is not None:
        await ctx.emit(WaitingForOtherImport, async_action_id=other.id, status=action_status(other))
        # The same schedule as our own actions: the other import's progress predicts its end.
        schedule = policy.schedule(ctx.clock.monotonic())
        while action_status(other) not in FINISHED:
            now = ctx.clock.monotonic()
            schedule.observe(now, action_status(other), other.progress)
            await ctx.clock.sleep(schedule.next_delay(now))
            await ctx.pace(API_CALLS)
            other = await ctx.client.async_actions.get(other.id)
            ctx.report.polls += 1


async def pace_calls(ctx: RunContext) -> None:
    """Before an import request: wait when the bulk budget, or the general one, is spent."""
    await ctx.pace(BULK)
    await ctx.pace(API_CALLS)


async def submit_import(
    ctx: RunContext,
    *,
    batch: int,
    body: bytes,
    fingerprint: str,
    size: int,
    positions: list[int] | None,
    policy: ImportPollPolicy,
    coordinate: bool,
    lost_ack_margin: float,
    max_attempts: int,
) -> tuple[str, str, float]:
    """Send one import request until an async action stands for it.

    Returns:
        The action id, how it was obtained (``submitted``, or ``adopted`` after a lost answer: then still to
        be proven ours, see ``adoption.settle_adopted``) and when its request was sent (our clock).

    Raises:
        BadRequestError: The server refused the orders (handled by the isolation).
        APIConnectionError, APIError: Still failing (5xx, 408, connection) after ``max_attempts`` sends, or
            an error that sending again cannot mend (401, 403, 404...).
    """
    importer = ctx.client.with_options(max_retries=0)  # this function owns the retries of the import
    attempts = refusals = 0
    journaled = False
    while True:
        await pace_calls(ctx)
        if coordinate:
            await wait_for_other_imports(ctx, policy)
        sent_at = ctx.clock.time()
        if ctx.journal is not None and not journaled:
            # Once per batch part, not per try: the first send's time starts the window a resumed run
            # searches for an action, which holds every later try too.
            ctx.journal.record_submitting(batch, fingerprint, size, sent_at, positions)
            journaled = True
        attempts += 1
        ctx.calls_since_api_calls_seen += 1
        ctx.unanswered_batch = batch  # until an answer says what became of it (a stop now leaves it open)
        try:
            action_id = await importer.orders.import_orders(body)
        except RateLimitError as error:
            # Refused before processing: no bulk call spent, nothing queued.
            ctx.unanswered_batch = None
            refusals += 1
            if refusals > MAX_CONSECUTIVE_429:
                raise
            wait = requested_wait(error, ctx.server_now())
            if wait is None:  # a wait already over, or none named: back off, never resend at once
                wait = policy.clamp(policy.resend * policy.backoff ** (refusals - 1))
            await ctx.wait_for_rate_limit(wait, error.limit_type, "429")
            attempts -= 1
            continue
        except BadRequestError:
            ctx.unanswered_batch = None
            ctx.report.bulk_calls += 1  # a refused import still spends a bulk call
            raise
        except (APIConnectionError, APIError) as error:
            if isinstance(error, APIError) and not _worth_resending(error):
                ctx.unanswered_batch = None  # answered: 401, 403... took nothing in
                raise
            if isinstance(error, APIError) or error.request_sent:
                # A request that never left (connection refused) spent nothing; one that went out may have.
                ctx.report.bulk_calls += 1
            if not _maybe_processed(error):
                ctx.unanswered_batch = None
            elif (adopted := await find_lost_import(ctx, sent_at, lost_ack_margin)) is not None:
                return _accepted(ctx, batch, adopted.id, "adopted", sent_at), "adopted", sent_at
            if attempts >= max_attempts:
                raise
            await ctx.clock.sleep(policy.clamp(policy.resend * policy.backoff**attempts))
            continue
        ctx.report.bulk_calls += 1
        ctx.last_submission = (action_id, sent_at, ctx.clock.time())
        return _accepted(ctx, batch, action_id, "submitted", sent_at), "submitted", sent_at


def _worth_resending(error: APIError) -> bool:
    """A 5xx, or a status saying the request was not processed (408): sending again may succeed."""
    return error.status >= 500 or error.status in _UNPROCESSED


def _maybe_processed(error: APIConnectionError | APIError) -> bool:
    """Whether the server may have taken the import in although no answer said so.

    A connection that broke after the request went out (or a timeout) leaves it open, and so does a 5xx
    other than those the transport's retry policy names as proof that nothing was processed (408, 503).
    """
    if isinstance(error, APIError):
        return error.status not in _UNPROCESSED
    return error.request_sent


def _accepted(ctx: RunContext, batch: int, action_id: str, how: str, sent_at: float) -> str:
    ctx.unanswered_batch = None
    ctx.known_action_ids.add(action_id)
    ctx.in_flight_action_id = action_id
    if ctx.journal is not None:
        adopted_from = sent_at if how == "adopted" else None
        ctx.journal.record_submitted(batch, action_id, how, at=ctx.clock.time(), sent_at=adopted_from)
    return action_id
