"""The API's enumerations, as ``str`` enums that tolerate values this SDK does not know yet.

A model field typed ``OrderStatus | str`` holds an :class:`OrderStatus` member when the server sends a value
listed in the spec, and the raw string otherwise: the API adds values over time (``AsyncActionBase.type`` grew
from a handful to 22 entries), and a new one must not break a client that only reads it. Members compare equal
to their strings, so ``order.status == "PAID"`` works either way.
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "AsyncActionStatus",
    "AsyncActionType",
    "ExportStatus",
    "OperationStatus",
    "OrderStatus",
    "RelatedObject",
]


class _WireEnum(str, Enum):
    """A ``str`` enum whose ``str()`` is its wire value (as ``enum.StrEnum`` does on Python 3.11+)."""

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


class OrderStatus(_WireEnum):
    """``status`` of an order (``OrderBase.status`` in the spec)."""

    CREATED = "CREATED"
    PAID = "PAID"
    CANCELED = "CANCELED"
    FULFILLED = "FULFILLED"


class RelatedObject(_WireEnum):
    """What an order item refers to (``OrderItem.related_object``)."""

    PRODUCT = "product"
    SKU = "sku"


class AsyncActionStatus(_WireEnum):
    """``status`` of an async action: ``ENQUEUED`` -> ``IN_PROGRESS`` -> ``DONE`` or ``FAILED``."""

    ENQUEUED = "ENQUEUED"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    FAILED = "FAILED"


class OperationStatus(_WireEnum):
    """``operation_status`` of an async action."""

    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"


class AsyncActionType(_WireEnum):
    """``type`` of an async action (``AsyncActionBase.type``); this SDK starts ``ORDERS.IMPORT`` actions."""

    CAMPAIGN_VOUCHERS_IMPORT = "CAMPAIGN.VOUCHERS_IMPORT"
    CAMPAIGN_VOUCHERS_IMPORT_CSV = "CAMPAIGN.VOUCHERS_IMPORT_CSV"
    CAMPAIGN_VOUCHERS_UPDATE = "CAMPAIGN.VOUCHERS_UPDATE"
    CAMPAIGN_VOUCHERS_DELETE = "CAMPAIGN.VOUCHERS_DELETE"
    CAMPAIGN_VOUCHERS_GENERATE = "CAMPAIGN.VOUCHERS_GENERATE"
    CAMPAIGNS_METADATA_KEY_PURGE = "CAMPAIGNS.METADATA_KEY_PURGE"
    CUSTOMERS_IMPORT_CSV = "CUSTOMERS.IMPORT_CSV"
    CUSTOMERS_BULK_UPDATE = "CUSTOMERS.BULK_UPDATE"
    CUSTOMERS_METADATA_UPDATE = "CUSTOMERS.METADATA_UPDATE"
    CUSTOMERS_METADATA_KEY_PURGE = "CUSTOMERS.METADATA_KEY_PURGE"
    PRODUCTS_BULK_UPDATE = "PRODUCTS.BULK_UPDATE"
    PRODUCTS_METADATA_UPDATE = "PRODUCTS.METADATA_UPDATE"
    PRODUCTS_METADATA_KEY_PURGE = "PRODUCTS.METADATA_KEY_PURGE"
    PRODUCTS_IMPORT_CSV = "PRODUCTS.IMPORT_CSV"
    SKUS_IMPORT_CSV = "SKUS.IMPORT_CSV"
    VOUCHERS_IMPORT = "VOUCHERS.IMPORT"
    VOUCHERS_IMPORT_CSV = "VOUCHERS.IMPORT_CSV"
    VOUCHERS_BULK_UPDATE = "VOUCHERS.BULK_UPDATE"
    VOUCHERS_METADATA_UPDATE = "VOUCHERS.METADATA_UPDATE"
    VOUCHERS_METADATA_KEY_PURGE = "VOUCHERS.METADATA_KEY_PURGE"
    ORDERS_IMPORT = "ORDERS.IMPORT"
    ORDERS_METADATA_KEY_PURGE = "ORDERS.METADATA_KEY_PURGE"


class ExportStatus(_WireEnum):
    """``status`` of an export: ``SCHEDULED`` -> ``IN_PROGRESS`` -> ``DONE`` or ``ERROR``."""

    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    ERROR = "ERROR"
