"""attrs models of what the API sends and takes, and the one cattrs converter that (un)structures them.

Build models to send (``Order``, ``OrderItem``, ``Customer``...) or pass plain mappings in the API's wire
form; read what the API returns as models (``AsyncAction``, ``Export``, ``OrdersPage``...).
:func:`to_wire` and :func:`from_wire` convert between the two; :func:`json_default` lets orjson write models
and datetimes met inside plain mappings the same way, and :func:`to_json` serialises a request body with it
(the client uses it for every request body).
"""

from __future__ import annotations

from voucherify_async.models._converter import (
    JSON_OPTIONS,
    converter,
    from_wire,
    json_default,
    to_json,
    to_wire,
)
from voucherify_async.models._enums import (
    AsyncActionStatus,
    AsyncActionType,
    ExportStatus,
    OperationStatus,
    OrderStatus,
    RelatedObject,
)
from voucherify_async.models.async_actions import (
    AsyncAction,
    AsyncActionsPage,
    OrderFailure,
    OrdersImportResult,
)
from voucherify_async.models.errors import ErrorObject
from voucherify_async.models.exports import Export, ExportParameters, ExportResult
from voucherify_async.models.orders import (
    Customer,
    CustomerAddress,
    Order,
    OrderItem,
    OrderItemProduct,
    OrderItemSku,
    OrderRedemption,
    OrdersPage,
    Referrer,
)

__all__ = [
    "JSON_OPTIONS",
    "AsyncAction",
    "AsyncActionStatus",
    "AsyncActionType",
    "AsyncActionsPage",
    "Customer",
    "CustomerAddress",
    "ErrorObject",
    "Export",
    "ExportParameters",
    "ExportResult",
    "ExportStatus",
    "OperationStatus",
    "Order",
    "OrderFailure",
    "OrderItem",
    "OrderItemProduct",
    "OrderItemSku",
    "OrderRedemption",
    "OrderStatus",
    "OrdersImportResult",
    "OrdersPage",
    "Referrer",
    "RelatedObject",
    "converter",
    "from_wire",
    "json_default",
    "to_json",
    "to_wire",
]
