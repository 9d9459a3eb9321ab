"""voucherify-async: an asyncio-native SDK for Voucherify's Orders, Async Actions and Exports API.

This module is the public API: every name a user needs is re-exported here once and listed in ``__all__``.
"""

from __future__ import annotations

from voucherify_async._clock import Clock, ManualClock, SystemClock
from voucherify_async._version import __version__

__all__ = [
    "Clock",
    "ManualClock",
    "SystemClock",
    "__version__",
]
