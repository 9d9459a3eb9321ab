"""Per-test OpenTelemetry providers whose spans and metrics stay in memory (nothing global, no network)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


class Telemetry:
    """A tracer provider and a meter provider of one test, and what they recorded."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    @property
    def providers(self) -> dict[str, Any]:
        """The client's keyword arguments."""
        return {"tracer_provider": self.tracer_provider, "meter_provider": self.meter_provider}

    def spans(self, name_start: str = "") -> list[ReadableSpan]:
        """The ended spans, in the order they ended."""
        return [span for span in self.exporter.get_finished_spans() if span.name.startswith(name_start)]

    def points(self, metric: str) -> list[tuple[dict[str, Any], Any]]:
        """``(attributes, value)`` of each data point of ``metric`` (a histogram's value: its count, sum)."""
        data = self.reader.get_metrics_data()
        found: list[tuple[dict[str, Any], Any]] = []
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for item in scope.metrics:
                    if item.name != metric:
                        continue
                    for point in item.data.data_points:
                        value = getattr(point, "value", None)
                        if value is None:
                            value = (point.count, point.sum)
                        found.append((dict(point.attributes or {}), value))
        return found

    def total(self, metric: str, **attributes: Any) -> float:
        """The sum of ``metric``'s points whose attributes include ``attributes``."""
        return sum(value for point, value in self.points(metric) if _has(point, attributes))

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def _has(point: Mapping[str, Any], attributes: Mapping[str, Any]) -> bool:
    return all(point.get(name) == value for name, value in attributes.items())
