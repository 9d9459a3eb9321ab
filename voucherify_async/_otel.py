"""The OpenTelemetry API, reached lazily and typed by Protocols of our own.

``opentelemetry-api`` is an optional dependency (``pip install voucherify-async[otel]``). Nothing here
imports it when the package is imported: :func:`otel_api` does, the first time a client sends a request or a
batcher starts a run, and remembers the answer. When the package is not installed it answers ``None`` and
the SDK records nothing, at the cost of that one failed import per process.

The SDK's own code sees the API only through the Protocols below, never through its types: the type check
of the package does not depend on the API (or its stubs) being installed, and no public signature names an
OpenTelemetry type (a provider is taken as ``object``).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, Union, cast

__all__ = [
    "AttributeValue",
    "Counter",
    "Gauge",
    "Histogram",
    "Meter",
    "OtelAPI",
    "Span",
    "Tracer",
    "otel_api",
]

AttributeValue = Union[str, bool, int, float]  # noqa: UP007 (a runtime alias on 3.10)
Attributes = Mapping[str, AttributeValue]


class SpanContext(Protocol):
    """A span's ids (``opentelemetry.trace.SpanContext``)."""

    @property
    def trace_id(self) -> int: ...

    @property
    def span_id(self) -> int: ...

    @property
    def is_valid(self) -> bool: ...


class Span(Protocol):
    """What the SDK calls on a span (``opentelemetry.trace.Span``)."""

    def set_attribute(self, key: str, value: AttributeValue) -> None: ...

    def set_attributes(self, attributes: Attributes) -> None: ...

    def set_status(self, status: Any, description: str | None = None) -> None: ...

    def end(self, end_time: int | None = None) -> None: ...

    def is_recording(self) -> bool: ...

    def get_span_context(self) -> SpanContext: ...


class Tracer(Protocol):
    """``opentelemetry.trace.Tracer``: the SDK starts its spans with ``start_span`` only."""

    def start_span(
        self,
        name: str,
        context: Any = None,
        kind: Any = ...,
        attributes: Attributes | None = None,
        links: Sequence[Any] | None = None,
    ) -> Span: ...


class Counter(Protocol):
    """A monotonic counter (``Meter.create_counter``)."""

    def add(self, amount: float, attributes: Attributes | None = None) -> None: ...


class Histogram(Protocol):
    """A histogram (``Meter.create_histogram``)."""

    def record(self, amount: float, attributes: Attributes | None = None) -> None: ...


class Gauge(Protocol):
    """A synchronous gauge (``Meter.create_gauge``): the last value set, per attribute set."""

    def set(self, amount: float, attributes: Attributes | None = None) -> None: ...


class Meter(Protocol):
    """``opentelemetry.metrics.Meter``: the instruments the SDK creates."""

    def create_counter(self, name: str, unit: str = "", description: str = "") -> Counter: ...

    def create_histogram(self, name: str, unit: str = "", description: str = "") -> Histogram: ...

    def create_gauge(self, name: str, unit: str = "", description: str = "") -> Gauge: ...


class OtelAPI:
    """The few functions of the OpenTelemetry API the SDK uses, bound once."""

    def __init__(self, trace: Any, metrics: Any, context: Any) -> None:
        self._trace = trace
        self._metrics = metrics
        self._context = context
        self.client_kind: Any = trace.SpanKind.CLIENT
        self.internal_kind: Any = trace.SpanKind.INTERNAL
        self._error: Any = trace.Status(trace.StatusCode.ERROR)

    def tracer(self, provider: object | None, name: str, version: str) -> Tracer:
        """The tracer of ``provider``, or of the global provider (the API's no-op one until one is set)."""
        return cast(Tracer, self._trace.get_tracer(name, version, tracer_provider=provider))

    def meter(self, provider: object | None, name: str, version: str) -> Meter:
        """The meter of ``provider``, or of the global meter provider."""
        return cast(Meter, self._metrics.get_meter(name, version, meter_provider=provider))

    def mark_error(self, span: Span, description: str | None = None) -> None:
        """Set the span's status to ERROR."""
        status = (
            self._error if description is None else self._trace.Status(self._error.status_code, description)
        )
        span.set_status(status)

    def enter(self, span: Span) -> object:
        """Make ``span`` the current span of this task; give the token back to :meth:`leave`."""
        return cast(object, self._context.attach(self._trace.set_span_in_context(span)))

    def leave(self, token: object) -> None:
        """Undo :meth:`enter`."""
        self._context.detach(token)

    def link(self, trace_id: int, span_id: int, attributes: Attributes | None = None) -> object:
        """A link to a span of another trace (a span of an earlier run), by its ids."""
        context = self._trace.SpanContext(
            trace_id,
            span_id,
            is_remote=True,
            trace_flags=self._trace.TraceFlags(self._trace.TraceFlags.SAMPLED),
        )
        return cast(object, self._trace.Link(context, attributes))


_API: list[OtelAPI | None] = []
"""The answer of :func:`otel_api`, once asked."""


def otel_api() -> OtelAPI | None:
    """The OpenTelemetry API, imported on the first call; ``None`` when ``opentelemetry-api`` is absent."""
    if not _API:
        try:
            api: OtelAPI | None = OtelAPI(
                importlib.import_module("opentelemetry.trace"),
                importlib.import_module("opentelemetry.metrics"),
                importlib.import_module("opentelemetry.context"),
            )
        except ImportError:
            api = None
        _API.append(api)
    return _API[0]
