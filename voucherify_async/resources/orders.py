"""The orders (``client.orders``) resource: ``/v1/orders``, ``/v1/orders/import``, ``/v1/orders/export``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from voucherify_async._checks import check_range
from voucherify_async._errors import InvalidArgumentError, VoucherifyError
from voucherify_async._timeout import Timeout
from voucherify_async.models import Export, Order, OrdersPage, to_json, to_wire
from voucherify_async.resources._answers import UnexpectedAnswer, read_answer
from voucherify_async.resources._paths import path_with_id

if TYPE_CHECKING:
    from voucherify_async._transport import Transport

__all__ = ["MAX_IMPORT_ORDERS", "MAX_PAGE", "OrderInput", "Orders", "PageLimitReached"]

OrderInput = Order | Mapping[str, Any]
"""An order as the SDK takes it: a :class:`~voucherify_async.Order` or a mapping in the API's wire form."""

MAX_IMPORT_ORDERS = 2000
"""The most orders one ``POST /v1/orders/import`` takes (orders.json, "Maximum count of orders in single
import": 2000, "we might decide to change it")."""

MAX_PAGE = 100
"""The highest ``page`` ``GET /v1/orders`` serves (``ParameterPage``: 1..100)."""

_ORDERS = "/v1/orders/"
_EMPTY_ARRAY = re.compile(rb"\[\s*\]")


class PageLimitReached(VoucherifyError):
    """``orders.iterate`` read the last page the API serves, but more orders exist.

    ``GET /v1/orders`` pages are numbered 1..100 (``ParameterPage``), so at most ``100 * limit`` orders
    (10,000 with ``limit=100``) can be listed. Read the project's orders with an export instead
    (``client.orders.export`` and ``client.exports.rows``).

    Attributes:
        listed: How many orders the iteration yielded.
        total: How many orders the API reported.
    """

    def __init__(self, listed: int, total: int) -> None:
        super().__init__(
            f"Listed {listed} of {total} orders: the API serves no page after page {MAX_PAGE}. "
            "Use client.orders.export() and client.exports.rows() to read every order."
        )
        self.listed = listed
        self.total = total

    def __reduce__(self) -> tuple[type[PageLimitReached], tuple[int, int]]:
        return (type(self), (self.listed, self.total))


