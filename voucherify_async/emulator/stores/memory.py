"""The default store: a project's data in the process's memory, gone when the process ends."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from types import MappingProxyType
from typing import Any

from voucherify_async.emulator.export_records import ExportRecord
from voucherify_async.emulator.import_actions import ImportAction
from voucherify_async.emulator.order_records import StoredOrder
from voucherify_async.emulator.stores import ProjectStore


class MemoryStore(ProjectStore):
    """A project's data in dicts: orders by id (in the order of creation) and by key, customers by id and by
    ``source_id``, export files by export id. Async actions, exports' metadata and counters live in the
    project's state only, so their ``saved_*`` are empty."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredOrder] = {}
        self._by_key: dict[str, StoredOrder] = {}
        self._changes = 0
        # Sorted orders are kept until the orders change, so paging through many orders sorts them once.
        self._sorted: dict[str, tuple[int, list[StoredOrder]]] = {}
        self._customers: dict[str, dict[str, Any]] = {}
        self._customer_by_source: dict[str, str] = {}
        self._files: dict[str, bytes] = {}

    def order_count(self) -> int:
        return len(self._by_id)

    def order_by_id(self, order_id: str) -> StoredOrder | None:
        return self._by_id.get(order_id)

    def order_by_key(self, key: str) -> StoredOrder | None:
        return self._by_key.get(key)

    def add_order(self, order: StoredOrder) -> None:
        self._by_id[order.id] = order
        self._by_key[order.key] = order
        self._changes = max(self._changes, order.change)

    def replace_order(self, old: StoredOrder, new: StoredOrder) -> None:
        if self._by_key.get(old.key) is old:
            del self._by_key[old.key]
        self._by_id[new.id] = new  # an existing key keeps its place: the order of creation
        self._by_key[new.key] = new
        self._changes = max(self._changes, new.change)

    def orders_page(self, sort: str, offset: int, limit: int) -> list[StoredOrder]:
        return self._sorted_orders(sort)[offset : offset + limit]

    def _sorted_orders(self, sort: str) -> list[StoredOrder]:
        cached = self._sorted.get(sort)
        if cached is not None and cached[0] == self._changes:
            return cached[1]
        orders = list(self._by_id.values())
        if sort.lstrip("-") == "updated_at":
            orders.sort(key=lambda order: (order.touched, order.change))
        else:
            # created_at may come from the client (POST /v1/orders); the sort is stable, so ties keep the
            # order of creation.
            orders.sort(key=lambda order: order.created_at)
        if sort.startswith("-"):
            orders.reverse()
        self._sorted[sort] = (self._changes, orders)
        return orders

    def iter_orders(self) -> Iterator[StoredOrder]:
        return iter(list(self._by_id.values()))

    def last_change(self) -> int:
        return self._changes

    def customer(self, customer_id: str) -> dict[str, Any] | None:
        return self._customers.get(customer_id)

    def customer_by_source_id(self, source_id: str) -> dict[str, Any] | None:
        customer_id = self._customer_by_source.get(source_id)
        return None if customer_id is None else self._customers[customer_id]

    def save_customer(self, customer: dict[str, Any]) -> None:
        self._customers[customer["id"]] = customer
        if customer.get("source_id") is not None:
            self._customer_by_source[customer["source_id"]] = customer["id"]

    def customers(self) -> Mapping[str, dict[str, Any]]:
        return MappingProxyType(self._customers)

    def saved_actions(self) -> list[ImportAction]:
        return []

    def save_action(self, action: ImportAction, *, with_orders: bool = False) -> None:
        pass

    def saved_exports(self) -> list[ExportRecord]:
        return []

    def save_export(self, export: ExportRecord, file: bytes) -> None:
        self._files[export.id] = file

    def export_file(self, export_id: str) -> bytes | None:
        return self._files.get(export_id)

    def delete_export(self, export_id: str) -> None:
        self._files.pop(export_id, None)

    def saved_counters(self) -> tuple[int, int]:
        return 0, 0

    def save_counters(self, import_requests: int, imports_submitted_while_busy: int) -> None:
        pass

    def transaction(self) -> AbstractContextManager[None]:
        return contextlib.nullcontext()
