"""OpenTelemetry of imports: spans per run, batch and step over the client spans, and the import metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

import voucherify_async as vf
from tests.importing.batcher_scenarios import make_orders, stop_at_submission
from tests.otel_capture import Telemetry
from voucherify_async.emulator import Emulator, RateLimits
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.polling import ImportPollPolicy

pytestmark = pytest.mark.anyio

POLL = ImportPollPolicy(first=1.0, minimum=1.0, maximum=1.0)


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    captured = Telemetry()
    yield captured
    captured.shutdown()


@pytest.fixture
def traced_client(clock: vf.ManualClock, telemetry: Telemetry) -> Callable[[Emulator], vf.AsyncVoucherify]:
    def open_client(emu: Emulator) -> vf.AsyncVoucherify:
        return vf.AsyncVoucherify("app", "token", base_url=emu.url, clock=clock, **telemetry.providers)

    return open_client


def children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


def attribute(span: ReadableSpan, name: str) -> Any:
    return (span.attributes or {}).get(name)


async def test_a_three_batch_import_is_a_run_span_over_batch_spans_over_steps(
    emulators: Callable[..., Any],
    traced_client: Callable[[Emulator], vf.AsyncVoucherify],
    telemetry: Telemetry,
) -> None:
    emu = await emulators(processing_rate=1.0)
    async with traced_client(emu) as client:
        report = await ImportBatcher(client, batch_size=2, poll=POLL).run(make_orders(6))
    assert report.imported == 6
    spans = telemetry.spans()
    (run,) = [s for s in spans if s.name == "voucherify.import"]
    assert run.kind == SpanKind.INTERNAL
    assert run.parent is None
    assert attribute(run, "voucherify.import.resumed") is False
    assert (attribute(run, "voucherify.import.orders"), attribute(run, "voucherify.import.imported")) == (
        6,
        6,
    )
    batches = children(spans, run)
    assert [(b.name, attribute(b, "voucherify.import.batch")) for b in batches] == [
        ("voucherify.import.batch", 1),
        ("voucherify.import.batch", 2),
        ("voucherify.import.batch", 3),
    ]
    for batch in batches:
        steps = children(spans, batch)
        names = [s.name for s in steps]
        assert names[0] == "voucherify.import.submit"
        assert set(names[1:]) == {"voucherify.import.poll"}
        assert len(names) - 1 == attribute(batch, "voucherify.import.polls") >= 1
        (import_request,) = children(spans, steps[0])
        assert import_request.name == "POST /v1/orders/import"
        assert attribute(batch, "voucherify.async_action.id") == attribute(
            steps[-1], "voucherify.async_action.id"
        )
        assert [c.name for c in children(spans, steps[-1])] == ["GET /v1/async-actions/{id}"]
        assert attribute(steps[-1], "voucherify.async_action.status") == "DONE"


async def test_import_metrics_count_orders_by_outcome_and_each_batch(
    emulators: Callable[..., Any],
    traced_client: Callable[[Emulator], vf.AsyncVoucherify],
    telemetry: Telemetry,
) -> None:
    emu = await emulators(processing_rate=1.0)
    orders = [
        *make_orders(3),
        {"source_id": "no-customer", "status": "PAID", "amount": 1, "customer": {"id": "cust_none"}},
        {"source_id": "bad", "status": "PAID", "amount": "lots"},
    ]
    async with traced_client(emu) as client:
        report = await ImportBatcher(client, batch_size=2, poll=POLL).run(orders)
    assert (report.imported, len(report.failed), len(report.rejected)) == (3, 1, 1)
    outcomes = {p["voucherify.import.outcome"]: v for p, v in telemetry.points("voucherify.import.orders")}
    assert outcomes == {"imported": 3, "failed": 1, "rejected": 1}
    (durations,) = telemetry.points("voucherify.import.batch.duration")
    (polls,) = telemetry.points("voucherify.import.batch.polls")
    assert durations[1][0] == len(report.batches) == 2
    assert durations[1][1] == pytest.approx(sum(b.duration for b in report.batches))
    assert polls[1] == (2, sum(b.polls for b in report.batches))


async def test_a_400_shows_an_isolate_span_and_the_rejections(
    emulators: Callable[..., Any],
    traced_client: Callable[[Emulator], vf.AsyncVoucherify],
    telemetry: Telemetry,
) -> None:
    emu = await emulators(metadata_schema={"channel": ["web"]})
    orders = make_orders(3, metadata={"channel": "web"})
    orders[1]["metadata"] = {"channel": "fax"}
    async with traced_client(emu) as client:
        report = await ImportBatcher(client, batch_size=3, poll=POLL).run(orders)
    assert len(report.rejected) == 1
    spans = telemetry.spans()
    (batch,) = [s for s in spans if s.name == "voucherify.import.batch"]
    names = [s.name for s in children(spans, batch)]
    assert names[:3] == ["voucherify.import.submit", "voucherify.import.isolate", "voucherify.import.submit"]
    refused = children(spans, batch)[0]
    assert refused.status.status_code == StatusCode.ERROR
    assert attribute(refused, "error.type") == "BadRequestError"
    assert [s.name for s in children(spans, refused)] == ["POST /v1/orders/import"]
    outcomes = {p["voucherify.import.outcome"]: v for p, v in telemetry.points("voucherify.import.orders")}
    assert outcomes == {"imported": 2, "rejected": 1}


async def test_a_resumed_run_carries_the_import_s_run_id_and_links_to_the_first_run(
    emulators: Callable[..., Any],
    traced_client: Callable[[Emulator], vf.AsyncVoucherify],
    telemetry: Telemetry,
    tmp_path: Path,
) -> None:
    emu = await emulators(processing_rate=1.0)
    journal = tmp_path / "orders.journal"
    async with traced_client(emu) as client:
        await stop_at_submission(
            ImportBatcher(client, batch_size=2, poll=POLL, checkpoint=journal), make_orders(6), batch=2
        )
        report = await ImportBatcher(client, batch_size=2, poll=POLL, checkpoint=journal).run(make_orders(6))
    assert report.imported == 6
    first, second = [s for s in telemetry.spans() if s.name == "voucherify.import"]
    starts = [
        step for step in map(orjson.loads, journal.read_bytes().splitlines()) if step["event"] == "start"
    ]
    assert attribute(first, "voucherify.import.run_id") == starts[0]["run_id"]
    assert attribute(second, "voucherify.import.run_id") == starts[0]["run_id"] != starts[1]["run_id"]
    assert attribute(first, "voucherify.import.resumed") is False
    assert attribute(second, "voucherify.import.resumed") is True
    assert starts[0]["span_id"] == f"{first.context.span_id:016x}"
    (link,) = second.links
    assert (link.context.trace_id, link.context.span_id) == (first.context.trace_id, first.context.span_id)
    assert first.status.status_code == StatusCode.ERROR  # stopped (cancelled) at batch 2's submission
    # Batch 1 finished in the first run and is not counted again by the second.
    (polls,) = telemetry.points("voucherify.import.batch.polls")
    assert polls[1][0] == 3
    outcomes = {p["voucherify.import.outcome"]: v for p, v in telemetry.points("voucherify.import.orders")}
    assert outcomes == {"imported": 6}


async def test_the_batcher_s_own_waits_for_a_budget_are_counted(
    emulators: Callable[..., Any],
    traced_client: Callable[[Emulator], vf.AsyncVoucherify],
    telemetry: Telemetry,
) -> None:
    emu = await emulators(rate_limits=RateLimits(bulk_calls_per_hour=1))
    async with traced_client(emu) as client:
        report = await ImportBatcher(client, batch_size=2, poll=POLL).run(make_orders(4))
    assert report.imported == 4
    waits = telemetry.points("voucherify.rate_limit.wait")
    assert [p["voucherify.rate_limit.type"] for p, _ in waits] == ["bulk_api_calls"]
    assert waits[0][1] == pytest.approx(report.rate_limit_wait)
    assert report.rate_limit_wait > 0
