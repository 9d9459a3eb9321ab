"""Raw responses: the status, the headers and the parsed model of one call (``client.with_raw_response``).

In the manner of openai's ``with_raw_response``, ``client.with_raw_response.orders.get("o-1")`` makes the
very call ``client.orders.get("o-1")`` makes and returns a :class:`RawResponse` around its model. The
transport notes each attempt's answer in a slot that the call opens for itself (a context variable, so
concurrent calls never see each other's); the answer of the call's last attempt is the one kept.
"""

from __future__ import annotations

import email.utils
import functools
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Generic, ParamSpec, TypeVar

import attrs

from voucherify_async._errors import VoucherifyError
from voucherify_async._rate_limit import RateLimitInfo

if TYPE_CHECKING:
    from voucherify_async._request_watch import Answer

__all__ = ["RawResponse", "raw_capture", "with_raw_response"]

T = TypeVar("T")
P = ParamSpec("P")


@attrs.frozen
class RawResponse(Generic[T]):
    """One call's answer as it came: HTTP status, headers and request id, beside the parsed model.

    Attributes:
        parsed: The model the call returns (an :class:`~voucherify_async.Order`, an async action id...).
        status: The HTTP status of the answer.
        headers: The answer's headers, looked up in any case: ``Date``, ``X-Request-Id``, ``X-Rate-Limit-*``.
        request_id: The answer's ``X-Request-Id``, if it had one.
        elapsed: Seconds from sending the last attempt to its answer.

    Example:
        >>> raw = await client.with_raw_response.orders.get("o-1")
        >>> raw.status, raw.request_id, raw.headers["Date"]
        >>> order = raw.parse()  # the vf.Order that client.orders.get returns
    """

    parsed: T
    status: int
    headers: Mapping[str, str]
    request_id: str | None = None
    elapsed: float | None = None

    def parse(self) -> T:
        """The parsed model (:attr:`parsed`)."""
        return self.parsed

    @property
    def date(self) -> datetime | None:
        """The server's ``Date`` header as an aware datetime, if it had a readable one."""
        value = self.headers.get("Date")
        if not value:
            return None
        try:
            return email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None

    @property
    def rate_limit(self) -> RateLimitInfo | None:
        """The rate-limit budget the answer's ``X-Rate-Limit-*`` headers report, if any."""
        return RateLimitInfo.from_headers(self.headers)


class RawCapture:
    """The slot a raw call opens: the transport puts each attempt's answer in it."""

    __slots__ = ("answer",)

    def __init__(self) -> None:
        self.answer: Answer | None = None


_CAPTURE: ContextVar[RawCapture | None] = ContextVar("voucherify_raw_capture", default=None)


def raw_capture() -> RawCapture | None:
    """The slot of the raw call under way in this context, if any."""
    return _CAPTURE.get()


def with_raw_response(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[RawResponse[T]]]:
    """Wrap a resource method: the same call, returning a :class:`RawResponse` around its result."""

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[T]:
        capture = RawCapture()
        token = _CAPTURE.set(capture)
        try:
            parsed = await method(*args, **kwargs)
        finally:
            _CAPTURE.reset(token)
        answer = capture.answer
        if answer is None or answer.status is None or answer.headers is None:
            raise VoucherifyError(f"{getattr(method, '__qualname__', method)} returned without an answer")
        return RawResponse(parsed, answer.status, answer.headers, answer.request_id, answer.elapsed)

    return call
