"""``client.with_raw_response``: every resource method that makes one call, returning a raw response.

Each method takes the arguments of the resource method of the same name and returns
``vf.RawResponse[...]`` around what that method returns (see ``_raw_response``). Methods that make many
calls (``iterate``, ``rows``, ``download``) have no raw form; ``wait`` gives the answer of its last poll.
"""

from __future__ import annotations

from voucherify_async._raw_response import with_raw_response
from voucherify_async.resources.async_actions import AsyncActions
from voucherify_async.resources.exports import Exports
from voucherify_async.resources.orders import Orders

__all__ = [
    "AsyncActionsWithRawResponse",
    "ExportsWithRawResponse",
    "OrdersWithRawResponse",
    "WithRawResponse",
]


class OrdersWithRawResponse:
    """``client.with_raw_response.orders``: create, get, update, list, import_orders, export."""

    def __init__(self, orders: Orders) -> None:
        self.create = with_raw_response(orders.create)
        """``orders.create``, returning ``RawResponse[Order]``."""
        self.get = with_raw_response(orders.get)
        """``orders.get``, returning ``RawResponse[Order]``."""
        self.update = with_raw_response(orders.update)
        """``orders.update``, returning ``RawResponse[Order]``."""
        self.list = with_raw_response(orders.list)
        """``orders.list``, returning ``RawResponse[OrdersPage]``."""
        self.import_orders = with_raw_response(orders.import_orders)
        """``orders.import_orders``, returning ``RawResponse[str]`` (the async action id)."""
        self.export = with_raw_response(orders.export)
        """``orders.export``, returning ``RawResponse[Export]``."""


class AsyncActionsWithRawResponse:
    """``client.with_raw_response.async_actions``: get, list, wait."""

    def __init__(self, async_actions: AsyncActions) -> None:
        self.get = with_raw_response(async_actions.get)
        """``async_actions.get``, returning ``RawResponse[AsyncAction]``."""
        self.list = with_raw_response(async_actions.list)
        """``async_actions.list``, returning ``RawResponse[AsyncActionsPage]``."""
        self.wait = with_raw_response(async_actions.wait)
        """``async_actions.wait``, returning ``RawResponse[AsyncAction]`` of its last poll."""


class ExportsWithRawResponse:
    """``client.with_raw_response.exports``: get, wait."""

    def __init__(self, exports: Exports) -> None:
        self.get = with_raw_response(exports.get)
        """``exports.get``, returning ``RawResponse[Export]``."""
        self.wait = with_raw_response(exports.wait)
        """``exports.wait``, returning ``RawResponse[Export]`` of its last poll."""


class WithRawResponse:
    """``client.with_raw_response``: the client's resources, each call returning a raw response."""

    def __init__(self, orders: Orders, async_actions: AsyncActions, exports: Exports) -> None:
        self.orders = OrdersWithRawResponse(orders)
        """Orders: create, get, update, list, import_orders, export."""
        self.async_actions = AsyncActionsWithRawResponse(async_actions)
        """Async actions: get, list, wait."""
        self.exports = ExportsWithRawResponse(exports)
        """Exports: get, wait."""
