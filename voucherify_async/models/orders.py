"""Orders as the API takes and returns them (``orders.json``: ``Order``, ``OrderCalculated``, ``OrderItem``).

One class serves both sides of the wire. The request schemas (``OrdersCreateRequestBody``,
``OrdersImportCreateRequestBody``) are a subset of what the responses (``OrderCalculated``) carry, so a
fetched order can be changed and sent back as it is. Fields the server computes are marked "set by the
server" and are ``None`` on an order you build yourself.

Models are built with keyword arguments. Every field defaults to ``None``, which means "not set": it is
left out of the JSON the SDK sends, never sent as ``null``. Fields the server sends that this SDK does not
know are kept in ``extra`` and sent back on a round trip.

Example:
    >>> order = Order(source_id="o-1", status="PAID", amount=1000,
    ...               items=[OrderItem(source_id="sku-1", quantity=2, price=500)])
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import attrs

from voucherify_async.models._enums import OrderStatus, RelatedObject
from voucherify_async.models._repr import ShortRepr

__all__ = [
    "Customer",
    "CustomerAddress",
    "Order",
    "OrderItem",
    "OrderItemProduct",
    "OrderItemSku",
    "OrderRedemption",
    "OrdersPage",
    "Referrer",
]


@attrs.define(kw_only=True, repr=False)
class CustomerAddress(ShortRepr):
    """A customer's postal address (``CustomerBase.address``)."""

    city: str | None = None
    state: str | None = None
    line_1: str | None = None
    line_2: str | None = None
    country: str | None = None
    postal_code: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.define(kw_only=True, repr=False)
class Customer(ShortRepr):
    """The customer of an order.

    In a request, the full customer (``Customer`` in the spec): identified by ``id`` or ``source_id``, and
    upserted with the other fields. In a response the API sends only ``id`` and ``object`` (``CustomerId``).
    """

    id: str | None = None
    source_id: str | None = None
    name: str | None = None
    description: str | None = None
    email: str | None = None
    phone: str | None = None
    birthday: date | None = None
    birthdate: date | None = None
    address: CustomerAddress | None = None
    metadata: dict[str, Any] | None = None
    object: str | None = None
    """Set by the server: ``"customer"``."""
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.define(kw_only=True, repr=False)
class Referrer(Customer):
    """The customer who referred the order's customer (the spec's ``Referrer`` is a ``Customer``)."""


@attrs.define(kw_only=True, repr=False)
class OrderItemProduct(ShortRepr):
    """The product of an order item (``OrderItem.product``): upserted by ``source_id`` when sent."""

    id: str | None = None
    source_id: str | None = None
    override: bool | None = None
    name: str | None = None
    metadata: dict[str, Any] | None = None
    price: int | float | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.define(kw_only=True, repr=False)
class OrderItemSku(ShortRepr):
    """The SKU of an order item (``OrderItem.sku``): upserted by ``source_id`` when sent."""

    id: str | None = None
    source_id: str | None = None
    override: bool | None = None
    sku: str | None = None
    price: int | float | None = None
    metadata: dict[str, Any] | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.define(kw_only=True, repr=False)
class OrderItem(ShortRepr):
    """One line of an order (``OrderItem`` in requests, ``OrderCalculatedItem`` in responses).

    Amounts and prices are integers in the smallest currency unit (cents), as everywhere in the API.
    """

    id: str | None = None
    """Set by the server."""
    sku_id: str | None = None
    product_id: str | None = None
    related_object: RelatedObject | str | None = None
    source_id: str | None = None
    quantity: int | None = None
    discount_quantity: int | None = None
    initial_quantity: int | None = None
    amount: int | None = None
    discount_amount: int | None = None
    initial_amount: int | None = None
    price: int | None = None
    applied_discount_amount: int | None = None
    """Set by the server."""
    applied_discount_quantity: int | None = None
    """Set by the server."""
    applied_quantity: int | None = None
    """Set by the server."""
    applied_quantity_amount: int | None = None
    """Set by the server."""
    subtotal_amount: int | None = None
    """Set by the server."""
    product: OrderItemProduct | None = None
    sku: OrderItemSku | None = None
    metadata: dict[str, Any] | None = None
    object: str | None = None
    """Set by the server: ``"order_item"``."""
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.define(kw_only=True, repr=False)
class OrderRedemption(ShortRepr):
    """One entry of an order's ``redemptions`` map (``OrderRedemptionsEntry``), keyed by redemption id."""

    date: datetime | None = None
    rollback_id: str | None = None
    rollback_date: datetime | None = None
    related_object_type: str | None = None
    related_object_id: str | None = None
    related_object_parent_id: str | None = None
    stacked: list[str] | None = None
    rollback_stacked: list[str] | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.define(kw_only=True, repr=False)
class Order(ShortRepr):
    """An order, to send (create, update, import) or as the API returned it.

    Amounts are integers in the smallest currency unit. ``created_at`` may be set on an import to keep an
    order's historical date (the API otherwise stamps it with the import time). Datetimes without a time zone
    are taken as UTC.
    """

    id: str | None = None
    source_id: str | None = None
    status: OrderStatus | str | None = None
    amount: int | None = None
    initial_amount: int | None = None
    discount_amount: int | None = None
    items_discount_amount: int | None = None
    """Set by the server."""
    total_discount_amount: int | None = None
    """Set by the server."""
    total_amount: int | None = None
    """Set by the server."""
    applied_discount_amount: int | None = None
    """Set by the server."""
    items_applied_discount_amount: int | None = None
    """Set by the server."""
    total_applied_discount_amount: int | None = None
    """Set by the server."""
    items: list[OrderItem] | None = None
    metadata: dict[str, Any] | None = None
    customer: Customer | None = None
    customer_id: str | None = None
    """Set by the server (send ``customer`` to name the customer)."""
    referrer: Referrer | None = None
    referrer_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    """Set by the server."""
    redemptions: dict[str, OrderRedemption] | None = None
    """Set by the server."""
    object: str | None = None
    """Set by the server: ``"order"``."""
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen(repr=False)
class OrdersPage(ShortRepr):
    """One page of ``GET /v1/orders`` (``OrdersListResponseBody``).

    Attributes:
        orders: The orders of this page.
        total: How many orders the project holds in all (the API sends no ``has_more``: pagination stops when
            this many orders have been read).
    """

    orders: list[Order]
    total: int
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True, hash=False)
