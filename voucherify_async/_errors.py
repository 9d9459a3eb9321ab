"""The errors the SDK raises.

Every error is a :class:`VoucherifyError`, so one ``except vf.VoucherifyError`` catches them all::

    VoucherifyError                      every error the SDK raises
    ├── InvalidArgumentError             an argument was refused before anything was sent (also a ValueError
    │                                    and a TypeError, as the built-in checks it replaces)
    ├── APIError                         the API answered with an HTTP error (fields of its Error object)
    │   ├── BadRequestError              400: the request (often one order of an import) is malformed
    │   ├── AuthenticationError          401: wrong app id / token, or an expired OAuth token
    │   ├── PermissionDeniedError        403: the credentials lack a permission or an OAuth scope
    │   ├── NotFoundError                404: no such order, async action or export
    │   ├── ConflictError                409: the resource already exists or is being changed
    │   ├── RateLimitError               429: a rate limit was hit (retry_after, limit_type, reset_at)
    │   └── ServerError                  5xx: the API failed
    └── APIConnectionError               no HTTP answer; ``request_sent`` says if the server may have got it
        └── APITimeoutError              the request took longer than its timeout

The resources and the batcher add their own subclasses of :class:`VoucherifyError` (a FAILED async action,
a failed export, the 100-page cap of order listing, the batcher's errors in ``voucherify_async.importing``).

``str()`` of an error is one sentence a person can act on (status, key, message, details, request id);
no error ever carries a token: the transport never puts headers or credentials into an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
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
    "connection_failure",
    "error_for_status",
]


class VoucherifyError(Exception):
    """Base class of every error the SDK raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors take keyword arguments that ``args`` does not hold: copy and pickle them by their state.
        return (_restore, (type(self), self.args, self.__dict__))


class InvalidArgumentError(VoucherifyError, ValueError, TypeError):
    """An argument was refused before any request was sent: nothing reached the API.

    Raised for what the API would refuse anyway, or what cannot be sent at all: a ``limit`` out of range,
    more than 2000 orders in one import request, an empty id, a value that is not JSON. It is also a
    :class:`ValueError` and a :class:`TypeError`, so code written against the built-in errors keeps working.

    Example:
        >>> try:
        ...     await client.orders.list(limit=500)
        ... except vf.InvalidArgumentError as error:
        ...     print(error)  # limit must be between 1 and 100, got 500
    """


def _restore(cls: type[VoucherifyError], args: tuple[Any, ...], state: dict[str, Any]) -> VoucherifyError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


def _text_field(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


class APIError(VoucherifyError):
    """The API answered with an HTTP error status.

    Attributes:
        status: The HTTP status of the answer.
        code: ``code`` of the API's Error object (usually the status again).
        key: A short machine-readable kind, e.g. ``"invalid_payload"`` or ``"not_found"``.
        message: The API's human-readable summary.
        details: The API's longer explanation, e.g. the property path of an invalid order field.
        request_id: The id to quote to Voucherify's support (from the body or the response headers).
        resource_id: The id of the resource the error is about, when the API names one.
        resource_type: The type of that resource.
        body: The raw Error object as the API sent it (an empty dict when the body was not JSON).
        retry_after: Seconds the API asked to wait before trying again (``Retry-After``), if it said.
    """

    hint = ""
    """What to do about it, said after the API's own words (empty when the API's words suffice)."""

    def __init__(
        self,
        status: int,
        body: Mapping[str, Any] | None = None,
        *,
        request_id: str | None = None,
        text: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.retry_after = retry_after
        self.body: dict[str, Any] = dict(body or {})
        raw_code = self.body.get("code")
        self.code: int | None = raw_code if isinstance(raw_code, int) else None
        self.key = _text_field(self.body, "key")
        # A body that is not the API's Error object (a load balancer's HTML page, say) still says something.
        self.message = _text_field(self.body, "message") or (text.strip()[:200] if text else None) or None
        self.details = _text_field(self.body, "details")
        self.request_id = _text_field(self.body, "request_id") or request_id
        self.resource_id = _text_field(self.body, "resource_id")
        self.resource_type = _text_field(self.body, "resource_type")
        super().__init__(self._sentence())

    def _sentence(self) -> str:
        head = f"HTTP {self.status}"
        if self.key:
            head += f" {self.key}"
        parts = [head]
        if self.message:
            parts.append(self.message.rstrip("."))
        if self.details and self.details != self.message:
            parts.append(self.details.rstrip("."))
        sentence = ": ".join(parts)
        if self.resource_type or self.resource_id:
            sentence += f" ({' '.join(x for x in (self.resource_type, self.resource_id) if x)})"
        if self.request_id:
            sentence += f" [request id {self.request_id}]"
        return sentence + "." + (f" {self.hint}" if self.hint else "")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, key={self.key!r}, request_id={self.request_id!r})"
        )


