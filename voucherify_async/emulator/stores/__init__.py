"""Where a project's data is kept: the :class:`ProjectStore` interface and its two implementations.

- :class:`~voucherify_async.emulator.stores.memory.MemoryStore`, the default: everything in the process's
  memory, gone when it ends. Each order is kept as its serialised body and the few fields that lookups and
  sorting need (:class:`~voucherify_async.emulator.order_records.StoredOrder`), about a quarter of what the
  parsed order would take.
- :class:`~voucherify_async.emulator.stores.sqlite.SQLiteStore`, for ``Emulator(data_dir=...)``: one
  SQLite file in the data directory holds every project's orders, customers, async actions (with the orders
  of an import still running), exports with their files and the projects' counters. They survive a restart,
  and the memory the emulator needs does not grow with the orders.

The project's state (:class:`~voucherify_async.emulator.state.ProjectState`) keeps async actions and
exports' metadata in memory in both cases (a few per import or export) and writes them through the store;
orders and customers live in the store only. Every write of one request or one import step happens inside
one :meth:`ProjectStore.transaction`.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

from voucherify_async.emulator.export_records import ExportRecord
from voucherify_async.emulator.import_actions import ImportAction
from voucherify_async.emulator.order_records import StoredOrder

ORDER_SORTS = ("created_at", "-created_at", "updated_at", "-updated_at")
"""How orders can be listed (``ParameterOrderListOrders`` in ``orders.json``)."""


class ProjectStore(abc.ABC):
    """One project's orders, customers, async actions, exports and counters.

    Orders are listed in the same order by every implementation: by ``created_at`` with ties in the order
    of creation, or by the last change (``touched``, then ``change``); descending is the exact reverse.
    """

    # -- orders ------------------------------------------------------------------------------------

    @abc.abstractmethod
    def order_count(self) -> int:
        """How many orders are stored."""

    @abc.abstractmethod
    def order_by_id(self, order_id: str) -> StoredOrder | None:
        """The order with this ``ord_`` id."""

    @abc.abstractmethod
    def order_by_key(self, key: str) -> StoredOrder | None:
        """The order filed under ``key``: its ``source_id``, or its id when it has none."""

    @abc.abstractmethod
    def add_order(self, order: StoredOrder) -> None:
        """Store a new order."""

    @abc.abstractmethod
    def replace_order(self, old: StoredOrder, new: StoredOrder) -> None:
        """Store ``new`` in place of ``old`` (the same id; its ``source_id`` may have changed)."""

    @abc.abstractmethod
    def orders_page(self, sort: str, offset: int, limit: int) -> list[StoredOrder]:
        """``limit`` orders from ``offset`` on, sorted by ``sort`` (one of :data:`ORDER_SORTS`)."""

    @abc.abstractmethod
    def iter_orders(self) -> Iterator[StoredOrder]:
        """Every order, in the order of creation."""

    @abc.abstractmethod
    def last_change(self) -> int:
        """The highest ``change`` of a stored order (0 without orders)."""

    # -- customers ---------------------------------------------------------------------------------

    @abc.abstractmethod
    def customer(self, customer_id: str) -> dict[str, Any] | None:
        """The customer with this id."""

    @abc.abstractmethod
    def customer_by_source_id(self, source_id: str) -> dict[str, Any] | None:
        """The customer with this ``source_id``."""

    @abc.abstractmethod
    def save_customer(self, customer: dict[str, Any]) -> None:
        """Store a customer, new or changed."""

    @abc.abstractmethod
    def customers(self) -> Mapping[str, dict[str, Any]]:
        """Every customer by id (a read-only view)."""

    # -- async actions, exports, counters ----------------------------------------------------------

    @abc.abstractmethod
    def saved_actions(self) -> list[ImportAction]:
        """The async actions saved before, oldest first."""

    @abc.abstractmethod
    def save_action(self, action: ImportAction, *, with_orders: bool = False) -> None:
        """Save an async action, new or changed; with its orders still to import when ``with_orders``."""

    @abc.abstractmethod
    def saved_exports(self) -> list[ExportRecord]:
        """The exports saved before, oldest first."""

    @abc.abstractmethod
    def save_export(self, export: ExportRecord, file: bytes) -> None:
        """Save a new export with its CSV file."""

    @abc.abstractmethod
    def export_file(self, export_id: str) -> bytes | None:
        """The CSV file of an export."""

    @abc.abstractmethod
    def delete_export(self, export_id: str) -> None:
        """Delete an export and its file."""

    @abc.abstractmethod
    def saved_counters(self) -> tuple[int, int]:
        """``import_requests`` and ``imports_submitted_while_busy`` as saved before."""

    @abc.abstractmethod
    def save_counters(self, import_requests: int, imports_submitted_while_busy: int) -> None:
        """Save the project's counters."""

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """A block whose writes are kept all together or not at all (blocks may nest)."""
