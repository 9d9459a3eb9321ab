"""One measurement in a fresh child process: ``python -m benchmarks.worker '<json spec>'``.

A fresh process per measurement keeps runs independent (no warm caches or pools carried over) and makes
its peak RSS (``VmHWM``) the peak of exactly that one import. The result is printed as one JSON line.

Spec keys: ``measure`` (``import``, ``single_calls``, ``tracker`` or ``observability``), ``contender``,
``base_url``, ``app_id``, ``app_token``, and per measure: ``source`` (``list``, ``generator`` or ``jsonl``),
``count``, ``seed``, ``jsonl_path``, ``poll_interval``, ``batch_size``, and for voucherify-async ``options``
(``ImportBatcher`` settings), ``checkpoint`` (``true``: a journal in a fresh temporary directory) and
``track_duplicates`` (``false``: the batcher reads without its source_id tracker); or ``source_ids`` and
``list_pages``; or, for ``tracker``, ``count`` and ``memory_limit`` (see ``duplicates.py``); or, for
``observability``, ``variant``, ``source_ids`` and ``calls`` (see ``observability.py``).
``mapping`` (and an ``import`` whose ``source`` is ``mapped``), ``csv_path`` and ``mapping``.
"""

from __future__ import annotations

import asyncio
import importlib
import resource
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from benchmarks.contenders import HAND_WRITTEN, ImportOutcome
from benchmarks.contenders.hand_written import auth_headers
from benchmarks.duplicates import disable_duplicate_tracking, measure_tracker
from benchmarks.observability import measure_overhead
from benchmarks.order_stream import generate_orders, read_jsonl


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB.

    Linux's ``VmHWM`` is the peak of this program alone; ``ru_maxrss`` is not: it keeps the peak of the
    process before ``exec``, i.e. of the forking parent, so it is only the fallback off Linux.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time (user + system) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def order_source(spec: dict[str, Any], module: Any) -> Iterable[dict[str, Any]]:
    """The orders to import: a list built before the clock starts, a generator, a JSON Lines file, or a
    shop's CSV export through a mapping (``mapped``: ``csv_path``, ``mapping``).

    A contender that ships its own file reader (``read_jsonl``) reads the file with it, as its users would.
    """
    if spec["source"] == "jsonl":
        reader = getattr(module, "read_jsonl", read_jsonl)
        return reader(Path(spec["jsonl_path"]))
    if spec["source"] == "mapped":  # a shop's export, through a mapping (the ``mapped`` suite)
        import voucherify_async as vf

        return vf.mapped(Path(spec["csv_path"]), spec["mapping"])
    orders = generate_orders(spec["count"], spec["seed"])
    return list(orders) if spec["source"] == "list" else orders


def run_import(spec: dict[str, Any]) -> ImportOutcome:
    """Run one import with the contender named in the spec."""
    module = importlib.import_module(f"benchmarks.contenders.{spec['contender']}")
    baseline = peak_rss_mb()
    orders = order_source(spec, module)
    args = (spec["base_url"], spec["app_id"], spec["app_token"], orders)
    batch_size = spec.get("batch_size", 2000)
    spec["baseline_rss_mb"] = baseline
    spec["cpu_before"] = cpu_seconds()
    if spec["contender"] == "official":
        return module.import_orders(*args, poll_interval=spec["poll_interval"], batch_size=batch_size)
    if spec["contender"] in HAND_WRITTEN:
        coroutine = module.import_orders(
            *args,
            poll_interval=spec["poll_interval"],
            batch_size=batch_size,
            random_phase=spec.get("random_phase", False),
        )
    else:
        if spec.get("track_duplicates") is False:
            disable_duplicate_tracking()
        coroutine = module.import_orders(*args, batch_size=batch_size, **spec.get("options", {}))
    return asyncio.run(coroutine)