class BadRequestError(APIError):
    """400: the request is malformed; ``details`` names the offending property path."""


class AuthenticationError(APIError):
    """401: the credentials are wrong, or an OAuth token expired."""

    hint = (
        "Check the app id and app token (or the OAuth credentials), and that base_url or cluster is the "
        "project's."
    )


class PermissionDeniedError(APIError):
    """403: the credentials may not do this (a missing permission or OAuth scope)."""

    hint = "The credentials lack a permission or OAuth scope this call needs."


class NotFoundError(APIError):
    """404: the order, async action or export does not exist."""


class ConflictError(APIError):
    """409: the resource already exists or conflicts with the request."""


class RateLimitError(APIError):
    """429: a rate limit was hit.

    Attributes:
        retry_after: Seconds the API asks to wait (``Retry-After``), or ``None`` when it did not say.
        limit_type: Which budget ran out (``X-Rate-Limit-Type``: ``api_calls``, ``bulk_api_calls``...).
        reset_at: Epoch seconds when the budget is renewed (``X-Rate-Limit-Retry``), or ``None``.
    """

    def __init__(
        self,
        status: int,
        body: Mapping[str, Any] | None = None,
        *,
        request_id: str | None = None,
        text: str | None = None,
        retry_after: float | None = None,
        limit_type: str | None = None,
        reset_at: float | None = None,
    ) -> None:
        self.limit_type = limit_type
        self.reset_at = reset_at
        super().__init__(status, body, request_id=request_id, text=text, retry_after=retry_after)

    def _sentence(self) -> str:
        sentence = super()._sentence()
        hints = []
        if self.limit_type:
            hints.append(f"limit type {self.limit_type}")
        if self.retry_after is not None:
            hints.append(f"retry after {self.retry_after:g} s")
        return f"{sentence[:-1]} ({', '.join(hints)})." if hints else sentence


class ServerError(APIError):
    """5xx: the API (or a gateway in front of it) failed."""

    hint = "The API or a gateway before it failed; if it lasts, quote the request id to Voucherify's support."


class APIConnectionError(VoucherifyError):
    """No HTTP answer was received: the connection failed, dropped or timed out.

    Attributes:
        request_sent: ``True`` when the request may have reached the server and been processed (the
            connection broke after the request was written, e.g. a lost acknowledgement). A POST that fails
            this way is never resent automatically: resending an order import could import it twice.
        method: The HTTP method of the request.
        path: The path of the request (never a query string, which may carry a download token).
        host: ``host:port`` the request went to (``""`` when not known).
        reason: What failed, in words when known (``connection refused``, ``host name not found (...)``),
            else the underlying failure's name (``""`` when not known).
    """

    def __init__(
        self,
        message: str,
        *,
        request_sent: bool,
        method: str = "",
        path: str = "",
        host: str = "",
        reason: str = "",
    ) -> None:
        self.request_sent = request_sent
        self.method = method
        self.path = path
        self.host = host
        self.reason = reason
        super().__init__(message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, request_sent={self.request_sent})"


class APITimeoutError(APIConnectionError):
    """The request did not finish within its timeout."""


_ERROR_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def error_for_status(status: int) -> type[APIError]:
    """Return the :class:`APIError` subclass for an HTTP status (``APIError`` for unlisted 4xx)."""
    if status >= 500:
        return ServerError
    return _ERROR_BY_STATUS.get(status, APIError)


def connection_failure(
    method: str, path: str, host: str, reason: str, *, request_sent: bool, timed_out: bool
) -> APIConnectionError:
    """The error for a request that got no answer, worded for the person reading it.

    Args:
        method: The HTTP method.
        path: The path (never the query string, which may carry a download token).
        host: ``host:port`` the request went to.
        reason: What failed, e.g. ``"connection refused"``, or the underlying failure's name, e.g.
            ``"ServerDisconnectedError"``.
        request_sent: Whether the server may have received and processed the request.
        timed_out: Whether the failure was a timeout.
    """
    where = f"{method} {path}"
    if timed_out:
        phase = "waiting for the answer" if request_sent else "connecting"
        why = f"timed out while {phase}"
        return APITimeoutError(
            f"{where} {why}.", request_sent=request_sent, method=method, path=path, host=host, reason=why
        )
    if request_sent:
        message = f"{where}: the connection broke before an answer arrived ({reason})."
    else:
        message = f"{where} could not connect to {host} ({reason}); the request was not sent."
    return APIConnectionError(
        message, request_sent=request_sent, method=method, path=path, host=host, reason=reason
    )
