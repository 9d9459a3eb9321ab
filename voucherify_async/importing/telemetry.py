"""OpenTelemetry of an import: a span per run, per batch and per step of a batch, and the import metrics.

Spans (all INTERNAL, tracer ``voucherify_async``), each holding the client spans of its requests:

- ``voucherify.import`` per run: ``voucherify.import.run_id`` (the first run's id, kept by the checkpoint
  journal, so every run of one import carries the same), ``voucherify.import.resumed``, the batch size, and
  at its end the report's counts. A resumed run's span links to the first run's span when that run was
  traced (its ids are in the journal's ``start`` step);
- ``voucherify.import.batch`` per batch (its number, size, async action, status and counts);
- ``voucherify.import.submit`` (one per part sent, with its waits for budgets and other imports),
  ``voucherify.import.poll`` (one per poll of the action) and ``voucherify.import.isolate`` (a 400 handled).

Metrics: ``voucherify.import.orders`` by ``voucherify.import.outcome`` (``imported``, ``failed``,
``rejected``), ``voucherify.import.batch.duration`` (s) and ``voucherify.import.batch.polls`` (batches this
run finished; those an earlier run finished are not counted again), and the batcher's own waits for a rate
limit in ``voucherify.rate_limit.wait``.

Without ``opentelemetry-api`` each method returns at once (:data:`NO_TELEMETRY`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from voucherify_async._http_telemetry import HttpTelemetry
from voucherify_async._otel import AttributeValue, Span
from voucherify_async._request_watch import telemetry_of

if TYPE_CHECKING:
    from voucherify_async.importing.report import BatchResult, ImportReport

__all__ = ["NO_TELEMETRY", "RunTelemetry", "new_run_id", "run_telemetry"]


def new_run_id() -> str:
    """A fresh run id (32 hex digits)."""
    return uuid.uuid4().hex


class RunTelemetry:
    """The spans and metrics of one run; every method is a no-op without OpenTelemetry."""

    def __init__(self, http: HttpTelemetry | None) -> None:
        self._http = http
        self._run: tuple[Span, object] | None = None

    def start_run(
        self, *, run_id: str, resumed: bool, batch_size: int, first_span: tuple[str, str] | None
    ) -> tuple[str, str] | None:
        """Start the run's span and make it current; return its trace and span ids (hex) to journal."""
        http = self._http
        if http is None:
            return None
        links = []
        with suppress(ValueError):  # ids a person edited in the journal: no link
            if first_span is not None:
                earlier = (int(first_span[0], 16), int(first_span[1], 16))
                links.append(http.api.link(*earlier, {"voucherify.import.run_id": run_id}))
        attributes: dict[str, AttributeValue] = {
            "voucherify.import.run_id": run_id,
            "voucherify.import.resumed": resumed,
            "voucherify.import.batch_size": batch_size,
        }
        span = http.tracer.start_span(
            "voucherify.import", kind=http.api.internal_kind, attributes=attributes, links=links
        )
        self._run = (span, http.api.enter(span))
        context = span.get_span_context()
        return (f"{context.trace_id:032x}", f"{context.span_id:016x}") if context.is_valid else None

    def end_run(self, report: ImportReport, error: BaseException | None) -> None:
        """End the run's span with the report's counts (and the error that stopped it, if any)."""
        http, run = self._http, self._run
        if http is None or run is None:
            return
        self._run = None
        span, token = run
        http.api.leave(token)
        span.set_attributes(
            {
                "voucherify.import.orders": report.orders,
                "voucherify.import.imported": report.imported,
                "voucherify.import.failed": len(report.failed),
                "voucherify.import.rejected": len(report.rejected),
                "voucherify.import.batches": len(report.batches),
            }
        )
        _end(http, span, error)

    @contextmanager
    def span(self, name: str, **attributes: AttributeValue) -> Iterator[Span | None]:
        """A span ``voucherify.import.<name>``, current inside the block, ended with the block's error."""
        http = self._http
        if http is None:
            yield None
            return
        span = http.tracer.start_span(
            f"voucherify.import.{name}", kind=http.api.internal_kind, attributes=attributes
        )
        token = http.api.enter(span)
        try:
            yield span
        except BaseException as error:
            http.api.leave(token)
            _end(http, span, error)
            raise
        http.api.leave(token)
        span.end()

    def batch_finished(
        self, span: Span | None, result: BatchResult | None, *, local_rejections: int, carried_over: bool
    ) -> None:
        """Count a batch's orders by outcome, its duration and polls (not again for an earlier run's)."""
        http = self._http
        if http is None:
            return
        orders = http.imports.orders
        if local_rejections:
            orders.add(local_rejections, {"voucherify.import.outcome": "rejected"})
        if result is None:
            return
        if span is not None:
            span.set_attributes(
                {
                    "voucherify.async_action.id": result.async_action_id or "",
                    "voucherify.import.batch.status": result.status,
                    "voucherify.import.imported": result.imported,
                    "voucherify.import.failed": len(result.failed),
                    "voucherify.import.rejected": len(result.rejected),
                    "voucherify.import.polls": result.polls,
                    "voucherify.import.carried_over": carried_over,
                }
            )
        if carried_over:
            return
        for outcome, count in (
            ("imported", result.imported),
            ("failed", len(result.failed)),
            ("rejected", len(result.rejected)),
        ):
            if count:
                orders.add(count, {"voucherify.import.outcome": outcome})
        attributes = {"voucherify.import.batch.status": result.status}
        http.imports.batch_duration.record(result.duration, attributes)
        http.imports.batch_polls.record(result.polls, attributes)

    def waited(self, seconds: float, limit_type: str | None, reason: str) -> None:
        """Count the batcher's own wait for a rate limit."""
        if self._http is not None and seconds > 0:
            self._http.waited(seconds, limit_type, reason)


def _end(http: HttpTelemetry, span: Span, error: BaseException | None) -> None:
    if error is not None:
        span.set_attribute("error.type", type(error).__name__)
        http.api.mark_error(span)
    span.end()


NO_TELEMETRY = RunTelemetry(None)
"""What a run without OpenTelemetry uses: every method returns at once."""


def run_telemetry(client: object) -> RunTelemetry:
    """The telemetry of a run with ``client``: its providers', or :data:`NO_TELEMETRY` without the API."""
    http = telemetry_of(client)
    return NO_TELEMETRY if http is None else RunTelemetry(http)