def run_voucherify_async(spec: dict[str, Any]) -> ImportOutcome:
    """Run one import with voucherify-async, with a checkpoint journal of its own if the spec asks."""
    if not spec.get("checkpoint"):
        return run_import(spec)
    with tempfile.TemporaryDirectory(prefix="voucherify-bench-") as directory:
        spec["options"] = {**spec.get("options", {}), "checkpoint": str(Path(directory) / "orders.journal")}
        return run_import(spec)


async def fetch_actions(spec: dict[str, Any], action_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The server's view of each action (finish time, processing time), read after the measured run."""
    actions: dict[str, dict[str, Any]] = {}
    headers = auth_headers(spec["app_id"], spec["app_token"])
    async with aiohttp.ClientSession(spec["base_url"], headers=headers) as session:
        for action_id in action_ids:
            async with session.get(f"/v1/async-actions/{action_id}") as response:
                action = orjson.loads(await response.read())
            updated_at = datetime.fromisoformat(action["updated_at"].replace("Z", "+00:00"))
            actions[action_id] = {
                "status": action.get("status"),
                "processing_time_ms": action.get("processing_time"),
                "finished_at": updated_at.timestamp(),
                "done_count": (action.get("result") or {}).get("done_count"),
            }
    return actions


def measure_import(spec: dict[str, Any]) -> dict[str, Any]:
    """Import, then add the peak RSS and the server's record of every action."""
    outcome = run_voucherify_async(spec) if spec["contender"] == "voucherify_async" else run_import(spec)
    result = outcome.as_dict()
    # The client's own CPU time for the import (building a list source happens before, and is not counted).
    result["cpu_seconds"] = cpu_seconds() - spec["cpu_before"]
    result["peak_rss_mb"] = peak_rss_mb()
    result["baseline_rss_mb"] = spec["baseline_rss_mb"]
    result["actions"] = asyncio.run(fetch_actions(spec, outcome.action_ids))
    package = sys.modules.get("voucherify_async")
    if package is not None and package.__file__:
        # Which checkout the package came from (see ``harness.package_from``).
        result["package_path"] = str(Path(package.__file__).resolve().parent.parent)
    return result


def measure_single_calls(spec: dict[str, Any]) -> dict[str, Any]:
    """Time single ``get`` and ``list`` calls with the contender named in the spec."""
    module = importlib.import_module(f"benchmarks.contenders.{spec['contender']}")
    args = (spec["base_url"], spec["app_id"], spec["app_token"], spec["source_ids"], spec["list_pages"])
    if spec["contender"] == "official":
        return module.time_single_calls(*args)
    return asyncio.run(module.time_single_calls(*args))


def measure_mapping(spec: dict[str, Any]) -> dict[str, Any]:
    """Map a shop's export without importing: rows and orders per second, and the peak RSS of mapping alone.

    Spec keys: ``csv_path``, ``mapping``.
    """
    import voucherify_async as vf

    baseline = peak_rss_mb()
    started, cpu_before = time.perf_counter(), cpu_seconds()
    orders = rejected = rows = 0
    for result in vf.mapped(Path(spec["csv_path"]), spec["mapping"]).results():
        orders += result.order is not None
        rejected += result.order is None
        rows = result.last
    return {
        "rows": rows,
        "orders": orders,
        "rejected": rejected,
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu_before,
        "peak_rss_mb": peak_rss_mb(),
        "baseline_rss_mb": baseline,
    }


def main() -> None:
    """Run the measurement given as JSON in ``argv[1]`` and print its result as one JSON line."""
    spec = orjson.loads(sys.argv[1])
    measures = {
        "import": measure_import,
        "single_calls": measure_single_calls,
        "tracker": measure_tracker,
        "observability": measure_overhead,
        "mapping": measure_mapping,
    }
    measure = measures[spec["measure"]]
    sys.stdout.write(orjson.dumps(measure(spec)).decode() + "\n")


if __name__ == "__main__":
    main()
