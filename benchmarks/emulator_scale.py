"""The emulator at scale (``emulator_scale``): what a stored order costs it, and what it costs per import.

Two kinds of records:

- ``stored_orders``: a fresh process holds ``count`` imported orders in one project's state, in process (no
  HTTP: ``ProjectState.enqueue_import`` of the same 2,000-order batches as below, each processed at once):
  the growth of memory traced by ``tracemalloc`` (Python's allocations; a second run, untraced, for the RSS
  growth, which also counts what SQLite allocates) per stored order.
- ``server``: the emulator in a process of its own (``serve_emulator.py``), sent ``count`` orders by a raw
  aiohttp client in requests of 2,000, each waited for until ``DONE`` (the orders of
  ``bench_emulator.historical_order``, serialised before the clock starts): the emulator process's CPU time
  (user + system, from ``/proc``), its peak RSS (``VmHWM``) and RSS at the end, and the wall time.

Each kind runs on the package of this working tree (``after``), with orders in memory and in a data
directory (SQLite), and, given ``--before PATH`` (an earlier checkout, e.g. ``git worktree add /tmp/emu-before
main``), on that checkout's package with orders in memory (``before``; it has no data directory), the same
way as the ``normal_path`` suite runs two packages (``harness.package_from``). Rounds at the smallest size
rotate which variant goes first; the larger sizes run once.

Run alone: ``uv run --group bench python -m benchmarks --only emulator_scale --before /tmp/emu-before``.
In process, one measurement: ``python -m benchmarks.emulator_scale '<json spec>'``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from benchmarks.bench_emulator import cpu_seconds, historical_order
from benchmarks.emulator_process import emulator_process
from benchmarks.harness import Settings, package_from
from benchmarks.machine import commit_of
from benchmarks.serve_emulator import APP_ID, APP_TOKEN

Log = Callable[[str], None]
BATCH = 2000
VARIANTS = (("before", "memory"), ("after", "memory"), ("after", "sqlite"))
"""(package, store) pairs; ``before`` runs only with an earlier checkout given."""


def batches(count: int) -> list[bytes]:
    """``count`` orders as serialised import requests of at most 2,000."""
    return [
        orjson.dumps([historical_order(index) for index in range(start, min(count, start + BATCH))])
        for start in range(0, count, BATCH)
    ]


def _status_mib(pid: int | str, field: str) -> float:
    """A memory field of ``/proc/PID/status`` (``pid`` ``"self"``: this process), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- in process: bytes per stored order ------------------------------------------------------------------


def measure_stored_orders(spec: dict[str, Any]) -> dict[str, Any]:
    """Hold ``spec["count"]`` imported orders in a project's state; the memory they take (see the module)."""
    from voucherify_async.emulator import Emulator

    bodies = batches(spec["count"])
    with tempfile.TemporaryDirectory(prefix="voucherify-bench-") as directory:
        emulator = Emulator(data_dir=directory) if spec["store"] == "sqlite" else Emulator()
        project = emulator.project()
        gc.collect()
        if spec["traced"]:
            tracemalloc.start()
        traced_before = tracemalloc.get_traced_memory()[0]
        rss_before = _status_mib("self", "VmRSS")
        cpu_before = time.process_time()
        for body in bodies:
            project.enqueue_import(orjson.loads(body))
        project.catch_up()
        cpu = time.process_time() - cpu_before
        gc.collect()
        result = {
            "traced_bytes": tracemalloc.get_traced_memory()[0] - traced_before if spec["traced"] else None,
            "rss_growth_mb": _status_mib("self", "VmRSS") - rss_before,
            "cpu_seconds": cpu,
            "stored": len(project.orders),
        }
        tracemalloc.stop()
        closing = getattr(emulator, "_close_data_file", None)
        if closing is not None:
            closing()
    package = sys.modules["voucherify_async"].__file__ or ""
    result["package_path"] = str(Path(package).resolve().parent.parent)
    return result


# -- the emulator process --------------------------------------------------------------------------------


@contextlib.contextmanager
def serving(data_dir: Path | None, popen: dict[str, Any]) -> Iterator[tuple[str, int]]:
    """An emulator process (``serve_emulator.py``) for the block: its base URL and process id."""
    arguments = [] if data_dir is None else ["--data-dir", str(data_dir)]
    with emulator_process(arguments, **popen) as (url, process):
        yield url, process.pid


async def import_all(base_url: str, bodies: list[bytes]) -> int:
    """Submit each request and poll its async action until it is DONE, one at a time; the orders stored."""
    headers = {"X-App-Id": APP_ID, "X-App-Token": APP_TOKEN, "Content-Type": "application/json"}
    async with aiohttp.ClientSession(base_url, headers=headers) as session:
        for body in bodies:
            async with session.post("/v1/orders/import", data=body) as response:
                response.raise_for_status()
                action_id = orjson.loads(await response.read())["async_action_id"]
            while True:
                async with session.get(f"/v1/async-actions/{action_id}") as response:
                    action = orjson.loads(await response.read())
                if action["status"] == "DONE":
                    if action["result"]["failed_count"]:
                        raise RuntimeError(f"orders failed: {action['result']}")
                    break
        async with session.get("/v1/orders", params={"limit": "1"}) as response:
            return int(orjson.loads(await response.read())["total"])


