"""What watches each attempt of a client's requests: its event hooks and, when installed, OpenTelemetry.

``_attempt.send_once`` asks :attr:`RequestWatch.idle` first: a client without hooks, in a process without
``opentelemetry-api``, sends its requests as if nothing watched (the API's import is tried once, at the first
request of the first client, see ``_otel``). Otherwise each attempt is wrapped: the ``request`` hooks and the
start of its span before it is sent, then the end of the span, its metrics and the ``response`` hooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from voucherify_async._errors import APIError, VoucherifyError
from voucherify_async._http_telemetry import HttpTelemetry, OpenSpan
from voucherify_async._otel import otel_api
from voucherify_async._request_events import (
    EventHooks,
    RequestEvent,
    RequestObservers,
    masked_headers,
    shown_url,
)
from voucherify_async._routes import route_template

if TYPE_CHECKING:
    from yarl import URL

__all__ = ["Answer", "RequestWatch", "WatchedAttempt", "telemetry_of"]


class Answer:
    """What came back of one attempt, filled in as it comes (``None`` fields: not, or not yet)."""

    __slots__ = ("elapsed", "headers", "request_id", "status")

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: Mapping[str, str] | None = None
        self.request_id: str | None = None
        self.elapsed: float | None = None


class WatchedAttempt:
    """An attempt under way: its event and span."""

    __slots__ = ("event", "open_span", "url")

    def __init__(self, event: RequestEvent | None, url: URL, open_span: OpenSpan | None) -> None:
        self.event = event
        self.url = url
        self.open_span = open_span


class RequestWatch:
    """The hooks and the telemetry of one client, shared with its ``with_options`` copies.

    Args:
        hooks: The client's ``event_hooks``.
        tracer_provider: An OpenTelemetry ``TracerProvider``; ``None``: the global one.
        meter_provider: An OpenTelemetry ``MeterProvider``; ``None``: the global one.
    """

    def __init__(
        self,
        hooks: EventHooks | None = None,
        *,
        tracer_provider: object | None = None,
        meter_provider: object | None = None,
    ) -> None:
        self.observers = RequestObservers(hooks)
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        self._http: list[HttpTelemetry | None] = []
        self._idle: bool | None = None

    @property
    def http(self) -> HttpTelemetry | None:
        """The client's OpenTelemetry instruments; ``None`` without the API (created at the first call)."""
        if not self._http:
            api = otel_api()
            self._http.append(
                None if api is None else HttpTelemetry(api, self.tracer_provider, self.meter_provider)
            )
        return self._http[0]

    @property
    def idle(self) -> bool:
        """Whether nothing watches requests: no hook, no OpenTelemetry."""
        if self._idle is None:
            self._idle = not self.observers.any and self.http is None
        return self._idle

    async def begin(
        self,
        method: str,
        url: URL,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str],
        attempt: int,
    ) -> WatchedAttempt:
        """Before an attempt is sent: its span started (and made current), the ``request`` hooks called."""
        template = route_template(method, url.raw_path)
        shown = shown_url(url, params)
        http = self.http
        open_span = None if http is None else http.start(method, template, url, shown, attempt)
        # The event (a copy of the headers, masked) only when a hook will see it.
        event = (
            RequestEvent(method, shown, template, masked_headers(headers), attempt)
            if self.observers.any
            else None
        )
        watched = WatchedAttempt(event, url, open_span)
        if event is not None and self.observers.request_hooks:
            await self.observers.call(self.observers.request_hooks, event)
        return watched

    def close(self, watched: WatchedAttempt, answer: Answer, error: BaseException | None) -> None:
        """End the attempt's span and count it (also for a cancelled attempt: then no hook is called)."""
        open_span, watched.open_span = watched.open_span, None
        http = self.http
        if open_span is None or http is None:
            return
        error_type = None if error is None or isinstance(error, APIError) else type(error).__name__
        http.end(
            open_span, status=answer.status, headers=answer.headers, request_id=answer.request_id,
            elapsed=answer.elapsed, error_type=error_type,
        )  # fmt: skip

    async def end(self, watched: WatchedAttempt, answer: Answer, error: Exception | None) -> None:
        """After an attempt: its span ended and counted, then the ``response`` hooks called."""
        self.close(watched, answer, error)
        if watched.event is None or not self.observers.response_hooks:
            return
        request_id = answer.request_id
        if request_id is None and isinstance(error, APIError):
            request_id = error.request_id
        sent = watched.event
        event = RequestEvent(
            sent.method,
            sent.url,
            sent.url_template,
            sent.headers,
            sent.attempt,
            status=answer.status,
            request_id=request_id,
            elapsed=answer.elapsed,
            response_headers=None if answer.headers is None else masked_headers(answer.headers),
            error=error if isinstance(error, VoucherifyError) else None,
        )
        await self.observers.call(self.observers.response_hooks, event)

    def retried(self, method: str, template: str, error: BaseException) -> None:
        """Count a retry (a no-op without OpenTelemetry)."""
        http = self.http
        if http is not None:
            status = getattr(error, "status", None)
            http.retried(method, template, str(status) if status is not None else type(error).__name__)

    def waited(self, seconds: float, limit_type: str | None, reason: str) -> None:
        """Count seconds waited for a rate limit (a no-op without OpenTelemetry)."""
        http = self.http
        if http is not None and seconds > 0:
            http.waited(seconds, limit_type, reason)


_GLOBAL_WATCH: list[RequestWatch] = []


def telemetry_of(client: object) -> HttpTelemetry | None:
    """The OpenTelemetry instruments of ``client`` (an ``AsyncVoucherify`` or a copy), or of the global
    providers for another kind of client; ``None`` without the API."""
    shared = getattr(getattr(client, "_transport", None), "_shared", None)
    watch = getattr(shared, "watch", None)
    if not isinstance(watch, RequestWatch):
        if not _GLOBAL_WATCH:
            _GLOBAL_WATCH.append(RequestWatch())
        watch = _GLOBAL_WATCH[0]
    return watch.http
