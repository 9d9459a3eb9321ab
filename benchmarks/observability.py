"""The ``observability`` suite: what watching requests costs a call of ``client.orders.get``.

Each worker times sequential ``orders.get`` calls against the emulator (after unrecorded warm-up calls)
with one variant of the client:

- ``before``: the package of an earlier checkout (``--before``), which knew nothing of hooks or tracing;
- ``absent``: this package, with ``opentelemetry`` made unimportable in the worker (a meta path finder that
  refuses it), as when the ``otel`` extra is not installed; the worker reports whether any ``opentelemetry``
  module was imported all the same;
- ``noop``: the OpenTelemetry API with no-op providers (``NoOpTracerProvider``, ``NoOpMeterProvider``);
- ``sdk``: opentelemetry-sdk providers: spans through a ``BatchSpanProcessor`` into an in-memory exporter,
  metrics into an in-memory reader (nothing leaves the process);
- ``hook``: a response hook that does nothing, OpenTelemetry not importable (the hook's cost alone).

Calls over loopback vary by tens of µs from process to process on a shared machine, more than what is
measured here; so each worker of this package also times the layer itself in a loop, in the same process
and without any I/O: what an attempt goes through between the client and aiohttp (``send_once``'s check
for something watching; with watchers, the start and end of an attempt as ``_request_watch`` does it, on a
200 answer's headers). That is the SDK's own cost per attempt, apart from the network.

Rounds run every variant once, each in a fresh process, the order rotated round by round; ratios are taken
within a round (paired), so a slow moment of the shared machine weighs on every variant of that round alike.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from importlib.abc import MetaPathFinder
from typing import Any

from benchmarks.stats import Summary, paired_ratios, summarise

VARIANTS = ("before", "absent", "noop", "sdk", "hook")
WARM_UP_CALLS = 50


class _NoOpenTelemetry(MetaPathFinder):
    """Refuses to find ``opentelemetry`` and its submodules, as if the extra were not installed."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


def _client_options(variant: str) -> dict[str, Any]:
    if variant == "noop":
        from opentelemetry.metrics import NoOpMeterProvider
        from opentelemetry.trace import NoOpTracerProvider

        return {"tracer_provider": NoOpTracerProvider(), "meter_provider": NoOpMeterProvider()}
    if variant == "sdk":
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        tracing = TracerProvider()
        tracing.add_span_processor(BatchSpanProcessor(InMemorySpanExporter()))
        return {"tracer_provider": tracing, "meter_provider": MeterProvider([InMemoryMetricReader()])}
    if variant == "hook":
        return {"event_hooks": {"response": [lambda event: None]}}
    return {}


async def _time_watch(options: dict[str, Any], attempts: int = 20_000) -> float:
    """Seconds per attempt spent watching it, without I/O (see the module's docs)."""
    from multidict import CIMultiDict, CIMultiDictProxy
    from yarl import URL

    from voucherify_async._raw_response import raw_capture
    from voucherify_async._request_watch import Answer, RequestWatch

    watch = RequestWatch(
        options.get("event_hooks"),
        tracer_provider=options.get("tracer_provider"),
        meter_provider=options.get("meter_provider"),
    )
    url = URL("http://127.0.0.1:8080/v1/orders/order-000000001")
    headers = {"X-App-Id": "app", "X-App-Token": "token", "Accept": "application/json"}
    answered = CIMultiDictProxy(CIMultiDict({"Date": "Fri, 04 Dec 2026 16:00:00 GMT", "X-Request-Id": "v-1"}))

    async def attempt() -> None:
        if watch.idle and raw_capture() is None:
            return
        watched = await watch.begin("GET", url, None, headers, 1)
        answer = Answer()
        answer.status, answer.headers, answer.request_id, answer.elapsed = 200, answered, "v-1", 0.0004
        await watch.end(watched, answer, None)

    for _ in range(WARM_UP_CALLS):
        await attempt()
    started = time.perf_counter()
    for _ in range(attempts):
        await attempt()
    return (time.perf_counter() - started) / attempts


async def _time_gets(spec: dict[str, Any]) -> list[float]:
    import voucherify_async as vf

    options = _client_options(spec["variant"])
    timings: list[float] = []
    async with vf.AsyncVoucherify(
        app_id=spec["app_id"], app_token=spec["app_token"], base_url=spec["base_url"], **options
    ) as client:
        source_ids = spec["source_ids"]
        for source_id in source_ids[:WARM_UP_CALLS]:
            await client.orders.get(source_id)
        for n in range(spec["calls"]):
            source_id = source_ids[n % len(source_ids)]
            started = time.perf_counter()
            await client.orders.get(source_id)
            timings.append(time.perf_counter() - started)
    return timings


def measure_overhead(spec: dict[str, Any]) -> dict[str, Any]:
    """Worker side. Spec keys: ``variant``, ``source_ids``, ``calls``, and the emulator's credentials."""
    if spec["variant"] in ("absent", "hook"):
        sys.meta_path.insert(0, _NoOpenTelemetry())
    timings = asyncio.run(_time_gets(spec))
    import voucherify_async

    layer = (
        None if spec["variant"] == "before" else asyncio.run(_time_watch(_client_options(spec["variant"])))
    )
    deciles = statistics.quantiles(timings, n=10)
    return {
        "variant": spec["variant"],
        "calls": len(timings),
        "median": statistics.median(timings),
        "mean": statistics.fmean(timings),
        "p10": deciles[0],
        "p90": deciles[-1],
        "watch_seconds": layer,
        "package_path": str(voucherify_async.__path__[0]),
        "otel_imported": any(name.split(".")[0] == "opentelemetry" for name in sys.modules),
    }


def per_call(record: dict[str, Any]) -> float:
    """The median seconds per call of one worker."""
    return float(record["median"])


def overhead_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per variant: seconds per call (median of the rounds' medians), ratios to ``before`` and ``absent``."""
    good = [record for record in records if "error" not in record]
    by_round: dict[int, dict[str, float]] = {}
    for record in good:
        by_round.setdefault(record["round"], {})[record["variant"]] = per_call(record)
    rows = []
    for variant in VARIANTS:
        values = [rounds[variant] for rounds in by_round.values() if variant in rounds]
        if not values:
            continue
        rows.append(
            {
                "variant": variant,
                "seconds": summarise(values),
                "vs_before": _paired(by_round, variant, "before"),
                "vs_absent": _paired(by_round, variant, "absent"),
                "otel_imported": any(r["otel_imported"] for r in good if r["variant"] == variant),
                "watch_seconds": summarise(
                    [r["watch_seconds"] for r in good if r["variant"] == variant and r.get("watch_seconds")]
                ),
            }
        )
    return rows


def _paired(by_round: dict[int, dict[str, float]], variant: str, base: str) -> Summary | None:
    pairs = [
        (rounds[variant], rounds[base])
        for rounds in by_round.values()
        if variant in rounds and base in rounds
    ]
    if variant == base or not pairs:
        return None
    return paired_ratios([a for a, _ in pairs], [b for _, b in pairs])
