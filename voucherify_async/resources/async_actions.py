"""The async actions (``client.async_actions``) resource: ``/v1/async-actions``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from voucherify_async._checks import check_range, check_wait_timeout
from voucherify_async._errors import VoucherifyError
from voucherify_async._polling import DEFAULT_POLL_POLICY, PollPolicy, WaitTimeout, poll_until_finished
from voucherify_async._timeout import Timeout
from voucherify_async.models import AsyncAction, AsyncActionsPage, OrdersImportResult, converter
from voucherify_async.resources._answers import read_answer
from voucherify_async.resources._paths import path_with_id

if TYPE_CHECKING:
    from voucherify_async._transport import Transport

__all__ = ["AsyncActionFailed", "AsyncActions", "OnPoll", "WaitTimeout"]

OnPoll = Callable[[AsyncAction], "Awaitable[object] | object"]
"""Called with each polled action (a coroutine function is awaited): progress display, logging."""

_ASYNC_ACTIONS = "/v1/async-actions/"
_ONE_MILLISECOND = timedelta(milliseconds=1)


class AsyncActionFailed(VoucherifyError):
    """An async action ended ``FAILED`` (raised by ``wait`` unless ``raise_on_failure=False``).

    Attributes:
        action: The failed action, with its ``result`` if the API gave one.
    """

    def __init__(self, action: AsyncAction) -> None:
        super().__init__(_failure_sentence(action))
        self.action = action

    def __reduce__(self) -> tuple[type[AsyncActionFailed], tuple[AsyncAction]]:
        return (type(self), (self.action,))


def _failure_sentence(action: AsyncAction) -> str:
    result = action.result
    message = result.message if isinstance(result, OrdersImportResult) else None
    if isinstance(result, dict) and isinstance(result.get("message"), str):
        message = result["message"]
    sentence = f"Async action {action.id} ({action.type}) FAILED"
    if message:
        sentence += f": {message.rstrip('.')}"
    if action.request_id:
        sentence += f" [request id {action.request_id}]"
    return sentence + ". Its result (error.action.result) says what the server did before it failed."


class AsyncActions:
    """Methods for async actions (``client.async_actions``)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def get(self, action_id: str, *, timeout: Timeout | float | None = None) -> AsyncAction:
        """Get an async action, with its ``result`` once it finished.

        Args:
            action_id: The action id (``aa_...``).
            timeout: This call's timeout (seconds, or a :class:`~voucherify_async.Timeout`) instead of the
                client's.

        Raises:
            NotFoundError: no such action.
        """
        path = path_with_id(_ASYNC_ACTIONS, action_id)
        answer = await self._transport.request("GET", path, timeout=timeout)
        return read_answer(AsyncAction, answer, "GET /v1/async-actions/{id}")

    async def list(
        self,
        *,
        limit: int | None = None,
        end_date: datetime | str | None = None,
        timeout: Timeout | float | None = None,
    ) -> AsyncActionsPage:
        """One page of the project's async actions, newest first (``GET /v1/async-actions``).

        Listed actions carry no ``result``: get one by id for it.

        Args:
            limit: Actions per page, 1..100 (the API's default is 10).
            end_date: Only actions created before this time (a datetime, or an ISO 8601 string).
            timeout: This call's timeout (seconds, or a :class:`~voucherify_async.Timeout`) instead of the
                client's.

        Raises:
            InvalidArgumentError: ``limit`` is out of 1..100 (checked before sending).
        """
        check_range("limit", limit, 100)
        params: dict[str, object] = {}
        if limit is not None:
            params["limit"] = limit
        if end_date is not None:
            params["end_date"] = end_date if isinstance(end_date, str) else converter.unstructure(end_date)
        answer = await self._transport.request("GET", "/v1/async-actions", params=params, timeout=timeout)
        return read_answer(AsyncActionsPage, answer, "GET /v1/async-actions")

    async def iterate(
        self,
        *,
        limit: int = 100,
        end_date: datetime | str | None = None,
        timeout: Timeout | float | None = None,
    ) -> AsyncIterator[AsyncAction]:
        """Every async action of the project, newest first, walking back by ``end_date``.

        Each next page asks for the actions created up to the millisecond of the last action seen, and skips
        the ones already yielded: actions that share that millisecond are not lost whether the API counts
        ``end_date`` inclusively or not. (Should more than ``limit`` actions share one millisecond, the API
        offers no way past them and the iteration ends there.)

        Args:
            limit: Actions per request, 1..100.
            end_date: Start from the actions created before this time (default: now).
            timeout: The timeout of each page's request instead of the client's.

        Example:
            >>> async for action in client.async_actions.iterate():
            ...     if action.type == vf.AsyncActionType.ORDERS_IMPORT and not action.finished:
            ...         print("still running:", action.id)
        """
        seen: set[str] = set()
        while True:
            page = await self.list(limit=limit, end_date=end_date, timeout=timeout)
            fresh = [action for action in page.async_actions if action.id not in seen]
            for action in fresh:
                yield action
            last = page.async_actions[-1] if page.async_actions else None
            if not page.has_more or not fresh or last is None or last.created_at is None:
                return
            seen = {action.id for action in page.async_actions if action.created_at == last.created_at}
            end_date = last.created_at + _ONE_MILLISECOND

    async def wait(
        self,
        action_id: str,
        *,
        timeout: float | None = None,
        on_poll: OnPoll | None = None,
        raise_on_failure: bool = True,
        policy: PollPolicy = DEFAULT_POLL_POLICY,
        request_timeout: Timeout | float | None = None,
    ) -> AsyncAction:
        """Poll an async action until it is ``DONE`` or ``FAILED``, and return it.

        Polls follow ``policy`` (see :mod:`voucherify_async._polling`): the action's ``progress`` predicts
        when it will end, so an import costs a handful of polls and its end is noticed soon after it
        happens. Every pause goes through the client's clock; cancelling the caller stops the wait.

        Args:
            action_id: The action id, as ``client.orders.import_orders`` returned it.
            timeout: Give up waiting after this many seconds (the action goes on on the server).
            on_poll: Called with the action after each poll, e.g. to show progress.
            raise_on_failure: Raise :class:`AsyncActionFailed` for a ``FAILED`` action (the default), or
                return it.
            policy: The polling schedule (:class:`~voucherify_async.PollPolicy`).
            request_timeout: The timeout of each poll's request instead of the client's (``timeout`` bounds
                the whole wait).

        Raises:
            AsyncActionFailed: the action FAILED and ``raise_on_failure`` is true.
            WaitTimeout: ``timeout`` passed first.
            NotFoundError: no such action.
            InvalidArgumentError: ``timeout`` is not a number of seconds above 0.

        Example:
            >>> action = await client.async_actions.wait(action_id, timeout=3600)
            >>> action.result.done_count
        """
        check_wait_timeout(timeout)
        action = await poll_until_finished(
            lambda: self.get(action_id, timeout=request_timeout),
            resource_id=action_id,
            clock=self._transport.clock,
            policy=policy,
            timeout=timeout,
            on_poll=on_poll,
            budgets=self._transport.budgets,
            server_now=self._transport.server_now,
        )
        if action.failed and raise_on_failure:
            raise AsyncActionFailed(action)
        return action
