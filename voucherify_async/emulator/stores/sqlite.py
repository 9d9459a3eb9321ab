"""The persistent store: one project's data in the data directory's SQLite file (:mod:`.sqlite_file`).

Orders and customers are read from the file when asked for, so the emulator's memory does not grow with
them; async actions, exports and counters are written through, and read back when the emulator starts
again. An import still running when the emulator stopped keeps its orders in the file and goes on, after
the restart, on its schedule.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

import orjson

from voucherify_async.emulator.export_records import ExportRecord
from voucherify_async.emulator.import_actions import ImportAction
from voucherify_async.emulator.order_records import StoredOrder, compact_json
from voucherify_async.emulator.stores import ProjectStore
from voucherify_async.emulator.stores.sqlite_file import SQLiteFile

_ORDER_COLUMNS = "id, source_id, created_at, updated_at, touched, change, customer_id, referrer_id, body"
_SORTS = {
    "created_at": "created_at, seq",
    "-created_at": "created_at DESC, seq DESC",
    "updated_at": "touched, change",
    "-updated_at": "touched DESC, change DESC",
}
_CHUNK = 1000
"""Orders read at a time when walking through all of them."""


def _order(row: tuple[Any, ...]) -> StoredOrder:
    return StoredOrder(*row)


def _action_fields(action: ImportAction) -> bytes:
    return compact_json(
        {
            "id": action.id,
            "request_id": action.request_id,
            "created_at": action.created_at,
            "start": action.start,
            "end": action.end,
            "order_count": action.order_count,
            "delay": action.delay,
            "fail": action.fail,
            "result": action.result,
            "applied": action.applied,
            "failed": action.failed,
            "forgotten": action.forgotten,
        }
    )


class _Customers(Mapping[str, dict[str, Any]]):
    """The project's customers by id, read from the file."""

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store

    def __getitem__(self, customer_id: str) -> dict[str, Any]:
        customer = self._store.customer(customer_id)
        if customer is None:
            raise KeyError(customer_id)
        return customer

    def __iter__(self) -> Iterator[str]:
        query = "SELECT id FROM customers WHERE project = ? ORDER BY id"
        ids = [row[0] for row in self._store.file.connection.execute(query, (self._store.project,))]
        return iter(ids)

    def __len__(self) -> int:
        query = "SELECT COUNT(*) FROM customers WHERE project = ?"
        count: int = self._store.file.connection.execute(query, (self._store.project,)).fetchone()[0]
        return count


