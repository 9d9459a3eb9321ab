"""The data of one project: orders, customers, exports and the queue of order imports.

The API runs one order import per project at a time; further imports wait in a queue and run one by one.
The queue here is a schedule, not a worker: when an import is accepted its start is the end of the import
before it, and its end is ``start + orders / processing_rate + processing_delay`` (times a factor drawn per
import when ``processing_spread`` is set). Its state at any moment
(``ENQUEUED`` -> ``IN_PROGRESS`` with rising ``progress`` -> ``DONE``/``FAILED``) follows from the time
source, and the orders due by then are stored the next time anyone looks (:meth:`ProjectState.catch_up`).
So a test that gives the emulator a ``ManualClock``'s time sees imports finish exactly when it moves that
clock. The app also calls ``catch_up`` every few milliseconds while an import runs (``app.IMPORT_STEP``),
only so that the look that finds an import ``DONE`` has little left to store: it changes nothing of what
any look at a given time finds.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from voucherify_async.emulator.order_records import build_order, merge_bodies
from voucherify_async.emulator.wire import hex_id, iso_time, parse_iso_time, random_id

if TYPE_CHECKING:
    from voucherify_async.emulator.exports import ExportRecord


def customer_not_found(customer_id: str) -> str:
    """Why an order referring to a customer that does not exist cannot be stored."""
    return f"Cannot find customer with id {customer_id}"


def _compact(body: dict[str, Any]) -> bytes:
    """``body`` serialised, in a buffer of its own size (orjson's output keeps a 4 KiB buffer)."""
    return memoryview(orjson.dumps(body)).tobytes()


@dataclass
class ImportAction:
    """One ``ORDERS.IMPORT`` async action and its place in the project's queue."""

    id: str
    request_id: str
    created_at: float
    start: float
    end: float
    orders: list[dict[str, Any]] | None = field(repr=False)
    """The orders to import; dropped once all are applied."""
    order_count: int
    delay: float = 0.0
    """Seconds at the start before the first order is processed (``processing_delay``)."""
    fail: bool = False
    """The action ends ``FAILED`` (set by the ``action_failed`` fault)."""
    result: dict[str, Any] | None = None
    applied: int = 0
    """How many of the orders have been processed so far."""
    failed: list[dict[str, Any]] = field(default_factory=list, repr=False)
    forgotten: bool = False
    """Purged from the project's list (:meth:`ProjectState.forget_action`): it still ran in its turn."""

    def due(self, now: float) -> int:
        """How many orders are processed by ``now``: evenly over the time after the delay."""
        if now >= self.end:
            return self.order_count
        first = self.start + self.delay
        if now <= first:
            return 0
        return min(self.order_count, math.floor(self.order_count * (now - first) / (self.end - first)))

    def status(self, now: float) -> str:
        """The state at ``now``."""
        if now < self.start:
            return "ENQUEUED"
        if now < self.end:
            return "IN_PROGRESS"
        return "FAILED" if self.fail else "DONE"

    def progress(self, now: float) -> int:
        """0..100, rising while the action runs."""
        if now >= self.end:
            return 100
        if now <= self.start:
            return 0
        return min(99, math.floor(100 * (now - self.start) / (self.end - self.start)))

    def to_wire(self, now: float, *, with_result: bool = True) -> dict[str, Any]:
        """The ``AsyncAction`` object at ``now`` (the list endpoint leaves out ``result``)."""
        status = self.status(now)
        if status == "ENQUEUED":
            updated = self.created_at
        elif status == "IN_PROGRESS":
            updated = self.start
        else:
            updated = self.end
        data: dict[str, Any] = {"id": self.id, "type": "ORDERS.IMPORT", "status": status}
        if with_result and self.result is not None and status in ("DONE", "FAILED"):
            data["result"] = self.result
        data["created_at"] = iso_time(self.created_at)
        data["updated_at"] = iso_time(max(updated, self.created_at))
        data["request_id"] = self.request_id
        data["progress"] = self.progress(now)
        if status in ("DONE", "FAILED"):
            data["processing_time"] = round((self.end - self.start) * 1000)
        data["object"] = "async_action"
        return data


@dataclass
class ProjectState:
    """Everything one project (one ``X-App-Id``) holds.

    Attributes:
        app_id: the project's application id.
        time_source: epoch seconds (the emulator's).
        processing_rate: orders per second an import runs at; ``None`` for at once.
        processing_delay: extra seconds every import takes before its first order.
        processing_spread: each import's processing time (its delay and its orders) is multiplied by a
            factor drawn uniformly from ``1 - spread`` to ``1 + spread``, as a real server's times vary
            around a steady mean (0: every import takes exactly its time).
        processing_seed: seeds those draws: every project with the same seed draws the same factors, its
            n-th import the n-th factor.
        import_requests: accepted POST /v1/orders/import calls.
        imports_submitted_while_busy: imports accepted while another import of the project was
            ``ENQUEUED`` or ``IN_PROGRESS`` (a client that keeps to one import at a time leaves it at 0).
        customers: customers by id (created from orders' inline customers, or by :meth:`create_customer`).
        exports: the project's exports by id.

    Example:
        >>> project = emu.project("app")                       # doctest: +SKIP
        >>> customer = project.create_customer("c-1", name="Ann")
        >>> # an order with customer_id=customer["id"] now imports; an unknown id fails in the action
    """

    app_id: str
    time_source: Callable[[], float]
    processing_rate: float | None = None
    processing_delay: float = 0.0
    processing_spread: float = 0.0
    processing_seed: int = 0
    import_requests: int = 0
    imports_submitted_while_busy: int = 0
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    exports: dict[str, ExportRecord] = field(default_factory=dict)
    _orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    _key_by_id: dict[str, str] = field(default_factory=dict)
    # The body each order was built from, for merging updates; kept serialised because parsed bodies of
    # 100,000 imported orders would take most of the emulator's memory.
    _bodies: dict[str, bytes] = field(default_factory=dict)
    _updated: dict[str, tuple[float, int]] = field(default_factory=dict)
    _customer_by_source: dict[str, str] = field(default_factory=dict)
    _actions: list[ImportAction] = field(default_factory=list)
    _actions_by_id: dict[str, ImportAction] = field(default_factory=dict)
    _pending: deque[ImportAction] = field(default_factory=deque)
    _changes: int = 0
    _created: dict[str, int] = field(default_factory=dict)
    _sorted: dict[str, tuple[int, list[dict[str, Any]]]] = field(default_factory=dict)
    _processing_factors: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._processing_factors = random.Random(self.processing_seed)

    @property
    def orders(self) -> dict[str, dict[str, Any]]:
        """Stored orders by ``source_id`` (by ``id`` without one), with the imports processed so far."""
        self.catch_up()
        return self._orders

    @property
    def async_actions(self) -> list[dict[str, Any]]:
        """The project's async actions as the API would show them now, oldest first."""
        now = self.catch_up()
        return [action.to_wire(now) for action in self._actions if not action.forgotten]

    # -- time and the import queue -----------------------------------------------------------------

    def catch_up(self) -> float:
        """Process the imports' orders that are due by now (finishing those whose time is over); return now.

        A running import stores its orders progressively, as the real one does, so a client that looks
        while an import is IN_PROGRESS sees part of its orders.
        """
        now = self.time_source()
        while self._pending:
            action = self._pending[0]
            if not action.fail and (now > action.start or now >= action.end):
                self._process(action, action.due(now), min(now, action.end))
            if action.end > now:
                break
            self._finish(self._pending.popleft())
        return now

    @property
    def importing(self) -> bool:
        """Whether an accepted import still has orders to store (or a result to write)."""
        return bool(self._pending)

    def busy(self, now: float) -> bool:
        """Whether an import is ENQUEUED or IN_PROGRESS at ``now``."""
        return bool(self._actions) and self._actions[-1].end > now

    def enqueue_import(self, orders: list[dict[str, Any]], *, fail: bool = False) -> ImportAction:
        """Accept an import: schedule it after the imports before it."""
        now = self.catch_up()
        if self.busy(now):
            self.imports_submitted_while_busy += 1
        self.import_requests += 1
        start = max(now, self._actions[-1].end) if self._actions else now
        factor = 1.0
        if self.processing_spread:
            factor += self.processing_spread * (2 * self._processing_factors.random() - 1)
        duration = self.processing_delay
        if self.processing_rate:
            duration += len(orders) / self.processing_rate
        action = ImportAction(
            id=hex_id("aa_"),
            request_id=hex_id("v-"),
            created_at=self._next_created_ms(now) / 1000,
            start=start,
            end=start + duration * factor,
            orders=orders,
            order_count=len(orders),
            delay=self.processing_delay * factor,
            fail=fail,
        )
        self._actions.append(action)
        self._actions_by_id[action.id] = action
        self._pending.append(action)
        self.catch_up()
        return action

    def find_action(self, action_id: str) -> ImportAction | None:
        """The action with this id (``None`` once forgotten)."""
        action = self._actions_by_id.get(action_id)
        return None if action is None or action.forgotten else action

    def forget_action(self, action_id: str) -> None:
        """Purge an async action from the project, as the API does with old ones: ``GET`` answers 404 and
        the list leaves it out. Its import still runs in its turn (its orders are stored all the same)."""
        action = self._actions_by_id.get(action_id)
        if action is None:
            raise KeyError(action_id)
        action.forgotten = True

    def _next_created_ms(self, now: float) -> int:
        # Clients page back through GET /v1/async-actions by end_date = the last created_at they saw, in
        # milliseconds: actions of a project get distinct whole milliseconds, so no page skips or repeats
        # one (a test's fake clock often stands still between imports).
        created_ms = math.floor(now * 1000)
        if self._actions:
            created_ms = max(created_ms, round(self._actions[-1].created_at * 1000) + 1)
        return created_ms

    def actions_before(self, end: float | None) -> list[ImportAction]:
        """Actions created before ``end`` (all when ``None``; compared in milliseconds), newest first."""
        newest_first = [action for action in reversed(self._actions) if not action.forgotten]
        if end is None:
            return list(newest_first)
        end_ms = round(end * 1000)
        return [action for action in newest_first if round(action.created_at * 1000) < end_ms]

    def _process(self, action: ImportAction, upto: int, stamp: float) -> None:
        """Store the action's orders up to index ``upto``; orders that cannot be stored are failures."""
        orders = action.orders or []
        # Never stamped before the action's own created_at (a millisecond past the request when the clock
        # stands still, see _next_created_ms): every order an import writes is written inside its run.
        stamp = max(stamp, action.created_at)
        for body in orders[action.applied : upto]:
            missing = self.unknown_customer(body)
            if missing is not None:
                reason = customer_not_found(missing)
                action.failed.append({"source_id": body.get("source_id"), "reason": reason})
                continue
            self.upsert_order(body, stamp, keep_created_at=False)
        action.applied = max(action.applied, upto)

    def _finish(self, action: ImportAction) -> None:
        action.orders = None
        if action.fail:
            action.result = {"message": "Import failed.", "failed": [], "done_count": 0, "failed_count": 0}
            return
        failed = action.failed
        done = action.order_count - len(failed)
        action.result = {
            "message": f"{done} order(s) imported successfully, {len(failed)} failed.",
            "failed": failed,
            "done_count": done,
            "failed_count": len(failed),
        }

    # -- orders and customers ----------------------------------------------------------------------

    def find_order(self, key: str) -> dict[str, Any] | None:
        """An order by its ``id`` or its ``source_id``."""
        self.catch_up()
        stored_key = self._key_by_id.get(key, key)
        return self._orders.get(stored_key)

    def unknown_customer(self, body: dict[str, Any]) -> str | None:
        """The customer or referrer id the order refers to that does not exist, if any."""
        for name in ("customer", "referrer"):
            party = body.get(name)
            party_id = party.get("id") if isinstance(party, dict) else None
            party_id = party_id or body.get(f"{name}_id")
            if party_id is not None and party_id not in self.customers:
                return str(party_id)
        return None

    def create_customer(self, source_id: str | None = None, **fields: Any) -> dict[str, Any]:
        """Create (or update, by ``source_id``) a customer; tests use it to seed customers orders refer to."""
        existing = self._customer_by_source.get(source_id) if source_id is not None else None
        if existing is not None:
            customer = self.customers[existing]
            customer.update(fields)
            return customer
        customer = {"id": random_id("cust_"), "source_id": source_id, **fields, "object": "customer"}
        self.customers[customer["id"]] = customer
        if source_id is not None:
            self._customer_by_source[source_id] = customer["id"]
        return customer

    def _resolve_party(self, body: dict[str, Any], name: str) -> str | None:
        party = body.get(name)
        if isinstance(party, dict):
            if party.get("id"):
                return str(party["id"])
            fields = {key: value for key, value in party.items() if key not in ("id", "source_id", "object")}
            return str(self.create_customer(party.get("source_id"), **fields)["id"])
        party_id = body.get(f"{name}_id")
        return None if party_id is None else str(party_id)

    def upsert_order(
        self, body: dict[str, Any], now: float, *, keep_created_at: bool = True
    ) -> dict[str, Any]:
        """Create the order, or merge into the stored one with the same ``source_id`` (or ``id``)."""
        source_id = body.get("source_id")
        stored_key = self._key_by_id.get(body.get("id") or "", None)
        if stored_key is None and source_id is not None and source_id in self._orders:
            stored_key = source_id
        existing = self._orders.get(stored_key) if stored_key is not None else None
        if existing is None:
            return self._store_new(body, now, keep_created_at=keep_created_at)
        return self.update_order(existing["id"], body, now)

    def _store_new(self, body: dict[str, Any], now: float, *, keep_created_at: bool) -> dict[str, Any]:
        order_id = random_id("ord_")
        given = parse_iso_time(body["created_at"]) if keep_created_at and "created_at" in body else None
        record = build_order(
            body,
            order_id=order_id,
            created_at=iso_time(now if given is None else given),
            updated_at=None,
            customer_id=self._resolve_party(body, "customer"),
            referrer_id=self._resolve_party(body, "referrer"),
        )
        key = body.get("source_id") or order_id
        self._orders[key] = record
        self._key_by_id[order_id] = key
        self._bodies[order_id] = _compact(body)
        self._created[order_id] = len(self._created)
        self._touch(order_id, now)
        return record

    def update_order(self, order_id: str, body: dict[str, Any], now: float) -> dict[str, Any]:
        """Merge ``body`` into a stored order (PUT /v1/orders/{id}, or an import's upsert)."""
        key = self._key_by_id[order_id]
        old = self._orders[key]
        merged = merge_bodies(orjson.loads(self._bodies[order_id]), body)
        merged.pop("id", None)
        record = build_order(
            merged,
            order_id=order_id,
            created_at=old["created_at"],
            updated_at=iso_time(now),
            customer_id=self._resolve_party(merged, "customer"),
            referrer_id=self._resolve_party(merged, "referrer"),
        )
        new_key = merged.get("source_id") or order_id
        if new_key != key:
            del self._orders[key]
            self._key_by_id[order_id] = new_key
        self._orders[new_key] = record
        self._bodies[order_id] = _compact(merged)
        self._touch(order_id, now)
        return record

    def _touch(self, order_id: str, now: float) -> None:
        self._changes += 1
        self._updated[order_id] = (now, self._changes)

    def list_orders(self, order: str) -> list[dict[str, Any]]:
        """All orders sorted by ``order`` (``created_at`` or ``updated_at``, ``-`` for descending).

        The sorted list is kept until the orders change, so paging through many orders sorts them once.
        """
        self.catch_up()
        cached = self._sorted.get(order)
        if cached is not None and cached[0] == self._changes:
            return cached[1]
        records = list(self._orders.values())
        if order.lstrip("-") == "updated_at":
            records.sort(key=lambda record: self._updated[record["id"]])
        else:
            # created_at may come from the client (POST /v1/orders); ties keep the order of creation.
            records.sort(key=lambda record: (record["created_at"], self._created[record["id"]]))
        if order.startswith("-"):
            records.reverse()
        self._sorted[order] = (self._changes, records)
        return records
