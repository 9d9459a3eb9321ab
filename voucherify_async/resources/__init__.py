"""Typed, thin resources on top of the transport: orders, async actions, exports.

The client builds them (``client.orders``, ``client.async_actions``, ``client.exports``); this package also
names what their methods raise and the polling schedule ``wait`` takes.
"""

from __future__ import annotations

from voucherify_async._polling import DEFAULT_POLL_POLICY, PollPolicy, PollSchedule, WaitTimeout
from voucherify_async.resources._answers import UnexpectedAnswer
from voucherify_async.resources.async_actions import AsyncActionFailed, AsyncActions
from voucherify_async.resources.exports import EXPORT_POLL_POLICY, ExportFailed, Exports
from voucherify_async.resources.orders import MAX_IMPORT_ORDERS, MAX_PAGE, Orders, PageLimitReached

__all__ = [
    "DEFAULT_POLL_POLICY",
    "EXPORT_POLL_POLICY",
    "MAX_IMPORT_ORDERS",
    "MAX_PAGE",
    "AsyncActionFailed",
    "AsyncActions",
    "ExportFailed",
    "Exports",
    "Orders",
    "PageLimitReached",
    "PollPolicy",
    "PollSchedule",
    "UnexpectedAnswer",
    "WaitTimeout",
]
