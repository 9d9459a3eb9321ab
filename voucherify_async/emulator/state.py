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
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from voucherify_async.emulator.export_records import ExportRecord
from voucherify_async.emulator.import_actions import ImportAction
from voucherify_async.emulator.order_records import StoredOrder, compact_json, merge_bodies
from voucherify_async.emulator.stores import ProjectStore
from voucherify_async.emulator.stores.memory import MemoryStore
from voucherify_async.emulator.wire import hex_id, iso_time, parse_iso_time, random_id

__all__ = ["ImportAction", "ProjectState", "SourceIdTaken", "customer_not_found"]


def customer_not_found(customer_id: str) -> str:
    """Why an order referring to a customer that does not exist cannot be stored."""
    return f"Cannot find customer with id {customer_id}"


_MISSING = object()


class SourceIdTaken(ValueError):
    """An update would give an order the ``source_id`` of another order of the project."""


class _Orders(Mapping[str, dict[str, Any]]):
    """A project's orders by ``source_id`` (by ``id`` without one), built when read, in order of creation."""

    def __init__(self, store: ProjectStore) -> None:
        self._store = store

    def __getitem__(self, key: str) -> dict[str, Any]:
        order = self._store.order_by_key(key)
        if order is None:
            raise KeyError(key)
        return order.to_wire()

    def __iter__(self) -> Iterator[str]:
        return (order.key for order in self._store.iter_orders())

    def __len__(self) -> int:
        return self._store.order_count()


