"""The measurements, each against its own emulator process; they return raw records.

Records are plain dicts (saved to ``results.json``); ``report.py`` turns them into tables and plots.
Contenders run interleaved (A B C A B C ...) so that a slow moment of the shared machine hits every
contender alike, and every recorded run imports the very same orders.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from benchmarks import varying_polling
from benchmarks.contenders import CONTENDERS, THROUGHPUT_CONTENDERS, VARIANTS, hand_written_50ms
from benchmarks.emulator_process import running_emulator
from benchmarks.harness import Settings, finish_worker, package_from, run_worker, start_worker, worker_spec
from benchmarks.machine import commit_of
from benchmarks.observability import VARIANTS as OBSERVABILITY_VARIANTS
from benchmarks.order_stream import DEFAULT_SEED, generate_orders, write_jsonl

Log = Callable[[str], None]


def _import_spec(
    contender: str, url: str, count: int, poll_interval: float, project: int = 1, **fields: Any
) -> dict[str, Any]:
    return worker_spec(
        "import",
        contender,
        url,
        project,
        source=fields.pop("source", "list"),
        count=count,
        seed=DEFAULT_SEED,
        poll_interval=poll_interval,
        **fields,
    )


def _describe(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"ERROR {result['error']}"
    rate = result["orders"] / result["wall_seconds"] if result["wall_seconds"] else 0.0
    return f"{result['orders']:,} orders in {result['wall_seconds']:.2f} s = {rate:,.0f} orders/s"


def throughput(
    settings: Settings, scenario: str, log: Log, contenders: tuple[str, ...] = THROUGHPUT_CONTENDERS
) -> list[dict[str, Any]]:
    """Bulk import throughput, ``client_bound`` (no server processing time) or ``realistic``."""
    if scenario == "client_bound":
        count, repeats, interval = (
            settings.throughput_orders,
            settings.client_bound_repeats,
            settings.client_bound_poll_interval,
        )
        server: dict[str, Any] = {"processing_rate": None, "processing_delay": 0.0}
    else:
        count, repeats, interval = (
            settings.realistic_orders,
            settings.realistic_repeats,
            settings.realistic_poll_interval,
        )
        server = {
            "processing_rate": settings.realistic_processing_rate,
            "processing_delay": settings.realistic_processing_delay,
        }
    if scenario == "client_bound":
        contenders += tuple(name for name, (module, _) in VARIANTS.items() if module in contenders)
    records = []
    with running_emulator(**server) as url:
        if scenario == "client_bound":
            # An unrecorded first import stores the orders: every recorded run then upserts the same.
            log(f"  warm-up: {_describe(run_worker(_import_spec('hand_written', url, count, 0.05)))}")
        for repeat in range(repeats):
            for contender in contenders:
                module, own_interval = VARIANTS.get(contender, (contender, interval))
                if module == "hand_written_50ms":
                    own_interval = hand_written_50ms.POLL_INTERVAL
                result = run_worker(_import_spec(module, url, count, own_interval))
                result.update(
                    scenario=scenario, contender=contender, repeat=repeat, poll_interval=own_interval
                )
                result.update(server)
                records.append(result)
                log(f"  {scenario} #{repeat + 1} {contender}: {_describe(result)}")
    return records


def memory(settings: Settings, log: Log) -> list[dict[str, Any]]:
    """Peak RSS of voucherify-async importing from a generator and from a JSON Lines file.

    The hand-written loop streaming from the generator is measured too, as the floor of what any client
    needs (an interpreter, aiohttp, one serialised chunk).
    """
    runs = [("voucherify_async", "generator"), ("voucherify_async", "jsonl"), ("hand_written", "generator")]
    records = []
    with tempfile.TemporaryDirectory(prefix="voucherify-bench-") as directory, running_emulator() as url:
        for count in settings.memory_sizes:
            path = write_jsonl(Path(directory) / f"orders-{count}.jsonl", count)
            for contender, source in runs:
                spec = _import_spec(contender, url, count, 0.02, source=source, jsonl_path=str(path))
                result = run_worker(spec)
                for detail in ("action_ids", "polls", "noticed_at", "actions"):
                    result.pop(detail, None)  # hundreds of batches of no interest to the memory table
                result.update(contender=contender, source=source, count=count)
                result["file_mb"] = path.stat().st_size / 2**20
                records.append(result)
                peak = result.get("peak_rss_mb", float("nan"))
                log(f"  {contender}, {source}: peak RSS {peak:.1f} MiB; {_describe(result)}")
            path.unlink()
    return records


def polling(settings: Settings, log: Log) -> list[dict[str, Any]]:
    """Polls per batch and detection delay: voucherify-async vs fixed 1 s polling, side by side.

    Each contender imports into a project of its own, at the same time, so both see the same server. Then
    server times varying around their mean (``varying_polling``: records with a ``spread``).
    """
    records = []
    count = settings.polling_batches * settings.polling_batch_orders
    for processing_time in settings.polling_times:
        with running_emulator(processing_delay=processing_time, projects=2) as url:
            runs = {
                contender: start_worker(
                    _import_spec(
                        contender,
                        url,
                        count,
                        1.0,
                        project,
                        batch_size=settings.polling_batch_orders,
                        random_phase=True,
                    )
                )
                for project, contender in enumerate(("voucherify_async", "hand_written"), start=1)
            }
            for contender, process in runs.items():
                result = finish_worker(process)
                result.update(contender=contender, processing_time=processing_time)
                records.append(result)
                log(f"  {processing_time:g} s per batch, {contender}: {_describe(result)}")
    return records + varying_polling.measure(settings, log)


def single_calls(settings: Settings, log: Log) -> list[dict[str, Any]]:
    """Seconds per ``orders.get`` / ``orders.list`` call, each contender in turn, round after round."""
    stored = settings.single_call_pages * 100
    source_ids = [order["source_id"] for order in generate_orders(stored)][
        :: max(1, stored // settings.single_call_gets)
    ]
    records = []
    with running_emulator() as url:
        run_worker(_import_spec("hand_written", url, stored, 0.05))
        for round_index in range(settings.single_call_rounds):
            for contender in CONTENDERS:
                started = time.perf_counter()
                spec = worker_spec(
                    "single_calls",
                    contender,
                    url,
                    source_ids=source_ids[: settings.single_call_gets],
                    list_pages=settings.single_call_pages,
                )
                result = run_worker(spec)
                result.update(contender=contender, round=round_index)
                records.append(result)
                took = time.perf_counter() - started
                status = f"ERROR {result['error']}" if "error" in result else "ok"
                log(f"  round {round_index + 1} {contender}: {status} ({took:.1f} s)")
    return records


NORMAL_PATH_CONFIGS: dict[str, tuple[dict[str, Any], bool]] = {
    "defaults": ({}, False),
    "checkpoint_coordinated": ({"coordinate_with_other_processes": True}, True),
}
"""The ``ImportBatcher`` settings the normal path is measured with: name -> (options, with a checkpoint)."""


def normal_path(settings: Settings, log: Log, checkouts: dict[str, Path]) -> list[dict[str, Any]]:
    """voucherify-async of two checkouts (``before``, ``after``) importing the same orders without a fault.

    Client-bound, so that the client's own work shows: no server processing time. Every worker runs this
    harness on the same interpreter and dependencies, with the package of its checkout (see
    ``harness.package_from``); both import into one emulator. Each round runs every configuration once per
    checkout, the checkouts alternating which goes first (A B, then B A), so that neither always follows the
    other. Records: the API calls per route, client CPU and wall time, the checkout and its commit.
    """
    count = settings.normal_path_orders
    records = []
    with ExitStack() as stack, running_emulator() as url:
        popen = {label: stack.enter_context(package_from(path)) for label, path in checkouts.items()}
        commits = {label: commit_of(path) for label, path in checkouts.items()}
        log(f"  checkouts: {', '.join(f'{label} {commit}' for label, commit in commits.items())}")
        log(f"  warm-up: {_describe(run_worker(_import_spec('hand_written', url, count, 0.05)))}")
        for repeat in range(settings.normal_path_rounds):
            labels = list(checkouts) if repeat % 2 == 0 else list(reversed(checkouts))
            for config, (options, checkpoint) in NORMAL_PATH_CONFIGS.items():
                for label in labels:
                    spec = _import_spec(
                        "voucherify_async", url, count, 0.0, options=options, checkpoint=checkpoint
                    )
                    result = run_worker(spec, **popen[label])
                    expected = str(checkouts[label].resolve())
                    if "error" not in result and result.get("package_path") != expected:
                        found = result.get("package_path")
                        result = {"error": f"voucherify_async came from {found}, not from {expected}"}
                    for detail in ("action_ids", "noticed_at", "actions"):
                        result.pop(detail, None)  # 50 batches a run, of no interest here
                    result.update(
                        contender=label,
                        config=config,
                        repeat=repeat,
                        checkout=str(checkouts[label]),
                        commit=commits[label],
                    )
                    records.append(result)
                    cpu = f"; client CPU {result['cpu_seconds']:.2f} s" if "cpu_seconds" in result else ""
                    log(f"  #{repeat + 1} {config}, {label}: {_describe(result)}{cpu}")
    return records


TRACKER_STORAGE = {"default": 128 * 1024 * 1024}
"""The tracker alone, with the memory limit the batcher gives it (its fingerprints are always in a file)."""


def duplicates(settings: Settings, log: Log) -> list[dict[str, Any]]:
    """What spotting repeated source_ids costs: the tracker alone, and whole imports without and with it.

    The tracker alone (``measure: tracker``): distinct ids fed in, then each again, in memory and spilled to
    a temporary file. The imports: voucherify-async importing the same generated orders from a generator,
    with no server processing time, once reading its source without a tracker (the batcher's ``_batches``
    patched in the worker, nothing else changed) and once as shipped, alternating which goes first, round
    after round, each into an emulator of its own. Records: ``kind`` (``tracker`` or ``import``) and what
    each measured.
    """
    records = []
    for count in settings.tracker_ids:
        for storage, memory_limit in TRACKER_STORAGE.items():
            result = run_worker({"measure": "tracker", "count": count, "memory_limit": memory_limit})
            result.update(kind="tracker", storage=storage)
            records.append(result)
            if "error" in result:
                log(f"  tracker, {count:,} ids, {storage}: ERROR {result['error']}")
                continue
            log(
                f"  tracker, {count:,} ids, {storage}: {result['seconds_per_new_id'] * 1e6:.2f} µs per new "
                f"id, {result['seconds_per_repeat'] * 1e6:.2f} µs per repeat, "
                f"{result['tracker_bytes'] / count:.1f} bytes per id in memory"
            )
    for repeat in range(settings.duplicates_rounds):
        for count in settings.duplicates_orders:
            variants = [False, True] if repeat % 2 == 0 else [True, False]
            for tracking in variants:
                # A fresh emulator each: every run inserts its orders into an empty project, none updates
                # the orders of the run before it, nor waits for the emulator to digest a bigger one.
                with running_emulator() as url:
                    spec = _import_spec(
                        "voucherify_async", url, count, 0.0, source="generator", track_duplicates=tracking
                    )
                    result = run_worker(spec)
                    for detail in ("action_ids", "polls", "noticed_at", "actions"):
                        result.pop(detail, None)
                    result.update(kind="import", count=count, tracking=tracking, repeat=repeat)
                    records.append(result)
                    peak = result.get("peak_rss_mb", float("nan"))
                    cpu = result.get("cpu_seconds", float("nan"))
                    log(
                        f"  #{repeat + 1} {count:,} orders, tracking {'on' if tracking else 'off'}: "
                        f"peak RSS {peak:.1f} MiB, client CPU {cpu:.2f} s; {_describe(result)}"
                    )
    return records


def observability(settings: Settings, log: Log, before: Path | None) -> list[dict[str, Any]]:
    """Seconds per ``orders.get`` with nothing watching (OpenTelemetry not importable), no-op and SDK
    providers, a hook, and the package of the ``before`` checkout (when given): see ``observability.py``."""
    stored = 500
    source_ids = [order["source_id"] for order in generate_orders(stored)]
    variants = [variant for variant in OBSERVABILITY_VARIANTS if variant != "before" or before is not None]
    records = []
    with ExitStack() as stack, running_emulator() as url:
        popen = {"before": stack.enter_context(package_from(before))} if before is not None else {}
        commit = commit_of(before) if before is not None else None
        run_worker(_import_spec("hand_written", url, stored, 0.05))
        for round_index in range(settings.observability_rounds):
            shift = round_index % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                spec = worker_spec(
                    "observability",
                    "voucherify_async",
                    url,
                    variant=variant,
                    source_ids=source_ids,
                    calls=settings.observability_calls,
                )
                result = run_worker(spec, **popen.get(variant, {}))
                if variant == "before" and before is not None and "error" not in result:
                    expected = str((before / "voucherify_async").resolve())
                    if result.get("package_path") != expected:
                        result = {"error": f"voucherify_async came from {result.get('package_path')}"}
                result.update(variant=variant, round=round_index, before_commit=commit)
                records.append(result)
                if "error" in result:
                    log(f"  round {round_index + 1} {variant}: ERROR {result['error']}")
                    continue
                median = result["median"] * 1e6
                log(f"  round {round_index + 1} {variant}: {median:.0f} µs per get (median)")
    return records
