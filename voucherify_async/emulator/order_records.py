"""How a stored order looks: the spec's ``OrderCalculated`` built from what a client sent.

A stored order keeps the body it was created from; an update or an upsert merges the new fields into that
body and the calculated order is built again, so amounts and totals always agree with the items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

_ITEM_COPIED = ("source_id", "related_object", "product_id", "sku_id")
_ITEM_NUMBERS = ("discount_quantity", "initial_quantity", "initial_amount")


def _item_record(item: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {"object": "order_item"}
    for name in _ITEM_COPIED:
        if name in item:
            record[name] = item[name]
    quantity = item.get("quantity")
    if quantity is not None:
        record["quantity"] = quantity
    for name in _ITEM_NUMBERS:
        if name in item:
            record[name] = item[name]
    price = item.get("price")
    amount = item.get("amount")
    if amount is None and price is not None:
        amount = price * (quantity if quantity is not None else 1)
    discount = item.get("discount_amount", 0)
    if amount is not None:
        record["amount"] = amount
    if discount:
        record["discount_amount"] = discount
    if price is not None:
        record["price"] = price
    if amount is not None:
        record["subtotal_amount"] = amount - discount
    for name in ("product", "sku", "metadata"):
        if name in item:
            record[name] = item[name]
    return record


def _party_ref(party_id: str | None) -> dict[str, str] | None:
    return None if party_id is None else {"id": party_id, "object": "customer"}


def build_order(
    body: dict[str, Any],
    *,
    order_id: str,
    created_at: str,
    updated_at: str | None,
    customer_id: str | None,
    referrer_id: str | None,
) -> dict[str, Any]:
    """Build the stored order (``OrderCalculated`` with ``OrderCalculatedItem`` items) from its body.

    Args:
        body: the order as the client sent it (merged with earlier bodies of the same order).
        order_id: the order's ``ord_`` id.
        created_at: ISO time of creation (an import stamps the import time, whatever the body says).
        updated_at: ISO time of the last change, ``None`` for a new order.
        customer_id: the resolved customer, if any.
        referrer_id: the resolved referrer, if any.
    """
    items = [_item_record(item) for item in body.get("items") or ()]
    items_amount = sum(item.get("amount", 0) for item in items)
    amount = body.get("amount", items_amount)
    discount = body.get("discount_amount", 0)
    items_discount = sum(item.get("discount_amount", 0) for item in items)
    order: dict[str, Any] = {
        "id": order_id,
        "source_id": body.get("source_id"),
        "created_at": created_at,
        "updated_at": updated_at,
        "status": body.get("status", "CREATED"),
        "amount": amount,
    }
    if "initial_amount" in body:
        order["initial_amount"] = body["initial_amount"]
    if discount:
        order["discount_amount"] = discount
    if items_discount:
        order["items_discount_amount"] = items_discount
    if discount or items_discount:
        order["total_discount_amount"] = discount + items_discount
    order["total_amount"] = amount - discount - items_discount
    order["items"] = items
    order["metadata"] = body.get("metadata") or {}
    customer = _party_ref(customer_id)
    if customer is not None:
        order["customer"] = customer
    referrer = _party_ref(referrer_id)
    if referrer is not None:
        order["referrer"] = referrer
    order["customer_id"] = customer_id
    order["referrer_id"] = referrer_id
    order["object"] = "order"
    return order


def merge_bodies(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """An update: the fields given replace the stored ones; the rest stay."""
    merged = dict(old)
    merged.update(new)
    return merged


@dataclass(slots=True)
class StoredOrder:
    """One stored order as the emulator keeps it: the body it was built from, serialised, and the few fields
    that lookups and sorting need. The calculated order (:func:`build_order`) is built only when a route
    answers with it: a parsed order costs about four times the memory of its serialised body.

    Attributes:
        id: the order's ``ord_`` id.
        source_id: the order's ``source_id``, if any.
        created_at: ISO time of creation.
        updated_at: ISO time of the last change, ``None`` for a new order.
        touched: epoch seconds of the last change (the creation counts): ``updated_at`` sorting.
        change: the project's count of changes at the last change, which breaks ties of ``touched``.
        customer_id: the resolved customer, if any.
        referrer_id: the resolved referrer, if any.
        body: the body the order was built from, serialised (orjson).
    """

    id: str
    source_id: str | None
    created_at: str
    updated_at: str | None
    touched: float
    change: int
    customer_id: str | None
    referrer_id: str | None
    body: bytes

    @property
    def key(self) -> str:
        """What the project files the order under: its ``source_id``, or its ``id`` without one."""
        return self.source_id or self.id

    def parsed_body(self) -> dict[str, Any]:
        """The body, parsed."""
        body: dict[str, Any] = orjson.loads(self.body)
        return body

    def to_wire(self) -> dict[str, Any]:
        """The calculated order (``OrderCalculated``)."""
        return build_order(
            self.parsed_body(),
            order_id=self.id,
            created_at=self.created_at,
            updated_at=self.updated_at,
            customer_id=self.customer_id,
            referrer_id=self.referrer_id,
        )


def compact_json(data: Any) -> bytes:
    """``data`` serialised, in a buffer of its own size (orjson's output keeps a 4 KiB buffer)."""
    return memoryview(orjson.dumps(data)).tobytes()
