"""voucherify-async: an asyncio-native SDK for Voucherify's Orders, Async Actions and Exports API.

This module is the public API: every name a user needs is re-exported here once and listed in ``__all__``.

The names are loaded when first used, not when the package is imported: ``import voucherify_async`` costs a
few milliseconds, and a program that never makes a request (``voucherify-async --help``, a dry run, a script
that only reads and validates orders) never loads aiohttp. Type checkers and IDEs see every name through the
imports under ``TYPE_CHECKING``; at run time :func:`__getattr__` imports a name's module on first access
(``_ORIGINS`` says which) and keeps the name in this module, so later accesses cost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from voucherify_async._logging import log_from_environment
from voucherify_async._version import __version__

if TYPE_CHECKING:
    from voucherify_async._auth import AppKeys, BearerToken, OAuthCredentials
    from voucherify_async._client import AsyncVoucherify
    from voucherify_async._clock import Clock, ManualClock, SystemClock
    from voucherify_async._errors import (
        APIConnectionError,
        APIError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        InvalidArgumentError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ServerError,
        VoucherifyError,
    )
    from voucherify_async._polling import PollPolicy
    from voucherify_async._rate_limit import DEFAULT_MAX_RETRIES, RateLimitInfo, RetryPolicy
    from voucherify_async._raw_response import RawResponse
    from voucherify_async._request_events import EventHook, EventHooks, RequestEvent
    from voucherify_async._timeout import Timeout
    from voucherify_async.importing.batcher import ImportBatcher, ImportRun
    from voucherify_async.importing.errors import (
        BatcherError,
        BatchTimeoutError,
        CheckpointError,
        ImportInterruptedError,
        SourceChangedError,
        SourceError,
    )
    from voucherify_async.importing.polling import ImportPollPolicy
    from voucherify_async.importing.progress import (
        ActionSetAside,
        ActionVanished,
        BatchFinished,
        BatchPolled,
        BatchPrepared,
        BatchRefused,
        BatchSubmitted,
        DatesReplaced,
        ImportFinished,
        ImportProgress,
        InFlightAction,
        OrdersRejected,
        ProgressCallback,
        ProgressEvent,
        RateLimitWait,
        WaitingForOtherImport,
    )
    from voucherify_async.importing.report import (
        BatchResult,
        DryRunReport,
        DuplicateRecord,
        ImportReport,
        OrderFailure,
    )
    from voucherify_async.importing.sources import (
        MalformedRecord,
        read_csv,
        read_json_array,
        read_jsonl,
        read_orders,
    )
    from voucherify_async.mapping import MappedOrders, MappingError, OrderMapping, mapped
    from voucherify_async.models import (
        AsyncAction,
        AsyncActionsPage,
        AsyncActionStatus,
        AsyncActionType,
        Customer,
        CustomerAddress,
        ErrorObject,
        Export,
        ExportParameters,
        ExportResult,
        ExportStatus,
        OperationStatus,
        Order,
        OrderItem,
        OrderItemProduct,
        OrderItemSku,
        OrderRedemption,
        OrdersImportResult,
        OrdersPage,
        OrderStatus,
        Referrer,
        RelatedObject,
    )
    from voucherify_async.resources import (
        AsyncActionFailed,
        ExportFailed,
        PageLimitReached,
        UnexpectedAnswer,
        WaitTimeout,
    )

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "ActionSetAside",
    "ActionVanished",
    "AppKeys",
    "AsyncAction",
    "AsyncActionFailed",
    "AsyncActionStatus",
    "AsyncActionType",
    "AsyncActionsPage",
    "AsyncVoucherify",
    "AuthenticationError",
    "BadRequestError",
    "BatchFinished",
    "BatchPolled",
    "BatchPrepared",
    "BatchRefused",
    "BatchResult",
    "BatchSubmitted",
    "BatchTimeoutError",
    "BatcherError",
    "BearerToken",
    "CheckpointError",
    "Clock",
    "ConflictError",
    "Customer",
    "CustomerAddress",
    "DatesReplaced",
    "DryRunReport",
    "DuplicateRecord",
    "ErrorObject",
    "EventHook",
    "EventHooks",
    "Export",
    "ExportFailed",
    "ExportParameters",
    "ExportResult",
    "ExportStatus",
    "ImportBatcher",
    "ImportFinished",
    "ImportInterruptedError",
    "ImportPollPolicy",
    "ImportProgress",
    "ImportReport",
    "ImportRun",
    "InFlightAction",
    "InvalidArgumentError",
    "MalformedRecord",
    "ManualClock",
    "MappedOrders",
    "MappingError",
    "NotFoundError",
    "OAuthCredentials",
    "OperationStatus",
    "Order",
    "OrderFailure",
    "OrderItem",
    "OrderItemProduct",
    "OrderItemSku",
    "OrderMapping",
    "OrderRedemption",
    "OrderStatus",
    "OrdersImportResult",
    "OrdersPage",
    "OrdersRejected",
    "PageLimitReached",
    "PermissionDeniedError",
    "PollPolicy",
    "ProgressCallback",
    "ProgressEvent",
    "RateLimitError",
    "RateLimitInfo",
    "RateLimitWait",
    "RawResponse",
    "Referrer",
    "RelatedObject",
    "RequestEvent",
    "RetryPolicy",
    "ServerError",
    "SourceChangedError",
    "SourceError",
    "SystemClock",
    "Timeout",
    "UnexpectedAnswer",
    "VoucherifyError",
    "WaitTimeout",
    "WaitingForOtherImport",
    "__version__",
    "mapped",
    "read_csv",
    "read_json_array",
    "read_jsonl",
    "read_orders",
]

_ORIGINS: dict[str, tuple[str, ...]] = {
    "voucherify_async._auth": ("AppKeys", "BearerToken", "OAuthCredentials"),
    "voucherify_async._client": ("AsyncVoucherify",),
    "voucherify_async._clock": ("Clock", "ManualClock", "SystemClock"),
    "voucherify_async._errors": (
        "APIConnectionError",
        "APIError",
        "APITimeoutError",
        "AuthenticationError",
        "BadRequestError",
        "ConflictError",
        "InvalidArgumentError",
        "NotFoundError",
        "PermissionDeniedError",
        "RateLimitError",
        "ServerError",
        "VoucherifyError",
    ),
    "voucherify_async._polling": ("PollPolicy",),
    "voucherify_async._rate_limit": ("DEFAULT_MAX_RETRIES", "RateLimitInfo", "RetryPolicy"),
    "voucherify_async._raw_response": ("RawResponse",),
    "voucherify_async._request_events": ("EventHook", "EventHooks", "RequestEvent"),
    "voucherify_async._timeout": ("Timeout",),
    "voucherify_async.importing.batcher": ("ImportBatcher", "ImportRun"),
    "voucherify_async.importing.errors": (
        "BatcherError",
        "BatchTimeoutError",
        "CheckpointError",
        "ImportInterruptedError",
        "SourceChangedError",
        "SourceError",
    ),
    "voucherify_async.importing.polling": ("ImportPollPolicy",),
    "voucherify_async.mapping": ("MappedOrders", "MappingError", "OrderMapping", "mapped"),
    "voucherify_async.importing.progress": (
        "ActionSetAside",
        "ActionVanished",
        "BatchFinished",
        "BatchPolled",
        "BatchPrepared",
        "BatchRefused",
        "BatchSubmitted",
        "DatesReplaced",
        "ImportFinished",
        "ImportProgress",
        "InFlightAction",
        "OrdersRejected",
        "ProgressCallback",
        "ProgressEvent",
        "RateLimitWait",
        "WaitingForOtherImport",
    ),
    "voucherify_async.importing.report": (
        "BatchResult",
        "DryRunReport",
        "DuplicateRecord",
        "ImportReport",
        "OrderFailure",
    ),
    "voucherify_async.importing.sources": (
        "MalformedRecord",
        "read_csv",
        "read_json_array",
        "read_jsonl",
        "read_orders",
    ),
    "voucherify_async.models": (
        "AsyncAction",
        "AsyncActionsPage",
        "AsyncActionStatus",
        "AsyncActionType",
        "Customer",
        "CustomerAddress",
        "ErrorObject",
        "Export",
        "ExportParameters",
        "ExportResult",
        "ExportStatus",
        "OperationStatus",
        "Order",
        "OrderItem",
        "OrderItemProduct",
        "OrderItemSku",
        "OrderRedemption",
        "OrdersImportResult",
        "OrdersPage",
        "OrderStatus",
        "Referrer",
        "RelatedObject",
    ),
    "voucherify_async.resources": (
        "AsyncActionFailed",
        "ExportFailed",
        "PageLimitReached",
        "UnexpectedAnswer",
        "WaitTimeout",
    ),
}
"""The module each public name lives in (the imports under ``TYPE_CHECKING`` name the same, for checkers)."""

_MODULE_OF = {name: module for module, names in _ORIGINS.items() for name in names}

if not TYPE_CHECKING:  # a module __getattr__ seen by mypy would make every misspelt name an ``Any``

    def __getattr__(name: str) -> Any:
        """Import a public name's module on its first access (PEP 562) and keep the name here."""
        module = _MODULE_OF.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    """The public names, loaded or not, and whatever else the module holds."""
    return sorted(set(globals()) | set(__all__))


log_from_environment()  # VOUCHERIFY_LOG=debug|info: a stderr handler, read once, at import (see _logging)