class SQLiteStore(ProjectStore):
    """The data of the project ``project`` (its app id) in ``file``."""

    def __init__(self, file: SQLiteFile, project: str) -> None:
        self.file = file
        self.project = project
        execute = file.connection.execute
        self._count: int = execute("SELECT COUNT(*) FROM orders WHERE project = ?", (project,)).fetchone()[0]
        last = execute("SELECT MAX(change) FROM orders WHERE project = ?", (project,)).fetchone()[0]
        self._changes: int = last or 0

    # -- orders ------------------------------------------------------------------------------------

    def order_count(self) -> int:
        return self._count

    def _one_order(self, column: str, value: str) -> StoredOrder | None:
        query = f"SELECT {_ORDER_COLUMNS} FROM orders WHERE project = ? AND {column} = ?"
        row = self.file.connection.execute(query, (self.project, value)).fetchone()
        return None if row is None else _order(row)

    def order_by_id(self, order_id: str) -> StoredOrder | None:
        return self._one_order("id", order_id)

    def order_by_key(self, key: str) -> StoredOrder | None:
        return self._one_order("key", key)

    def add_order(self, order: StoredOrder) -> None:
        self.file.connection.execute(
            "INSERT INTO orders (project, key, id, source_id, created_at, updated_at, touched, change, "
            "customer_id, referrer_id, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.project, order.key, *self._values(order)),
        )
        self._count += 1
        self._changes = max(self._changes, order.change)

    def replace_order(self, old: StoredOrder, new: StoredOrder) -> None:
        self.file.connection.execute(
            "UPDATE orders SET key = ?, id = ?, source_id = ?, created_at = ?, updated_at = ?, touched = ?, "
            "change = ?, customer_id = ?, referrer_id = ?, body = ? WHERE project = ? AND id = ?",
            (new.key, *self._values(new), self.project, old.id),
        )
        self._changes = max(self._changes, new.change)

    @staticmethod
    def _values(order: StoredOrder) -> tuple[Any, ...]:
        return (
            order.id,
            order.source_id,
            order.created_at,
            order.updated_at,
            order.touched,
            order.change,
            order.customer_id,
            order.referrer_id,
            order.body,
        )

    def orders_page(self, sort: str, offset: int, limit: int) -> list[StoredOrder]:
        query = (
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE project = ? ORDER BY {_SORTS[sort]} LIMIT ? OFFSET ?"
        )
        rows = self.file.connection.execute(query, (self.project, limit, offset)).fetchall()
        return [_order(row) for row in rows]

    def iter_orders(self) -> Iterator[StoredOrder]:
        # In chunks, each its own query: no statement stays open between two chunks.
        query = f"SELECT seq, {_ORDER_COLUMNS} FROM orders WHERE project = ? AND seq > ? ORDER BY seq LIMIT ?"
        after = 0
        while True:
            rows = self.file.connection.execute(query, (self.project, after, _CHUNK)).fetchall()
            for row in rows:
                yield _order(row[1:])
            if len(rows) < _CHUNK:
                return
            after = rows[-1][0]

    def last_change(self) -> int:
        return self._changes

    # -- customers ---------------------------------------------------------------------------------

    def _one_customer(self, where: str, value: str) -> dict[str, Any] | None:
        row = self.file.connection.execute(f"SELECT body FROM {where}", (self.project, value)).fetchone()
        if row is None:
            return None
        customer: dict[str, Any] = orjson.loads(row[0])
        return customer

    def customer(self, customer_id: str) -> dict[str, Any] | None:
        return self._one_customer("customers WHERE project = ? AND id = ?", customer_id)

    def customer_by_source_id(self, source_id: str) -> dict[str, Any] | None:
        # Named: on a table without statistics SQLite would rather scan the project's part of the primary key.
        where = "customers INDEXED BY customers_by_source_id WHERE project = ? AND source_id = ?"
        return self._one_customer(where, source_id)

    def save_customer(self, customer: dict[str, Any]) -> None:
        self.file.connection.execute(
            "INSERT INTO customers (project, id, source_id, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (project, id) DO UPDATE SET source_id = excluded.source_id, body = excluded.body",
            (self.project, customer["id"], customer.get("source_id"), compact_json(customer)),
        )

    def customers(self) -> Mapping[str, dict[str, Any]]:
        return _Customers(self)

    # -- async actions, exports, counters ----------------------------------------------------------

    def saved_actions(self) -> list[ImportAction]:
        query = "SELECT action, orders FROM async_actions WHERE project = ? ORDER BY seq"
        rows = self.file.connection.execute(query, (self.project,)).fetchall()
        return [
            ImportAction(**orjson.loads(fields), orders=None if orders is None else orjson.loads(orders))
            for fields, orders in rows
        ]

    def save_action(self, action: ImportAction, *, with_orders: bool = False) -> None:
        fields = _action_fields(action)
        if with_orders:
            orders = None if action.orders is None else compact_json(action.orders)
            self.file.connection.execute(
                "INSERT INTO async_actions (project, id, action, orders) VALUES (?, ?, ?, ?) ON CONFLICT "
                "(project, id) DO UPDATE SET action = excluded.action, orders = excluded.orders",
                (self.project, action.id, fields, orders),
            )
        else:
            self.file.connection.execute(
                "UPDATE async_actions SET action = ? WHERE project = ? AND id = ?",
                (fields, self.project, action.id),
            )

    def saved_exports(self) -> list[ExportRecord]:
        query = "SELECT export FROM exports WHERE project = ? ORDER BY seq"
        rows = self.file.connection.execute(query, (self.project,)).fetchall()
        return [ExportRecord(**orjson.loads(row[0])) for row in rows]

    def save_export(self, export: ExportRecord, file: bytes) -> None:
        fields = {
            "id": export.id,
            "created_at": export.created_at,
            "parameters": export.parameters,
            "fields": export.fields,
            "token": export.token,
        }
        self.file.connection.execute(
            "INSERT INTO exports (project, id, export, file) VALUES (?, ?, ?, ?)",
            (self.project, export.id, compact_json(fields), file),
        )

    def export_file(self, export_id: str) -> bytes | None:
        query = "SELECT file FROM exports WHERE project = ? AND id = ?"
        row = self.file.connection.execute(query, (self.project, export_id)).fetchone()
        return None if row is None else bytes(row[0])

    def delete_export(self, export_id: str) -> None:
        query = "DELETE FROM exports WHERE project = ? AND id = ?"
        self.file.connection.execute(query, (self.project, export_id))

    def saved_counters(self) -> tuple[int, int]:
        query = "SELECT import_requests, imports_submitted_while_busy FROM projects WHERE project = ?"
        row = self.file.connection.execute(query, (self.project,)).fetchone()
        return (0, 0) if row is None else (int(row[0]), int(row[1]))

    def save_counters(self, import_requests: int, imports_submitted_while_busy: int) -> None:
        self.file.connection.execute(
            "INSERT INTO projects (project, import_requests, imports_submitted_while_busy) VALUES (?, ?, ?) "
            "ON CONFLICT (project) DO UPDATE SET import_requests = excluded.import_requests, "
            "imports_submitted_while_busy = excluded.imports_submitted_while_busy",
            (self.project, import_requests, imports_submitted_while_busy),
        )

    def transaction(self) -> AbstractContextManager[None]:
        return self.file.transaction()
