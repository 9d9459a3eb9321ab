"""Measure the batcher by hand (not a test): throughput, peak memory and polls per batch.

The emulator runs in a process of its own (its stored orders must not count in the batcher's memory); this
process generates the orders lazily and imports them.

Usage:
    uv run python tests/importing/measure_import.py 100000 [--rate ORDERS_PER_S] [--delay S] [--source jsonl]
        [--checkpoint]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import orjson

import voucherify_async as vf


def generate(count: int) -> Iterator[dict[str, Any]]:
    """Realistic historical orders: a customer, two items, metadata and the original creation date."""
    for n in range(count):
        yield {
            "source_id": f"hist-{n:08d}",
            "status": "PAID",
            "amount": 2500 + n % 1000,
            "created_at": "2021-03-04T05:06:07Z",
            "customer": {"source_id": f"cust-{n % 5000}", "email": f"c{n % 5000}@example.com"},
            "items": [
                {"source_id": "sku-1", "related_object": "sku", "quantity": 1, "price": 1500},
                {"source_id": "sku-2", "related_object": "sku", "quantity": 2, "price": 500 + n % 1000 // 2},
            ],
            "metadata": {"channel": "web", "legacy_id": n},
        }


def write_jsonl(count: int) -> Path:
    """The generated orders as a JSON Lines file (to measure the file reader too)."""
    path = Path(tempfile.mkdtemp()) / "orders.jsonl"
    with open(path, "wb") as file:
        for order in generate(count):
            file.write(orjson.dumps(order) + b"\n")
    return path


async def measure(base_url: str, orders: Any, checkpoint: Path | None) -> None:
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    async with vf.AsyncVoucherify("app", "token", base_url=base_url) as client:
        started = time.perf_counter()
        batcher = vf.ImportBatcher(client, created_at_metadata="original_created_at", checkpoint=checkpoint)
        report = await batcher.run(orders)
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    polls = [batch.polls for batch in report.batches]
    print(
        f"orders={report.orders} imported={report.imported} failed={len(report.failed)} "
        f"rejected={len(report.rejected)} batches={len(report.batches)} bulk_calls={report.bulk_calls}\n"
        f"seconds={seconds:.1f} throughput={report.orders / seconds:,.0f} orders/s\n"
        f"peak_rss={peak / 1024:.1f} MiB (at start {rss_before / 1024:.1f} MiB)\n"
        f"polls per batch: mean={sum(polls) / max(1, len(polls)):.2f} max={max(polls, default=0)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("--rate", type=float, default=None, help="emulator processing rate (orders/s)")
    parser.add_argument("--delay", type=float, default=None, help="emulator processing delay per import (s)")
    parser.add_argument("--source", choices=["generator", "jsonl"], default="generator")
    parser.add_argument("--checkpoint", action="store_true", help="keep a checkpoint journal (in a temp dir)")
    args = parser.parse_args()
    command = [sys.executable, "-m", "voucherify_async.emulator", "--port", "0"]
    if args.rate is not None:
        command += ["--processing-rate", str(args.rate)]
    if args.delay is not None:
        command += ["--processing-delay", str(args.delay)]
    orders: Any = vf.read_jsonl(write_jsonl(args.count)) if args.source == "jsonl" else generate(args.count)
    emulator = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert emulator.stdout is not None
        checkpoint = Path(tempfile.mkdtemp()) / "import.journal" if args.checkpoint else None
        anyio.run(measure, emulator.stdout.readline().strip(), orders, checkpoint)
    finally:
        emulator.terminate()
        emulator.wait()


if __name__ == "__main__":
    main()
