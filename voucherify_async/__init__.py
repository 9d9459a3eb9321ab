"""voucherify-async: an asyncio-native SDK for Voucherify's Orders, Async Actions and Exports API.

This module is the public API: every name a user needs is re-exported here once and listed in ``__all__``.
"""

from __future__ import annotations

from voucherify_async._clock import Clock, ManualClock, SystemClock
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
    "BatchFinished",
    "BatchPolled",
    "BatchPrepared",
    "BatchRefused",
    "BatchResult",
    "BatchSubmitted",
    "Clock",
    "ImportFinished",
    "ImportProgress",
    "ImportReport",
    "ManualClock",
    "OrderFailure",
    "OrdersRejected",
    "ProgressCallback",
    "ProgressEvent",
    "RateLimitWait",
    "SystemClock",
    "WaitingForOtherImport",
    "__version__",
]
