"""An export of orders as a project keeps it: its metadata, and its CSV file written when it is created.

The file is a snapshot: the orders as they were when the export was created, in the order asked for. It is
written at once (its rows come to at most the fields asked for) so that no copy of the orders is kept until
the download.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
from collections.abc import Iterable
from typing import Any

import orjson

from voucherify_async.emulator.export_filters import field_value, matches
from voucherify_async.emulator.order_records import StoredOrder
from voucherify_async.emulator.wire import iso_time

_STORED_FIELDS = frozenset({"id", "source_id", "created_at", "updated_at", "customer_id", "referrer_id"})
"""Fields of an order kept beside its body (:class:`StoredOrder`)."""
_BODY_FIELDS = frozenset({"status", "metadata"})
"""Fields of an order that its body gives as they are (see ``build_order``)."""


@dataclasses.dataclass
class ExportRecord:
    """One export of a project (its file is kept by the project's store)."""

    id: str
    created_at: float
    parameters: dict[str, Any] | None
    """The ``parameters`` as the client sent them (``None``: not sent), echoed as they are."""
    fields: list[str]
    """The columns of the file: the fields asked for, or the default fields."""
    token: str = dataclasses.field(repr=False)  # a secret of the download URL: never shown

    def status(self, now: float, delay: float) -> str:
        """The state at ``now``."""
        if now >= self.created_at + delay:
            return "DONE"
        if delay > 0 and now >= self.created_at + delay / 2:
            return "IN_PROGRESS"
        return "SCHEDULED"

    def to_wire(self, status: str, base_url: str) -> dict[str, Any]:
        """The ``Export`` object."""
        result = None
        if status == "DONE":
            result = {"url": f"{base_url}/download/v1/exports/{self.id}?token={self.token}"}
        wire: dict[str, Any] = {
            "id": self.id,
            "object": "export",
            "created_at": iso_time(self.created_at),
            "status": status,
            "channel": "API",
            "exported_object": "order",
        }
        if self.parameters is not None:
            wire["parameters"] = self.parameters
        wire["result"] = result
        # The spec types user_id a string in ExportScheduledBase but its examples send null.
        wire["user_id"] = None
        return wire


def header_of(field: str) -> str:
    """The CSV header of a field: ``source_id`` -> ``Source ID``."""
    if field.startswith("metadata."):
        return "Metadata " + field.split(".", 1)[1]
    return " ".join("ID" if word == "id" else word.capitalize() for word in field.split("_"))


def _cell(order: dict[str, Any], field: str) -> str:
    value = field_value(order, field)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    return str(value)


def render_csv(fields: list[str], orders: Iterable[dict[str, Any]]) -> str:
    """The CSV text of an export."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([header_of(field) for field in fields])
    for order in orders:
        writer.writerow([_cell(order, field) for field in fields])
    return out.getvalue()


def fields_of(fields: list[str], filters: dict[str, Any], order: str) -> frozenset[str]:
    """The fields of the orders that an export's columns, ``filters`` and ``order`` read."""
    named = [*fields, *(name for name in filters if name != "junction"), order.lstrip("-")]
    return frozenset(name.split(".", 1)[0] if name.startswith("metadata.") else name for name in named)


def export_record(order: StoredOrder, needed: frozenset[str]) -> dict[str, Any]:
    """The fields ``needed`` of an order (at least): the whole calculated order only when they need it.

    An export reads a few fields of every order; most are at hand without parsing the body or calculating
    the amounts, which would take most of the time of an export of many orders.
    """
    if not needed <= _STORED_FIELDS | _BODY_FIELDS:
        return order.to_wire()
    record: dict[str, Any] = {
        "id": order.id,
        "source_id": order.source_id,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "customer_id": order.customer_id,
        "referrer_id": order.referrer_id,
    }
    if needed & _BODY_FIELDS:
        body = order.parsed_body()
        record["status"] = body.get("status", "CREATED")
        record["metadata"] = body.get("metadata") or {}
    return record


EXPORT_STEP = 2000
"""Orders an export reads between two turns of the event loop: other requests are answered while the file
of a large export is written."""


async def export_file(
    orders: Iterable[StoredOrder], *, fields: list[str], filters: dict[str, Any], order: str, now: float
) -> bytes:
    """The CSV of the ``orders`` that pass ``filters`` at ``now``, sorted by ``order`` (``-`` descending).

    Ties keep the order in which ``orders`` come (the order of creation): a stable sort, reversed as a
    whole for a descending order. Every :data:`EXPORT_STEP` orders the event loop has a turn; orders that
    ``orders`` yields later are read later (the in-memory store gives the orders as they were when the
    export began, the SQLite store reads them as they are when it comes to them).
    """
    needed = fields_of(fields, filters, order)
    name = order.lstrip("-")
    ranked: list[tuple[str, list[str]]] = []
    for count, stored in enumerate(orders, start=1):
        record = export_record(stored, needed)
        if not filters or matches(record, filters, now):
            ranked.append((str(record.get(name) or ""), [_cell(record, field) for field in fields]))
        if count % EXPORT_STEP == 0:
            await asyncio.sleep(0)
    ranked.sort(key=lambda pair: pair[0])
    if order.startswith("-"):
        ranked.reverse()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([header_of(field) for field in fields])
    writer.writerows(row for _, row in ranked)
    return out.getvalue().encode()
