"""The worker's side of the ``duplicates`` suite: the source_id tracker alone, and imports without it.

``measure_tracker`` feeds ``SourceIdTracker`` ``count`` distinct ids, then up to 100,000 of them again, and
reports the time per id (the loop that makes the ids is timed alone and taken off), the tracker's own bytes
per id and what the process's resident memory did (anonymous and file-backed apart).
``disable_duplicate_tracking`` makes the batcher of this process read its source without a tracker, the very
code otherwise: the import "without tracking" the suite compares with.
"""

from __future__ import annotations

import time
from typing import Any

_ID = "order-{:09d}"  # as long as the benchmark orders' source ids and most real ones


def _status_mib(*fields: str) -> dict[str, float]:
    """Fields of ``/proc/self/status`` (``VmRSS``, ``RssAnon``, ``RssFile``) in MiB; none off Linux."""
    found: dict[str, float] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in fields:
                    found[name] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return found


def measure_tracker(spec: dict[str, Any]) -> dict[str, Any]:
    """Spec keys: ``count`` (distinct ids), ``memory_limit`` (bytes; 0 spills at once)."""
    from voucherify_async.importing.duplicates import SourceIdTracker

    count = spec["count"]
    fields = ("VmRSS", "RssAnon", "RssFile")
    started = time.perf_counter()
    for n in range(1, count + 1):
        _ID.format(n)
    making = time.perf_counter() - started
    before = _status_mib(*fields)
    with SourceIdTracker(memory_limit=spec["memory_limit"]) as tracker:
        repeat_of = tracker.repeat_of
        started = time.perf_counter()
        for n in range(1, count + 1):
            repeat_of(_ID.format(n), n)
        adding = time.perf_counter() - started
        # A repeat is a look into the file: 100,000 of them, spread over the ids, tell its cost.
        step = max(1, count // 100_000)
        started = time.perf_counter()
        for n in range(1, count + 1, step):
            if repeat_of(_ID.format(n), count + n) != n:
                raise AssertionError(f"id {n} was not found again")
        repeats = len(range(1, count + 1, step))
        repeating = time.perf_counter() - started - making * repeats / count
        after = _status_mib(*fields)
        return {
            "count": count,
            "memory_limit": spec["memory_limit"],
            "spilled": tracker.spilled,
            "tracker_bytes": tracker.memory_bytes,
            "seconds_per_new_id": max(0.0, adding - making) / count,
            "seconds_per_repeat": max(0.0, repeating) / repeats,
            "rss_growth_mib": {name: after.get(name, 0.0) - before.get(name, 0.0) for name in fields},
        }


def disable_duplicate_tracking() -> None:
    """Make every ``ImportBatcher`` of this process read its source without a tracker (nothing else
    changes)."""
    from voucherify_async.importing import batcher
    from voucherify_async.importing.chunking import prepare_batches

    def batches_untracked(self: batcher.ImportBatcher, orders: Any, tracker: Any) -> Any:
        return prepare_batches(
            orders, rules=self.rules, batch_size=self.batch_size, max_batch_bytes=self.max_batch_bytes
        )

    batcher.ImportBatcher._batches = batches_untracked  # type: ignore[method-assign]
