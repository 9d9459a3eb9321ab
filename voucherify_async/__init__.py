"""voucherify-async: an asyncio-native SDK for Voucherify's Orders, Async Actions and Exports API.

This module is the public API: every name a user needs is re-exported here once and listed in ``__all__``.
"""

from __future__ import annotations

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
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    VoucherifyError,
)
from voucherify_async._rate_limit import RateLimitInfo
from voucherify_async._transport import DEFAULT_MAX_RETRIES, RetryPolicy, Timeout
from voucherify_async._version import __version__
from voucherify_async.importing.progress import (
    BatchFinished,
    BatchPolled,
    BatchPrepared,
    BatchRefused,
    BatchSubmitted,
    ImportFinished,
    ImportProgress,
    OrdersRejected,
    ProgressCallback,
    ProgressEvent,
    RateLimitWait,
    WaitingForOtherImport,
)
from voucherify_async.importing.report import BatchResult, ImportReport, OrderFailure

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AppKeys",
    "AsyncVoucherify",
    "AuthenticationError",
    "BadRequestError",
    "BatchFinished",
    "BatchPolled",
    "BatchPrepared",
    "BatchRefused",
    "BatchResult",
    "BatchSubmitted",
    "BearerToken",
    "Clock",
    "ConflictError",
    "ImportFinished",
    "ImportProgress",
    "ImportReport",
    "ManualClock",
    "NotFoundError",
    "OAuthCredentials",
    "OrderFailure",
    "OrdersRejected",
    "PermissionDeniedError",
    "ProgressCallback",
    "ProgressEvent",
    "RateLimitError",
    "RateLimitInfo",
    "RateLimitWait",
    "RetryPolicy",
    "ServerError",
    "SystemClock",
    "Timeout",
    "VoucherifyError",
    "WaitingForOtherImport",
    "__version__",
]
