"""The state one run of the batcher shares between its steps: the client, the report, counters and events.

The batcher talks to the API only through the client's public resource methods, described here as
:class:`ImportClient` (``vf.AsyncVoucherify`` is one).
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol

import anyio
import anyio.lowlevel
import attrs

from voucherify_async._clock import Clock
from voucherify_async._rate_limit import RateLimitInfo, wait_until_reset
from voucherify_async._server_clock import earliest_offset, move_onto_server_clock
from voucherify_async.importing.checkpoint import Journal
from voucherify_async.importing.in_flight import InFlightAction, step_end
from voucherify_async.importing.progress import (
    BatchSubmitted,
    ImportProgress,
    ProgressCallback,
    ProgressEvent,
    RateLimitWait,
    emit_progress,
    estimate_eta,
)
from voucherify_async.importing.report import ImportReport
from voucherify_async.importing.telemetry import run_telemetry
from voucherify_async.models import AsyncAction, AsyncActionsPage, Order

__all__ = ["ImportClient", "RunContext", "project_lock"]

BULK = "bulk_api_calls"
API_CALLS = "api_calls"


class _OrdersAPI(Protocol):
    async def import_orders(self, orders: bytes) -> str: ...

    async def get(self, order_id: str) -> Order: ...


class _AsyncActionsAPI(Protocol):
    async def get(self, action_id: str) -> AsyncAction: ...

    async def list(self, *, limit: int | None = ...) -> AsyncActionsPage: ...

    def iterate(self, *, limit: int = ...) -> AsyncIterator[AsyncAction]: ...


RECENT_BATCHES = 8
"""How many of the latest batches' times place the first poll of the next one (``polling.first_look``)."""


class ImportClient(Protocol):
    """What the batcher needs of a client (``vf.AsyncVoucherify`` provides it)."""

    @property
    def orders(self) -> _OrdersAPI:
        """The orders resource."""
        ...

    @property
    def async_actions(self) -> _AsyncActionsAPI:
        """The async actions resource."""
        ...

    @property
    def clock(self) -> Clock:
        """The clock every wait goes through."""
        ...

    @property
    def clock_offset_bounds(self) -> tuple[float, float] | None:
        """The bounds of (server clock - ours) measured on the answers' ``Date`` headers, if any."""
        ...

    @property
    def project_key(self) -> str:
        """Names the project (never a token)."""
        ...

    @property
    def rate_limits(self) -> Mapping[str, RateLimitInfo]:
        """The last seen budget per limit type."""
        ...

    def with_options(self, *, max_retries: int | None = None) -> ImportClient:
        """A copy with other retry settings, sharing the session and rate-limit state."""
        ...


_LOCKS: anyio.lowlevel.RunVar[dict[str, anyio.Lock]] = anyio.lowlevel.RunVar("voucherify_import_locks")


def project_lock(project_key: str) -> anyio.Lock:
    """The process-wide lock of one project: a run holds it from its first submission to its end.

    The API runs one order import per project at a time and queues the rest (``POST /v1/orders/import``:
    "There can be only a single on-going order import per tenant per project"): two batchers of one project
    in one process never interleave, the second starts sending when the first run is over; batchers of
    different projects hold different locks and run concurrently. The locks live per event loop (an anyio
    ``RunVar``), so each ``anyio.run`` starts afresh.
    """
    try:
        locks = _LOCKS.get()
    except LookupError:
        locks = {}
        _LOCKS.set(locks)
    lock = locks.get(project_key)
    if lock is None:
        lock = locks[project_key] = anyio.Lock()
    return lock


