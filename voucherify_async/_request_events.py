"""Request hooks: what each attempt of a request looks like to ``AsyncVoucherify(event_hooks=...)``.

In the manner of httpx, a client takes ``event_hooks={"request": [...], "response": [...]}``: each hook is
called with a :class:`RequestEvent`, ``request`` hooks before every attempt is sent, ``response`` hooks after
every attempt ended (an answer of any status, or no answer: then ``error`` says why). A retried request calls
them once per attempt, with ``attempt`` counting from 1. A hook may be a plain function or a coroutine
function (its coroutine is awaited before the request goes on).

A hook never breaks a request: an exception it raises is logged (once per hook, at WARNING, on the
``voucherify_async`` logger) and the request goes on as if the hook had returned.

Nothing a hook sees holds a credential: ``X-App-Token``, ``Authorization`` and cookies are masked as
``***`` in ``headers``, and the values of the URL's query parameters are masked except those of the API's
listing parameters (a download URL carries its token in the query).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

import attrs
from multidict import CIMultiDict, CIMultiDictProxy

from voucherify_async._errors import InvalidArgumentError, VoucherifyError

if TYPE_CHECKING:
    from yarl import URL

__all__ = [
    "EventHook",
    "EventHooks",
    "RequestEvent",
    "RequestObservers",
    "masked_headers",
    "shown_url",
]

logger = logging.getLogger("voucherify_async")

MASK = "***"
SECRET_HEADERS = frozenset({"x-app-token", "authorization", "proxy-authorization", "cookie", "set-cookie"})
SHOWN_QUERY_PARAMETERS = frozenset({"limit", "page", "order", "end_date"})
"""Query parameters whose values are shown: the API's listing parameters; any other value is masked."""


@attrs.frozen
class RequestEvent:
    """One attempt of a request, as event hooks see it.

    Attributes:
        method: The HTTP method, upper case.
        url: The full URL, the values of its query parameters masked (``***``) except ``limit``, ``page``,
            ``order`` and ``end_date``.
        url_template: The path's template, ids replaced by ``{id}``: ``/v1/orders/{id}``.
        headers: The headers sent, looked up in any case, credentials (``X-App-Token``, ``Authorization``)
            masked as ``***``.
        attempt: Which attempt of the request this is, from 1 (a retry is attempt 2 and so on).
        status: The answer's HTTP status (``None`` in ``request`` hooks, and when no answer came).
        request_id: The answer's ``X-Request-Id`` (or the error body's ``request_id``), if any.
        elapsed: Seconds from sending to the answer's headers (``None`` in ``request`` hooks).
        response_headers: The answer's headers (``Date``, ``X-Request-Id``, ``X-Rate-Limit-*``...), if any;
            a cookie it sets is masked too.
        error: What this attempt raised: an :class:`~voucherify_async.APIError` for an error status, an
            :class:`~voucherify_async.APIConnectionError` when no answer came; ``None`` otherwise.

    Example:
        >>> def show(event: vf.RequestEvent) -> None:
        ...     print(event.method, event.url_template, event.status, event.attempt, event.request_id)
        >>> client = vf.AsyncVoucherify(event_hooks={"response": [show]})
    """

    method: str
    url: str
    url_template: str
    headers: Mapping[str, str]
    attempt: int
    status: int | None = None
    request_id: str | None = None
    elapsed: float | None = None
    response_headers: Mapping[str, str] | None = None
    error: VoucherifyError | None = None


class EventHook(Protocol):
    """A request hook: a function, or a coroutine function, of a :class:`RequestEvent`.

    What it returns is ignored (a coroutine's result is awaited first).
    """

    def __call__(self, event: RequestEvent, /) -> object: ...


EventHooks = Mapping[Literal["request", "response"], Sequence[EventHook]]
"""``{"request": [...], "response": [...]}``: the hooks of a client, by when they are called."""


def masked_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    """A read-only copy of ``headers`` (looked up in any case) with every credential replaced by ``***``."""
    masked = CIMultiDict(
        (name, MASK if name.lower() in SECRET_HEADERS else value) for name, value in headers.items()
    )
    return CIMultiDictProxy(masked)


def shown_url(url: URL, params: Mapping[str, Any] | None = None) -> str:
    """``url`` with ``params`` added, the values of its query masked but for the API's listing parameters."""
    query = [(name, value) for name, value in url.query.items()]
    query += [(name, value) for name, value in (params or {}).items() if value is not None]
    if not query:
        return str(url)
    shown = [(name, str(value) if name in SHOWN_QUERY_PARAMETERS else MASK) for name, value in query]
    return str(url.with_query(shown))


class RequestObservers:
    """The hooks of a client (shared with its ``with_options`` copies), called around every attempt.

    Args:
        hooks: ``{"request": [...], "response": [...]}``.

    Raises:
        InvalidArgumentError: a key other than ``request`` and ``response``, or a hook that is not callable.
    """

    def __init__(self, hooks: EventHooks | None = None) -> None:
        hooks = hooks or {}
        unknown = set(hooks) - {"request", "response"}
        if unknown:
            named = ", ".join(sorted(map(repr, unknown)))
            raise InvalidArgumentError(f"event_hooks takes 'request' and 'response' hooks, not {named}")
        self.request_hooks: tuple[EventHook, ...] = tuple(hooks.get("request", ()))
        self.response_hooks: tuple[EventHook, ...] = tuple(hooks.get("response", ()))
        for hook in (*self.request_hooks, *self.response_hooks):
            if not callable(hook):
                raise InvalidArgumentError(f"an event hook must be callable, got {type(hook).__name__}")
        self._failed: set[int] = set()
        """The hooks that raised once (by id): logged the first time only."""

    @property
    def any(self) -> bool:
        """Whether a hook of either kind is set."""
        return bool(self.request_hooks or self.response_hooks)

    async def call(self, hooks: tuple[EventHook, ...], event: RequestEvent) -> None:
        """Call ``hooks`` in order with ``event``; a hook's exception is logged once and goes no further."""
        for hook in hooks:
            try:
                called = hook(event)
                if inspect.isawaitable(called):
                    await called
            except Exception as error:
                self._report(hook, event, error)

    def _report(self, hook: EventHook, event: RequestEvent, error: Exception) -> None:
        if id(hook) in self._failed:
            return
        self._failed.add(id(hook))
        name = getattr(hook, "__qualname__", None) or type(hook).__name__
        logger.warning(
            "the event hook %s raised %s on %s %s; the request went on (reported once per hook)",
            name, type(error).__name__, event.method, event.url_template, exc_info=error,
            extra={"http_method": event.method, "route": event.url_template, "attempt": event.attempt},
        )  # fmt: skip