def measure_server(bodies: list[bytes], store: str, popen: dict[str, Any]) -> dict[str, Any]:
    """One emulator process importing ``bodies`` (see the module's docstring)."""
    with contextlib.ExitStack() as stack:
        data_dir = None
        if store == "sqlite":
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="voucherify-bench-")))
        url, pid = stack.enter_context(serving(data_dir, popen))
        rss_start = _status_mib(pid, "VmRSS")
        cpu_start = cpu_seconds(pid)
        started = time.perf_counter()
        stored = asyncio.run(import_all(url, bodies))
        wall = time.perf_counter() - started
        cpu = cpu_seconds(pid) - cpu_start
        result = {
            "stored": stored,
            "cpu_seconds": cpu,
            "wall_seconds": wall,
            "peak_rss_mb": _status_mib(pid, "VmHWM"),
            "rss_mb": _status_mib(pid, "VmRSS"),
            "start_rss_mb": rss_start,
        }
        if data_dir is not None:
            result["data_dir_mb"] = sum(path.stat().st_size for path in data_dir.iterdir()) / 2**20
    return result


# -- the suite -------------------------------------------------------------------------------------------


def _variants(before: Path | None) -> list[tuple[str, str]]:
    return [variant for variant in VARIANTS if before is not None or variant[0] != "before"]


def run_suite(settings: Settings, log: Log, before: Path | None) -> list[dict[str, Any]]:
    """Every measurement of the suite (see the module's docstring); records as plain dicts."""
    records: list[dict[str, Any]] = []
    variants = _variants(before)
    commits = {"after": commit_of(None), "before": commit_of(before) if before is not None else None}
    with contextlib.ExitStack() as stack:
        popen = {"after": {}, "before": stack.enter_context(package_from(before)) if before else {}}
        for package, store in variants:
            for traced in (True, False):
                spec = {"count": settings.emulator_scale_stored_orders, "store": store, "traced": traced}
                command = [sys.executable, "-m", "benchmarks.emulator_scale", orjson.dumps(spec).decode()]
                result = _run(command, popen[package])
                result.update(kind="stored_orders", package=package, store=store, traced=traced)
                result.update(count=spec["count"], commit=commits[package])
                records.append(result)
                log(f"  in process, {package} {store}, traced {traced}: {_describe_stored(result)}")
        smallest = min(settings.emulator_scale_sizes)
        for size in settings.emulator_scale_sizes:
            bodies = batches(size)
            rounds = settings.emulator_scale_rounds if size == smallest else 1
            for repeat in range(rounds):
                shift = repeat % len(variants)
                for package, store in variants[shift:] + variants[:shift]:
                    try:
                        result = measure_server(bodies, store, popen[package])
                    except Exception as error:  # one failed run is reported, the others still run
                        result = {"error": f"{type(error).__name__}: {error}"}
                    result.update(kind="server", package=package, store=store, count=size, repeat=repeat)
                    result["commit"] = commits[package]
                    records.append(result)
                    log(f"  emulator, {size:,} orders, {package} {store} #{repeat + 1}: {_describe(result)}")
    return records


def _run(command: list[str], popen: dict[str, Any]) -> dict[str, Any]:
    finished = subprocess.run(command, capture_output=True, text=True, timeout=1800, **popen)
    if finished.returncode != 0:
        lines = finished.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit code {finished.returncode}"}
    result: dict[str, Any] = orjson.loads(finished.stdout.strip().splitlines()[-1])
    return result


def _describe_stored(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"ERROR {result['error']}"
    count = result["stored"] or 1
    traced = result["traced_bytes"]
    shown = f"{traced / count:,.0f} B/order traced, " if traced is not None else ""
    return f"{shown}RSS +{result['rss_growth_mb'] * 2**20 / count:,.0f} B/order"


def _describe(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"ERROR {result['error']}"
    per_order = result["cpu_seconds"] / result["stored"] * 1e6
    peak = result["peak_rss_mb"]
    return f"CPU {per_order:.1f} µs/order, peak RSS {peak:.0f} MiB, {result['wall_seconds']:.1f} s"


def main() -> None:
    """Run the in-process measurement given as JSON in ``argv[1]``; print its result as one JSON line."""
    sys.stdout.write(orjson.dumps(measure_stored_orders(orjson.loads(sys.argv[1]))).decode() + "\n")


if __name__ == "__main__":
    main()
