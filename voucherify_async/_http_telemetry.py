"""OpenTelemetry of the client's requests: a client span per attempt, and the request metrics.

Spans follow the OpenTelemetry HTTP client semantic conventions: one span of kind CLIENT per attempt, named
``{method} {url.template}`` (``GET /v1/orders/{id}``), with ``http.request.method``, ``url.template`` (never
an id or a token), ``url.full`` (its query's values masked, see ``_request_events.shown_url``),
``server.address``, ``server.port``, ``http.request.resend_count`` on a retry, ``http.response.status_code``
and ``error.type`` (the status, or the error's class when no answer came; the span's status is then ERROR).
Voucherify's own: ``voucherify.request_id``, ``voucherify.rate_limit.type``, ``.remaining`` and ``.limit``.

Metrics (meter ``voucherify_async``):

- ``http.client.request.duration`` (s, histogram) by method, template, status or ``error.type``, server;
- ``voucherify.client.requests`` (counter) by method, template and status or ``error.type``;
- ``voucherify.client.retries`` (counter) by method, template and ``error.type``;
- ``voucherify.rate_limit.wait`` (s, counter) by ``voucherify.rate_limit.type`` and
  ``voucherify.wait.reason``;
- ``voucherify.rate_limit.remaining`` (gauge) by ``voucherify.rate_limit.type``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from voucherify_async._otel import AttributeValue, Counter, Gauge, Histogram, Meter, OtelAPI, Span
from voucherify_async._rate_limit import RateLimitInfo
from voucherify_async._version import __version__

if TYPE_CHECKING:
    from yarl import URL

__all__ = ["INSTRUMENTATION_NAME", "HttpTelemetry", "ImportInstruments", "OpenSpan"]

INSTRUMENTATION_NAME = "voucherify_async"


class HttpTelemetry:
    """The tracer and instruments of one client (and its ``with_options`` copies)."""

    def __init__(self, api: OtelAPI, tracer_provider: object | None, meter_provider: object | None) -> None:
        self.api = api
        self.meter_provider = meter_provider
        self.tracer_provider = tracer_provider
        self.tracer = api.tracer(tracer_provider, INSTRUMENTATION_NAME, __version__)
        self.meter = meter = api.meter(meter_provider, INSTRUMENTATION_NAME, __version__)
        self._imports: ImportInstruments | None = None
        self.duration: Histogram = meter.create_histogram(
            "http.client.request.duration", "s", "Duration of HTTP client requests"
        )
        self.requests: Counter = meter.create_counter(
            "voucherify.client.requests", "{request}", "Attempts of requests by route and status"
        )
        self.retries: Counter = meter.create_counter(
            "voucherify.client.retries", "{retry}", "Requests sent again after a failed attempt"
        )
        self.wait: Counter = meter.create_counter(
            "voucherify.rate_limit.wait", "s", "Seconds waited for a rate limit's window"
        )
        self.remaining: Gauge = meter.create_gauge(
            "voucherify.rate_limit.remaining", "{request}", "Calls left in a rate limit's window"
        )

    @property
    def imports(self) -> ImportInstruments:
        """The import batcher's instruments, on the same meter (created at the first run)."""
        if self._imports is None:
            self._imports = ImportInstruments(self.meter, self.wait)
        return self._imports

    def start(self, method: str, template: str, url: URL, shown_url: str, attempt: int) -> OpenSpan:
        """Start the span of an attempt and make it current; give it back to :meth:`end`."""
        attributes: dict[str, AttributeValue] = {
            "http.request.method": method,
            "url.template": template,
            "url.full": shown_url,
            "server.address": url.host or "",
            "server.port": url.port or 0,
        }
        if attempt > 1:
            attributes["http.request.resend_count"] = attempt - 1
        span = self.tracer.start_span(
            f"{method} {template}", kind=self.api.client_kind, attributes=attributes
        )
        return OpenSpan(span, self.api.enter(span), attributes)

    def end(
        self,
        open_span: OpenSpan,
        *,
        status: int | None,
        headers: Mapping[str, str] | None,
        request_id: str | None,
        elapsed: float | None,
        error_type: str | None,
    ) -> None:
        """End an attempt's span with what came back, and count the attempt."""
        span, sent = open_span.span, open_span.attributes
        self.api.leave(open_span.token)
        counted: dict[str, AttributeValue] = {
            "http.request.method": sent["http.request.method"],
            "url.template": sent["url.template"],
        }
        if status is not None:
            span.set_attribute("http.response.status_code", status)
            counted["http.response.status_code"] = status
            if status >= 400:
                error_type = str(status)
        if request_id:
            span.set_attribute("voucherify.request_id", request_id)
        budget = RateLimitInfo.from_headers(headers) if headers is not None else None
        if budget is not None:
            self._note_budget(span, budget)
        if error_type is not None:
            span.set_attribute("error.type", error_type)
            counted["error.type"] = error_type
            self.api.mark_error(span)
        span.end()
        self.requests.add(1, counted)
        if elapsed is not None:
            timed = {**counted, "server.address": sent["server.address"], "server.port": sent["server.port"]}
            self.duration.record(elapsed, timed)

    def retried(self, method: str, template: str, error_type: str) -> None:
        """Count a request sent again after its attempt failed with ``error_type``."""
        self.retries.add(
            1, {"http.request.method": method, "url.template": template, "error.type": error_type}
        )

    def waited(self, seconds: float, limit_type: str | None, reason: str) -> None:
        """Count seconds waited for a rate limit's window."""
        attributes = {"voucherify.rate_limit.type": limit_type or "", "voucherify.wait.reason": reason}
        self.wait.add(seconds, attributes)

    def _note_budget(self, span: Span, budget: RateLimitInfo) -> None:
        if budget.limit_type:
            span.set_attribute("voucherify.rate_limit.type", budget.limit_type)
        if budget.remaining is not None:
            span.set_attribute("voucherify.rate_limit.remaining", budget.remaining)
            self.remaining.set(budget.remaining, {"voucherify.rate_limit.type": budget.limit_type or ""})
        if budget.limit is not None:
            span.set_attribute("voucherify.rate_limit.limit", budget.limit)


class ImportInstruments:
    """The import batcher's metrics (see ``importing.telemetry``)."""

    def __init__(self, meter: Meter, wait: Counter) -> None:
        self.orders: Counter = meter.create_counter(
            "voucherify.import.orders", "{order}", "Orders of imports by outcome: imported, failed, rejected"
        )
        self.batch_duration: Histogram = meter.create_histogram(
            "voucherify.import.batch.duration", "s", "Time from a batch's first submission to its end"
        )
        self.batch_polls: Histogram = meter.create_histogram(
            "voucherify.import.batch.polls", "{poll}", "Polls of async actions per batch"
        )
        self.wait = wait


class OpenSpan:
    """An attempt's span under way: the span, the token that made it current, the attributes it began with."""

    __slots__ = ("attributes", "span", "token")

    def __init__(self, span: Span, token: object, attributes: dict[str, AttributeValue]) -> None:
        self.span = span
        self.token = token
        self.attributes = attributes