class RunContext:
    """One run's shared state: settings-independent bookkeeping that every step updates.

    Args:
        client: The client.
        journal: The checkpoint journal, if any.
        on_progress: The progress callback, if any.
        total_orders: How many orders the source holds, if the user said.
    """

    def __init__(
        self,
        client: ImportClient,
        *,
        journal: Journal | None,
        on_progress: ProgressCallback | None,
        total_orders: int | None,
        batch_size: int,
    ) -> None:
        self.client = client
        self.clock = client.clock
        self.journal = journal
        self.on_progress = on_progress
        self.total_orders = total_orders
        self.batch_size = batch_size
        self.report = ImportReport()
        self.orders_sent = 0
        self.source_exhausted = False
        self.known_action_ids: set[str] = set()
        """Every action this run (or the journal) knows as its own: never adopted as another's."""
        self.examined_action_ids: set[str] = set()
        """Actions found after a lost answer and examined: proven not ours, or not proven ours."""
        self.in_flight_action_id: str | None = None
        self.unanswered_batch: int | None = None
        """The batch whose last import request reached the server unanswered (it may have been queued)."""
        self.last_submission: tuple[str, float, float] | None = None
        """The last import the server answered: its action id, when it was sent and when answered (our
        clock); it tells how far the server's clock is from ours (see ``lost_ack``)."""
        self.api_calls_seen: RateLimitInfo | None = None
        """The general budget as last reported, and the import requests sent since (they may count in it)."""
        self.calls_since_api_calls_seen = 0
        self.holds_project_lock = False
        """Whether this run took the project's lock (taken before its first submission, kept to its end)."""
        self.started = self.clock.monotonic()
        self.batch_seconds: list[float] = []
        """Duration of each batch this run sent and finished (for the ETA)."""
        self.seconds_per_order: float | None = None
        """How long the last action took per order (for the ETA)."""
        self.recent_seconds_per_order: deque[float] = deque(maxlen=RECENT_BATCHES)
        """How long the latest actions took per order, oldest first (for the first poll of the next one)."""
        self.carried_over = 0
        """Orders an earlier run sent (batches the journal records as finished, a part reattached): accounted
        for, but no work of this run."""
        self.batches_carried_over = 0
        self.in_flight: InFlightAction | None = None
        """The action waited for, as the polls saw it (for the progress events' estimates)."""
        self.wait_ends_at: float | None = None
        """When the rate-limit wait under way ends (run seconds)."""
        self.telemetry = run_telemetry(client)
        """The run's spans and metrics (a no-op without OpenTelemetry)."""

    async def take_project_lock(self) -> None:
        """Take the project's lock before the run's first submission (a no-op once taken)."""
        if not self.holds_project_lock:
            await project_lock(self.client.project_key).acquire()
            self.holds_project_lock = True

    def release_project_lock(self) -> None:
        """Release the project's lock at the end of the run, if it was taken."""
        if self.holds_project_lock:
            project_lock(self.client.project_key).release()
            self.holds_project_lock = False

    @property
    def elapsed(self) -> float:
        """Seconds since the run started."""
        return self.clock.monotonic() - self.started

    def spent_budget_wait(self, limit_type: str) -> tuple[float, RateLimitInfo] | None:
        """How long to wait for ``limit_type``'s window when the last report says the budget is spent.

        Import requests answer with the bulk budget's headers, yet the general budget may count them too
        (the emulator does), so those sent since the general budget was last reported are taken off it.

        Returns:
            The seconds to wait and the budget, or ``None`` when calls are left (or nothing is known).
        """
        budget = self.client.rate_limits.get(limit_type)
        if budget is None or budget.remaining is None or budget.reset_at is None:
            return None
        remaining = budget.remaining
        if limit_type == API_CALLS:
            if self.api_calls_seen is not budget:
                self.api_calls_seen, self.calls_since_api_calls_seen = budget, 0
            remaining -= self.calls_since_api_calls_seen
        wait = wait_until_reset(budget.reset_at, self.server_now(), limit_type)
        return (wait, budget) if remaining <= 0 and wait is not None else None

    def server_now(self) -> float:
        """The current time on the server's clock, never past it (as ``Date`` headers measured it)."""
        return move_onto_server_clock(self.clock.time(), self.client.clock_offset_bounds)

    def earliest_server_offset(self) -> float:
        """The smallest offset (server clock minus ours) the answers so far allow, ``0.0`` before any."""
        return earliest_offset(self.client.clock_offset_bounds)

    async def wait_for_rate_limit(self, seconds: float, limit_type: str | None, reason: str) -> None:
        """Wait ``seconds`` for a rate limit through the clock, after telling the progress callback."""
        seconds = max(0.0, seconds)
        until = self.clock.time() + seconds
        self.wait_ends_at = self.elapsed + seconds  # the ETA counts what is left of it
        try:
            await self.emit(RateLimitWait, seconds=seconds, until=until, limit_type=limit_type, reason=reason)
            self.report.rate_limit_wait += seconds
            self.telemetry.waited(seconds, limit_type, reason)
            await self.clock.sleep(seconds)
        finally:
            self.wait_ends_at = None

    async def pace(self, limit_type: str) -> None:
        """Wait for ``limit_type``'s window if its budget is spent, instead of provoking a 429."""
        spent = self.spent_budget_wait(limit_type)
        if spent is not None:
            await self.wait_for_rate_limit(spent[0], limit_type, "paced")

    def bulk_budget(self) -> RateLimitInfo | None:
        """The last seen bulk call budget (``X-Rate-Limit-*`` of an import answer), if any."""
        return self.client.rate_limits.get(BULK)

    async def announce_action(
        self, batch: int, size: int, action_id: str, how: str, *, begun_earlier: bool = False
    ) -> None:
        """An action now stands for ``size`` orders of ``batch``: wait for it from here, and say so.

        It is expected to take as long per order as the last action did (or as the run's batches took).
        ``how`` is :class:`BatchSubmitted`'s: ``submitted``, ``adopted`` or ``reattached``; ``begun_earlier``:
        an earlier run sent it (see :class:`InFlightAction`).
        """
        now = self.elapsed
        self.in_flight = None  # (the last one's, if it was never cleared: it must not predict this one)
        per_order = self.seconds_per_order
        if per_order is None and (per_batch := self._seconds_per_batch()) is not None:
            per_order = per_batch / max(1, self.batch_size)
        expected_end = None if per_order is None else now + per_order * size
        self.in_flight = InFlightAction(
            batch,
            action_id,
            size,
            submitted_at=now,
            seen_at=now,
            expected_end=expected_end,
            begun_earlier=begun_earlier,
        )
        await self.emit(BatchSubmitted, batch=batch, size=size, async_action_id=action_id, how=how)

    def observe_action(self, action_id: str, status: str, progress: int, predicted_end: float | None) -> None:
        """Note what a poll of the action in flight saw.

        Args:
            action_id: The action polled.
            status: Its status.
            progress: Its ``progress``.
            predicted_end: When its progress predicts its end (the client's monotonic clock), if it does.
        """
        action = self.in_flight
        if action is None or action.async_action_id != action_id:
            return
        now = self.elapsed
        expected_end = action.expected_end
        if status in ("DONE", "FAILED"):
            expected_end = now
        elif predicted_end is not None:
            expected_end = predicted_end - self.started
        elif status == "IN_PROGRESS" and progress > 0:
            # Its pace since it was sent (an upper bound on the time left: it may have waited in the queue).
            expected_end = now + (now - action.submitted_at) * (100 - min(progress, 100)) / progress
        elif expected_end is not None:
            # Not started yet: it ends no sooner than its whole expected time from now.
            expected_end = max(expected_end, now + expected_end - action.submitted_at)
        self.in_flight = attrs.evolve(
            action, seen_at=now, status=status, progress=progress, expected_end=expected_end
        )

    def snapshot(self) -> ImportProgress:
        """The running totals, with rate and ETA."""
        report = self.report
        elapsed = self.elapsed
        accounted = report.imported + len(report.failed) + len(report.rejected)
        this_run = accounted - self.carried_over
        total = report.orders if self.source_exhausted else self.total_orders
        budget = self.bulk_budget()
        return ImportProgress(
            orders_read=report.orders,
            orders_sent=self.orders_sent,
            imported=report.imported,
            failed=len(report.failed),
            rejected=len(report.rejected),
            batches_done=len(report.batches),
            bulk_calls=report.bulk_calls,
            polls=report.polls,
            elapsed=elapsed,
            rate=this_run / elapsed if this_run > 0 and elapsed > 0 else None,
            total_orders=total,
            eta=self._eta(total, accounted, budget, elapsed),
            bulk_remaining=budget.remaining if budget else None,
            carried_over=self.carried_over,
            batches_carried_over=self.batches_carried_over,
            in_flight=self.in_flight,
            wait_ends_at=self.wait_ends_at,
        )

    def _seconds_per_batch(self) -> float | None:
        """The time a full batch takes, as this run measured it (``None`` before it measured anything)."""
        if self.batch_seconds:
            return sum(self.batch_seconds[-5:]) / len(self.batch_seconds[-5:])
        if self.seconds_per_order is not None:
            return self.seconds_per_order * self.batch_size
        action = self.in_flight
        if action is not None and action.expected_end is not None and not action.begun_earlier:
            return (action.expected_end - action.submitted_at) * self.batch_size / max(1, action.orders)
        return None

    def _eta(
        self, total: int | None, accounted: int, budget: RateLimitInfo | None, now: float
    ) -> float | None:
        """What is left of the step under way (a wait, the action in flight), then the batches after it."""
        per_batch = self._seconds_per_batch()
        if total is None or per_batch is None:
            return None
        end = step_end(self.in_flight, self.wait_ends_at)
        step_left = 0.0 if end is None else max(0.0, end - now)
        in_flight = self.in_flight.orders if self.in_flight is not None else 0
        reset_in = None
        if budget is not None and budget.reset_at is not None:
            reset_in = wait_until_reset(budget.reset_at, self.server_now(), BULK) or 0.0
            reset_in = max(0.0, reset_in - step_left)
        return step_left + estimate_eta(
            remaining_orders=max(0, total - accounted - in_flight),
            batch_size=self.batch_size,
            seconds_per_batch=per_batch,
            bulk_remaining=budget.remaining if budget else None,
            bulk_limit=budget.limit if budget else None,
            bulk_reset_in=reset_in,
        )

    async def emit(self, event_type: type[ProgressEvent], **fields: Any) -> None:
        """Send one progress event (with a fresh snapshot) to the callback, if there is one."""
        if self.on_progress is not None:
            await emit_progress(self.on_progress, event_type(progress=self.snapshot(), **fields))
