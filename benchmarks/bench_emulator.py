"""How much the emulator itself costs per imported order.

Starts the emulator as its own process (``python -m voucherify_async.emulator``), imports 100,000 orders
(50 requests of 2,000, each waited for until its async action is ``DONE``) with a raw aiohttp client, and
reports the emulator process's CPU time per order (validation, queueing, storing, answering polls) and
the memory holding the orders. The request bodies are serialised before the clock starts, so the client's
own work is not counted.

Run: ``uv run python benchmarks/bench_emulator.py [--orders 100000] [--batch 2000] [--data-dir DIR]``
(``--data-dir``: the emulator keeps the orders in DIR, an SQLite file, instead of its memory).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson

AUTH = {"X-App-Id": "app", "X-App-Token": "token", "Content-Type": "application/json"}


def historical_order(index: int) -> dict[str, Any]:
    """A realistic order: two items, a customer by source_id, metadata."""
    return {
        "source_id": f"hist-{index:07d}",
        "status": "FULFILLED",
        "amount": 4200,
        "discount_amount": 200,
        "items": [
            {"source_id": f"sku-{index % 97}", "related_object": "product", "quantity": 2, "price": 1500},
            {"source_id": "shipping", "related_object": "product", "quantity": 1, "price": 1200},
        ],
        "customer": {"source_id": f"cust-{index % 5000}", "name": "Customer"},
        "metadata": {"channel": "web", "original_created_at": "2021-03-04T05:06:07Z"},
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat(5)
    return ticks / os.sysconf("SC_CLK_TCK")


def resident_megabytes(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def import_all(base_url: str, bodies: list[bytes]) -> None:
    """Submit each batch and poll its async action until it is DONE, one at a time."""
    async with aiohttp.ClientSession(base_url) as session:
        for body in bodies:
            async with session.post("/v1/orders/import", data=body, headers=AUTH) as response:
                response.raise_for_status()
                action_id = (await response.json())["async_action_id"]
            while True:
                async with session.get(f"/v1/async-actions/{action_id}", headers=AUTH) as response:
                    action = await response.json()
                if action["status"] == "DONE":
                    assert action["result"]["failed_count"] == 0, action["result"]
                    break
        async with session.get("/v1/orders", params={"limit": "1"}, headers=AUTH) as response:
            total = (await response.json())["total"]
    expected = sum(len(orjson.loads(body)) for body in bodies)
    assert total == expected, (total, expected)


def main() -> int:
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--data-dir", default=None, help="the emulator's --data-dir (default: in memory)")
    args = parser.parse_args()
    orders = [historical_order(index) for index in range(args.orders)]
    bodies = [orjson.dumps(orders[start : start + args.batch]) for start in range(0, args.orders, args.batch)]
    command = [sys.executable, "-m", "voucherify_async.emulator", "--port", "0"]
    if args.data_dir is not None:
        command += ["--data-dir", args.data_dir]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        cpu_before = cpu_seconds(server.pid)
        wall_before = time.perf_counter()
        asyncio.run(import_all(base_url, bodies))
        wall = time.perf_counter() - wall_before
        cpu = cpu_seconds(server.pid) - cpu_before
        memory = resident_megabytes(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    megabytes = sum(len(body) for body in bodies) / 1e6
    print(f"imported {args.orders:,} orders in {len(bodies)} requests ({megabytes:.1f} MB of JSON)")
    print(f"emulator CPU time: {cpu:.2f} s = {cpu / args.orders * 1e6:.1f} us per order")
    print(f"wall time (client and server): {wall:.2f} s = {wall / args.orders * 1e6:.1f} us per order")
    print(f"emulator resident memory holding them: {memory:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
