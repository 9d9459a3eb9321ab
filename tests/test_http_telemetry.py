"""OpenTelemetry of requests: a client span per attempt (HTTP semantic conventions) and request metrics."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.trace import SpanKind, StatusCode

import voucherify_async as vf
from tests.otel_capture import Telemetry
from voucherify_async.emulator import Emulator, Fault, RateLimits

pytestmark = pytest.mark.anyio


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    captured = Telemetry()
    yield captured
    captured.shutdown()


def traced(
    emulator: Emulator, clock: vf.ManualClock, telemetry: Telemetry, **options: object
) -> vf.AsyncVoucherify:
    return vf.AsyncVoucherify(
        "app",
        "token",
        base_url=emulator.url,
        clock=clock,
        **telemetry.providers,
        **options,  # type: ignore[arg-type]
    )


async def test_a_request_is_a_client_span_named_by_its_template(
    emulator: Emulator, clock: vf.ManualClock, telemetry: Telemetry
) -> None:
    async with traced(emulator, clock, telemetry) as client:
        await client.orders.create({"source_id": "o/1", "status": "PAID", "amount": 5})
        raw = await client.with_raw_response.orders.get("o/1")
    span = telemetry.spans()[-1]
    assert (span.name, span.kind) == ("GET /v1/orders/{id}", SpanKind.CLIENT)
    attributes = dict(span.attributes or {})
    assert attributes == {
        "http.request.method": "GET",
        "url.template": "/v1/orders/{id}",
        "url.full": f"{emulator.url}/v1/orders/o%2F1",
        "server.address": "127.0.0.1",
        "server.port": int(emulator.url.rpartition(":")[2]),
        "http.response.status_code": 200,
        "voucherify.request_id": raw.request_id,
    }
    assert span.status.status_code == StatusCode.UNSET
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == "voucherify_async"


async def test_retries_carry_their_resend_count_and_each_error(
    emulator: Emulator, clock: vf.ManualClock, telemetry: Telemetry
) -> None:
    emulator.add_fault(Fault("status", route="GET /v1/orders", nth=[1, 2], status=503))
    async with traced(emulator, clock, telemetry) as client:
        await client.orders.list()
    spans = telemetry.spans("GET /v1/orders")
    assert [
        (s.attributes.get("http.request.resend_count"), s.attributes.get("http.response.status_code"),
         s.attributes.get("error.type"), s.status.status_code)
        for s in spans if s.attributes is not None
    ] == [
        (None, 503, "503", StatusCode.ERROR),
        (1, 503, "503", StatusCode.ERROR),
        (2, 200, None, StatusCode.UNSET),
    ]  # fmt: skip
    assert telemetry.total("voucherify.client.retries", **{"error.type": "503"}) == 2


async def test_no_answer_names_the_error_s_class(clock: vf.ManualClock, telemetry: Telemetry) -> None:
    async with Emulator(time_source=clock.time) as emu:
        url = emu.url
    async with vf.AsyncVoucherify(
        "app", "token", base_url=url, clock=clock, max_retries=0, **telemetry.providers
    ) as client:
        with pytest.raises(vf.APIConnectionError):
            await client.orders.list()
    (span,) = telemetry.spans()
    assert span.attributes is not None
    assert span.attributes["error.type"] == "APIConnectionError"
    assert "http.response.status_code" not in span.attributes
    assert span.status.status_code == StatusCode.ERROR


async def test_rate_limit_headers_become_attributes_and_a_gauge(
    clock: vf.ManualClock, telemetry: Telemetry
) -> None:
    limits = RateLimits(api_calls_per_minute=10, bulk_calls_per_hour=3)
    async with (
        Emulator(time_source=clock.time, rate_limits=limits) as emu,
        traced(emu, clock, telemetry) as client,
    ):
        await client.orders.list()
        await client.orders.import_orders([{"source_id": "o-1", "amount": 1}])
    listing, importing = telemetry.spans()
    assert listing.attributes is not None
    assert importing.attributes is not None
    assert listing.attributes["voucherify.rate_limit.type"] == "api_calls"
    assert listing.attributes["voucherify.rate_limit.remaining"] == 9
    assert importing.attributes["voucherify.rate_limit.type"] == "bulk_api_calls"
    assert importing.attributes["voucherify.rate_limit.limit"] == 3
    assert sorted(telemetry.points("voucherify.rate_limit.remaining"), key=str) == [
        ({"voucherify.rate_limit.type": "api_calls"}, 9),
        ({"voucherify.rate_limit.type": "bulk_api_calls"}, 2),
    ]


async def test_a_429_s_wait_is_counted(
    emulator: Emulator, clock: vf.ManualClock, telemetry: Telemetry
) -> None:
    emulator.add_fault(
        Fault("status", route="GET /v1/orders", nth=1, status=429, headers={"Retry-After": "7"})
    )
    async with traced(emulator, clock, telemetry) as client:
        await client.orders.list()
    assert telemetry.points("voucherify.rate_limit.wait") == [
        ({"voucherify.rate_limit.type": "api_calls", "voucherify.wait.reason": "retry_after"}, 7.0)
    ]


async def test_requests_are_counted_by_route_and_status(
    emulator: Emulator, clock: vf.ManualClock, telemetry: Telemetry
) -> None:
    async with traced(emulator, clock, telemetry) as client:
        for source_id in ("a", "b"):
            await client.orders.create({"source_id": source_id, "status": "PAID", "amount": 5})
            await client.orders.get(source_id)
        with pytest.raises(vf.NotFoundError):
            await client.orders.get("c")
    counts = {
        (p["http.request.method"], p["url.template"], p.get("http.response.status_code")): value
        for p, value in telemetry.points("voucherify.client.requests")
    }
    assert counts == {
        ("POST", "/v1/orders", 200): 2,
        ("GET", "/v1/orders/{id}", 200): 2,
        ("GET", "/v1/orders/{id}", 404): 1,
    }
    durations = telemetry.points("http.client.request.duration")
    assert sum(count for _, (count, _) in durations) == 5


async def test_a_span_never_holds_an_id_in_its_template_or_a_token(
    emulator: Emulator, clock: vf.ManualClock, telemetry: Telemetry
) -> None:
    async with traced(emulator, clock, telemetry) as client:
        await client.orders.create({"source_id": "secret-id", "status": "PAID", "amount": 5})
        export = await client.orders.export(fields=["source_id"])
        [row async for row in client.exports.rows(export.id)]
        done = await client.exports.get(export.id)
    assert done.result is not None
    token = str(done.result.url).rpartition("token=")[2]
    texts = [str(span.to_json()) for span in telemetry.spans()]
    assert not [text for text in texts if token in text or '"token"' in text.lower()]
    names = {span.name for span in telemetry.spans()}
    assert names == {
        "POST /v1/orders",
        "POST /v1/orders/export",
        "GET /v1/exports/{id}",
        "GET /download/v1/exports/{id}",
    }


async def test_the_attempt_s_span_is_current_while_it_is_sent(
    emulator: Emulator, clock: vf.ManualClock, telemetry: Telemetry
) -> None:
    from opentelemetry import trace

    seen: list[int] = []

    def note(event: vf.RequestEvent) -> None:
        seen.append(trace.get_current_span().get_span_context().span_id)

    tracer = telemetry.tracer_provider.get_tracer("test")
    async with traced(emulator, clock, telemetry, event_hooks={"request": [note]}) as client:
        with tracer.start_as_current_span("handler"):
            await client.orders.list()
    listing, handler = telemetry.spans()
    assert listing.parent is not None
    assert listing.parent.span_id == handler.context.span_id
    assert seen == [listing.context.span_id]


async def test_a_cancelled_attempt_ends_its_span_and_leaves_no_span_current(
    emulator: Emulator, clock: vf.ManualClock, telemetry: Telemetry
) -> None:
    import anyio
    from opentelemetry import trace

    emulator.add_fault(Fault("latency", route="GET /v1/orders", delay=5.0))
    async with traced(emulator, clock, telemetry) as client:
        with anyio.move_on_after(0.05):
            await client.orders.list()
        current = trace.get_current_span()
    (span,) = telemetry.spans()
    assert span.attributes is not None
    assert span.attributes["error.type"] == "CancelledError"
    assert "http.response.status_code" not in span.attributes
    assert not current.get_span_context().is_valid