class Orders:
    """Methods for orders (``client.orders``).

    Orders may be given as :class:`~voucherify_async.Order` models or as plain mappings in the API's wire
    form; answers come back as models.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def create(self, order: OrderInput, *, timeout: Timeout | float | None = None) -> Order:
        """Create an order (``POST /v1/orders``); the API updates the order with the same ``source_id``.

        Args:
            order: The order, a :class:`~voucherify_async.Order` or a mapping in the API's wire form.
            timeout: This call's timeout (seconds, or a :class:`~voucherify_async.Timeout`) instead of the
                client's.

        Raises:
            BadRequestError: the API refused the order (``details`` names the property path).
            InvalidArgumentError: the order is neither a model nor a mapping, or holds a value that is not
                JSON; nothing was sent.

        Example:
            >>> order = await client.orders.create({"source_id": "o-1", "status": "PAID", "amount": 1000})
        """
        answer = await self._transport.request("POST", "/v1/orders", json=to_wire(order), timeout=timeout)
        return read_answer(Order, answer, "POST /v1/orders")

    async def get(self, order_id: str, *, timeout: Timeout | float | None = None) -> Order:
        """Get an order by its Voucherify id (``ord_...``) or its ``source_id``.

        Args:
            order_id: The Voucherify id or the ``source_id`` of the order.
            timeout: This call's timeout (seconds, or a :class:`~voucherify_async.Timeout`) instead of the
                client's.

        Raises:
            NotFoundError: no such order.
        """
        answer = await self._transport.request("GET", path_with_id(_ORDERS, order_id), timeout=timeout)
        return read_answer(Order, answer, "GET /v1/orders/{id}")

    async def update(
        self,
        order_id: str,
        changes: OrderInput,
        *,
        timeout: Timeout | float | None = None,
    ) -> Order:
        """Change an order (``PUT /v1/orders/{id}``): only the fields given are changed.

        Args:
            order_id: The Voucherify id or the ``source_id`` of the order.
            changes: The fields to change, e.g. ``{"status": "FULFILLED"}`` or ``Order(status="FULFILLED")``.
            timeout: This call's timeout (seconds, or a :class:`~voucherify_async.Timeout`) instead of the
                client's.

        Raises:
            NotFoundError: no such order.
            InvalidArgumentError: an empty ``order_id``, or ``changes`` that cannot be sent as JSON.
        """
        path = path_with_id(_ORDERS, order_id)
        answer = await self._transport.request("PUT", path, json=to_wire(changes), timeout=timeout)
        return read_answer(Order, answer, "PUT /v1/orders/{id}")

    async def list(
        self,
        *,
        limit: int | None = None,
        page: int | None = None,
        order: str | None = None,
        timeout: Timeout | float | None = None,
    ) -> OrdersPage:
        """One page of the project's orders (``GET /v1/orders``).

        Args:
            limit: Orders per page, 1..100 (the API's default is 10).
            page: The page, 1..100.
            order: ``created_at``, ``-created_at`` (the default: newest first), ``updated_at`` or
                ``-updated_at``.
            timeout: This call's timeout (seconds, or a :class:`~voucherify_async.Timeout`) instead of the
                client's.

        Raises:
            InvalidArgumentError: ``limit`` or ``page`` is out of the API's range (checked before sending).
        """
        check_range("limit", limit, 100)
        check_range("page", page, MAX_PAGE)
        params = {
            name: value for name, value in (("limit", limit), ("page", page), ("order", order)) if value
        }
        answer = await self._transport.request("GET", "/v1/orders", params=params, timeout=timeout)
        return read_answer(OrdersPage, answer, "GET /v1/orders")

    async def iterate(
        self,
        *,
        limit: int = 100,
        order: str | None = None,
        timeout: Timeout | float | None = None,
    ) -> AsyncIterator[Order]:
        """Every order of the project, page after page.

        Stops once ``total`` orders (as the latest page reports it) were yielded, or at an empty page. Pages
        are numbered, so orders created during the walk shift them: with the default newest-first order an
        order may then come twice; ``order="created_at"`` (oldest first) keeps the walk stable.

        Args:
            limit: Orders per request, 1..100.
            order: The sort order, as in :meth:`list`.
            timeout: The timeout of each page's request instead of the client's.

        Raises:
            PageLimitReached: after yielding the orders of page 100, when the API reports more orders than
                100 pages hold; the API serves no further page (use an export to read them all).

        Example:
            >>> async for order in client.orders.iterate():
            ...     print(order.source_id)
        """
        listed = 0
        for page_number in range(1, MAX_PAGE + 1):
            page = await self.list(limit=limit, page=page_number, order=order, timeout=timeout)
            for item in page.orders:
                yield item
            listed += len(page.orders)
            if listed >= page.total or not page.orders:
                return
        raise PageLimitReached(listed, page.total)

    async def import_orders(
        self,
        orders: Sequence[OrderInput] | bytes,
        *,
        max_orders: int = MAX_IMPORT_ORDERS,
        timeout: Timeout | float | None = None,
    ) -> str:
        """Send one import request of up to 2000 orders (``POST /v1/orders/import``).

        The import runs on the server as an ``ORDERS.IMPORT`` async action; wait for it with
        ``client.async_actions.wait``. The project runs one import at a time and queues the others. To import
        more orders than one request takes, use :class:`~voucherify_async.ImportBatcher`.

        The request is never resent automatically once it may have reached the server: a connection lost
        after sending raises :class:`~voucherify_async.APIConnectionError` with ``request_sent=True``, and the
        import may or may not have been accepted (look for it with ``client.async_actions.list``). A call
        cancelled while its request is in flight leaves the same doubt.

        Args:
            orders: The orders (models or mappings), or ``bytes`` holding them already serialised as one JSON
                array (sent as they are: the caller vouches for the count).
            max_orders: The API's limit per request.
            timeout: This call's timeout instead of the client's. An import answered after it raises
                :class:`~voucherify_async.APITimeoutError` with ``request_sent=True`` and is not resent.

        Returns:
            The id of the async action (``aa_...``).

        Raises:
            InvalidArgumentError: no orders, more than ``max_orders``, ``bytes`` that are not a JSON array, or
                an order that cannot be written as JSON; nothing was sent.
            BadRequestError: the server refused the whole request (one invalid order fails it all; the error's
                ``details`` names the property path inside an order, not which order).

        Example:
            >>> action_id = await client.orders.import_orders([{"source_id": "o-1", "amount": 1000}])
            >>> action = await client.async_actions.wait(action_id)
            >>> action.result.failed  # [OrderFailure(source_id=..., reason=...)] for orders it refused
        """
        if isinstance(orders, (bytes, bytearray, memoryview)):
            content = bytes(orders)
            stripped = content.strip()
            if not (stripped.startswith(b"[") and stripped.endswith(b"]")):
                raise InvalidArgumentError("pre-serialised orders must be one JSON array")
            if _EMPTY_ARRAY.fullmatch(stripped):  # looks no further than the first order's first byte
                raise InvalidArgumentError("no orders to import: the JSON array is empty")
        else:
            if not orders:
                raise InvalidArgumentError("no orders to import")
            if len(orders) > max_orders:
                raise InvalidArgumentError(
                    f"{len(orders)} orders in one import request; the API takes at most {max_orders} "
                    "(split them, or let ImportBatcher do it)"
                )
            wire = [to_wire(order) for order in orders]
            content = to_json(wire)
        answer = await self._transport.request("POST", "/v1/orders/import", content=content, timeout=timeout)
        action_id = answer.get("async_action_id") if isinstance(answer, dict) else None
        if not isinstance(action_id, str):
            raise UnexpectedAnswer("The answer to POST /v1/orders/import has no async_action_id.")
        return action_id

    async def export(
        self,
        *,
        fields: Sequence[str] | None = None,
        filters: Mapping[str, Any] | None = None,
        order: str | None = None,
        timeout: Timeout | float | None = None,
    ) -> Export:
        """Start an export of the project's orders as CSV (``POST /v1/orders/export``).

        Read it with ``client.exports.rows(export.id)`` (which waits until it is ready).

        Args:
            fields: The columns, e.g. ``["id", "source_id", "status", "metadata.channel"]``
                (``ExportOrderFields``).
            filters: Which orders, e.g. ``{"junction": "and", "status": {"conditions": {"$in": ["PAID"]}}}``.
            order: The sort order: ``created_at``, ``updated_at`` or ``status``, ``-`` first for descending.
            timeout: This call's timeout (seconds, or a :class:`~voucherify_async.Timeout`) instead of the
                client's.

        Returns:
            The export, ``SCHEDULED``.

        Example:
            >>> export = await client.orders.export(
            ...     fields=["source_id", "status", "amount"],
            ...     filters={"junction": "and", "status": {"conditions": {"$in": ["PAID"]}}},
            ... )
            >>> async for row in client.exports.rows(export):
            ...     print(row)
        """
        parameters: dict[str, Any] = {}
        if order is not None:
            parameters["order"] = order
        if fields is not None:
            parameters["fields"] = list(fields)
        if filters is not None:
            parameters["filters"] = dict(filters)
        body = {"parameters": parameters}
        answer = await self._transport.request("POST", "/v1/orders/export", json=body, timeout=timeout)
        return read_answer(Export, answer, "POST /v1/orders/export")