class ProjectState:
    """Everything one project (one ``X-App-Id``) holds.

    Args:
        app_id: the project's application id.
        time_source: epoch seconds (the emulator's).
        processing_rate: orders per second an import runs at; ``None`` for at once.
        processing_delay: extra seconds every import takes before its first order.
        processing_spread: each import's processing time (its delay and its orders) is multiplied by a
            factor drawn uniformly from ``1 - spread`` to ``1 + spread``, as a real server's times vary
            around a steady mean (0: every import takes exactly its time).
        processing_seed: seeds those draws: every project with the same seed draws the same factors, its
            n-th import the n-th factor.
        store: where orders, customers, async actions and exports are kept (in memory by default); what it
            saved before is read back (a restart of an emulator with a data directory).

    Attributes:
        import_requests: accepted POST /v1/orders/import calls.
        imports_submitted_while_busy: imports accepted while another import of the project was
            ``ENQUEUED`` or ``IN_PROGRESS`` (a client that keeps to one import at a time leaves it at 0).
        exports: the project's exports by id (their files are in the store).

    Example:
        >>> project = emu.project("app")                       # doctest: +SKIP
        >>> customer = project.create_customer("c-1", name="Ann")
        >>> # an order with customer_id=customer["id"] now imports; an unknown id fails in the action
    """

    def __init__(
        self,
        app_id: str,
        time_source: Callable[[], float],
        processing_rate: float | None = None,
        processing_delay: float = 0.0,
        store: ProjectStore | None = None,
        processing_spread: float = 0.0,
        processing_seed: int = 0,
    ) -> None:
        self.app_id = app_id
        self.time_source = time_source
        self.processing_rate = processing_rate
        self.processing_delay = processing_delay
        self.processing_spread = processing_spread
        self._processing_factors = random.Random(processing_seed)
        self.store: ProjectStore = MemoryStore() if store is None else store
        self.import_requests, self.imports_submitted_while_busy = self.store.saved_counters()
        self.exports: dict[str, ExportRecord] = {export.id: export for export in self.store.saved_exports()}
        self._actions = self.store.saved_actions()
        self._actions_by_id = {action.id: action for action in self._actions}
        self._pending = deque(action for action in self._actions if action.result is None)
        self._changes = self.store.last_change()

    def __repr__(self) -> str:
        orders, actions = self.store.order_count(), len(self._actions)
        return f"ProjectState({self.app_id!r}, orders={orders}, actions={actions})"

    @property
    def orders(self) -> Mapping[str, dict[str, Any]]:
        """Stored orders by ``source_id`` (by ``id`` without one), with the imports processed so far.

        A read-only view: each order is built when read.
        """
        self.catch_up()
        return _Orders(self.store)

    @property
    def customers(self) -> Mapping[str, dict[str, Any]]:
        """Customers by id (created from orders' inline customers, or by :meth:`create_customer`)."""
        return self.store.customers()

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
        if not self._pending:
            return now
        with self.store.transaction():
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
        with self.store.transaction():
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
            # Saved after the orders due at once are stored: an import processed at once never writes its
            # orders twice (in the action, then as orders).
            self.store.save_action(action, with_orders=True)
            self.store.save_counters(self.import_requests, self.imports_submitted_while_busy)
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
        with self.store.transaction():
            self.store.save_action(action)

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
        if upto <= action.applied:
            return
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
            try:
                self._upsert(body, stamp, keep_created_at=False)
            except SourceIdTaken as taken:
                action.failed.append({"source_id": body.get("source_id"), "reason": str(taken)})
        action.applied = upto
        self.store.save_action(action)

    def _finish(self, action: ImportAction) -> None:
        action.orders = None
        if action.fail:
            action.result = {"message": "Import failed.", "failed": [], "done_count": 0, "failed_count": 0}
        else:
            failed = action.failed
            done = action.order_count - len(failed)
            action.result = {
                "message": f"{done} order(s) imported successfully, {len(failed)} failed.",
                "failed": failed,
                "done_count": done,
                "failed_count": len(failed),
            }
        self.store.save_action(action, with_orders=True)

    # -- orders and customers ----------------------------------------------------------------------

    def find_stored_order(self, key: str) -> StoredOrder | None:
        """An order by its ``id`` or its ``source_id``, as stored."""
        self.catch_up()
        return self.store.order_by_id(key) or self.store.order_by_key(key)

    def find_order(self, key: str) -> dict[str, Any] | None:
        """An order by its ``id`` or its ``source_id``."""
        stored = self.find_stored_order(key)
        return None if stored is None else stored.to_wire()

    def unknown_customer(self, body: dict[str, Any]) -> str | None:
        """The customer or referrer id the order refers to that does not exist, if any."""
        for name in ("customer", "referrer"):
            party = body.get(name)
            party_id = party.get("id") if isinstance(party, dict) else None
            party_id = party_id or body.get(f"{name}_id")
            if party_id is not None and self.store.customer(str(party_id)) is None:
                return str(party_id)
        return None

    def create_customer(self, source_id: str | None = None, **fields: Any) -> dict[str, Any]:
        """Create (or update, by ``source_id``) a customer; tests use it to seed customers orders refer to."""
        existing = self.store.customer_by_source_id(source_id) if source_id is not None else None
        if existing is not None:
            if any(existing.get(name, _MISSING) != value for name, value in fields.items()):
                existing.update(fields)
                with self.store.transaction():
                    self.store.save_customer(existing)
            return existing
        customer = {"id": random_id("cust_"), "source_id": source_id, **fields, "object": "customer"}
        with self.store.transaction():
            self.store.save_customer(customer)
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
        with self.store.transaction():
            return self._upsert(body, now, keep_created_at=keep_created_at).to_wire()

    def _upsert(self, body: dict[str, Any], now: float, *, keep_created_at: bool) -> StoredOrder:
        given_id = body.get("id")
        existing = self.store.order_by_id(given_id) if isinstance(given_id, str) and given_id else None
        source_id = body.get("source_id")
        if existing is None and isinstance(source_id, str) and source_id:
            existing = self.store.order_by_key(source_id)
        if existing is None:
            return self._store_new(body, now, keep_created_at=keep_created_at)
        return self._update(existing, body, now)

    def _store_new(self, body: dict[str, Any], now: float, *, keep_created_at: bool) -> StoredOrder:
        given = parse_iso_time(body["created_at"]) if keep_created_at and "created_at" in body else None
        self._changes += 1
        order = StoredOrder(
            id=random_id("ord_"),
            source_id=body.get("source_id"),
            created_at=iso_time(now if given is None else given),
            updated_at=None,
            touched=now,
            change=self._changes,
            customer_id=self._resolve_party(body, "customer"),
            referrer_id=self._resolve_party(body, "referrer"),
            body=compact_json(body),
        )
        self.store.add_order(order)
        return order

    def update_order(self, order_id: str, body: dict[str, Any], now: float) -> dict[str, Any]:
        """Merge ``body`` into a stored order (PUT /v1/orders/{id}, or an import's upsert).

        Raises:
            KeyError: no order has this id.
            SourceIdTaken: ``body`` gives the order the ``source_id`` of another order.
        """
        with self.store.transaction():
            old = self.store.order_by_id(order_id)
            if old is None:
                raise KeyError(order_id)
            return self._update(old, body, now).to_wire()

    def _update(self, old: StoredOrder, body: dict[str, Any], now: float) -> StoredOrder:
        merged = merge_bodies(old.parsed_body(), body)
        merged.pop("id", None)
        source_id = merged.get("source_id")
        if source_id and source_id != old.source_id:
            other = self.store.order_by_key(source_id)
            if other is not None and other.id != old.id:
                raise SourceIdTaken(f"Order with source_id {source_id} already exists")
        self._changes += 1
        new = StoredOrder(
            id=old.id,
            source_id=source_id,
            created_at=old.created_at,
            updated_at=iso_time(now),
            touched=now,
            change=self._changes,
            customer_id=self._resolve_party(merged, "customer"),
            referrer_id=self._resolve_party(merged, "referrer"),
            body=compact_json(merged),
        )
        self.store.replace_order(old, new)
        return new

    def list_orders(self, order: str) -> list[dict[str, Any]]:
        """All orders sorted by ``order`` (``created_at`` or ``updated_at``, ``-`` for descending)."""
        return self.orders_page(order, 0, self.store.order_count())[0]

    def orders_page(self, order: str, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """``limit`` orders from ``offset`` on, sorted by ``order`` (see :meth:`list_orders`); the total."""
        self.catch_up()
        page = self.store.orders_page(order, offset, limit)
        return [stored.to_wire() for stored in page], self.store.order_count()

    # -- exports -----------------------------------------------------------------------------------

    def add_export(self, export: ExportRecord, file: bytes) -> None:
        """Keep a new export and its CSV file."""
        with self.store.transaction():
            self.store.save_export(export, file)
        self.exports[export.id] = export

    def delete_export(self, export_id: str) -> None:
        """Delete an export and its file."""
        with self.store.transaction():
            self.store.delete_export(export_id)
        del self.exports[export_id]

    def export_file(self, export_id: str) -> bytes | None:
        """The CSV file of an export."""
        return self.store.export_file(export_id)
