"""``voucherify-async demo``: a bulk import from start to end, on the embedded emulator, in a few seconds.

It starts the emulator in this process (processing orders at a set rate, so the progress is there to see),
generates a shop's historical orders (:mod:`voucherify_async.cli.demo_orders`), imports them with the
batcher and the progress bar, keeping each order's real date in metadata, prints the report, and reads a few
orders back through the API. Nothing leaves the machine: the emulator listens on loopback only.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from collections import Counter
from typing import Any, TextIO

import anyio

import voucherify_async as vf
from voucherify_async.cli.demo_orders import (
    CHANNEL_SCHEMA,
    DemoDataset,
    generate_orders,
    order_source_id,
    plan_dataset,
)
from voucherify_async.cli.display import ProgressDisplay, choose_mode, plural
from voucherify_async.cli.exit_codes import EXIT_INTERRUPTED, EXIT_NOT_ALL_IMPORTED, EXIT_OK
from voucherify_async.cli.interruption import Terminated, run_interruptible
from voucherify_async.cli.summary import render_summary, summary_width
from voucherify_async.cli.terminal_text import fit, terminal_safe
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.chunking import MAX_BATCH_SIZE
from voucherify_async.importing.polling import ImportPollPolicy

CREATED_AT_KEY = "original_created_at"
"""The metadata key that keeps each order's own date (Voucherify sets ``created_at`` to the import time)."""


def run_demo(args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the demo; exit code 0 when every order is accounted for as planned."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    dataset = plan_dataset(args.orders, seed=args.seed)
    display = ProgressDisplay(stderr, mode=choose_mode(args.progress, stderr), total_orders=dataset.count)
    try:
        report = run_interruptible(lambda: _demo(dataset, args.rate, display, stdout))
    except (KeyboardInterrupt, Terminated):
        display.finish()
        print("demo interrupted", file=stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK if report.consistent else EXIT_NOT_ALL_IMPORTED


async def _demo(dataset: DemoDataset, rate: float, display: ProgressDisplay, out: TextIO) -> vf.ImportReport:
    from voucherify_async.emulator import Emulator

    app_id, app_token = "demo", secrets.token_urlsafe(16)
    async with Emulator(app_id, app_token, processing_rate=rate, metadata_schema=CHANNEL_SCHEMA) as emulator:
        print(f"Embedded Voucherify emulator listening on {emulator.url}", file=out)
        print(fit(_introduction(dataset), summary_width(out)), file=out, flush=True)
        async with vf.AsyncVoucherify(app_id, app_token, base_url=emulator.url) as client:
            batcher = ImportBatcher(
                client,
                on_progress=display,
                created_at_metadata=CREATED_AT_KEY,
                total_orders=dataset.count,
                # The demo knows its server's speed: the first look at an import comes when it should be done.
                poll=ImportPollPolicy(first=MAX_BATCH_SIZE / rate),
            )
            async with anyio.create_task_group() as tasks:
                if display.mode == "bar":
                    tasks.start_soon(display.keep_alive)
                report = await batcher.run(generate_orders(dataset))
                tasks.cancel_scope.cancel()
            display.finish()
            print("\n" + render_summary(report, width=summary_width(out)), file=out)
            print(fit(_planned_versus_found(dataset, report), summary_width(out)), file=out)
            await _read_back(client, dataset, report, out)
    return report


def _introduction(dataset: DemoDataset) -> str:
    kinds = Counter(dataset.defects.values())
    broken = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in sorted(kinds.items()))
    return (
        f"Importing {dataset.count:,} generated historical orders (2019-2024, seed {dataset.seed}); "
        f"{len(dataset.defects)} are broken on purpose ({broken}).\n"
        "Batches of up to 2000 go one at a time; each order's created_at is kept in "
        f"metadata.{CREATED_AT_KEY}.\n"
    )


def _planned_versus_found(dataset: DemoDataset, report: vf.ImportReport) -> str:
    rejected = {failure.source_id for failure in report.rejected}
    failed = {failure.source_id for failure in report.failed}

    def planned(*kinds: str) -> set[str]:
        return {source_id for source_id, kind in dataset.defects.items() if kind in kinds}

    local = planned("zero_quantity", "negative_amount", "unknown_status")
    customer, channel = planned("missing_customer"), planned("unknown_channel")
    refused = sum(1 for batch in report.batches if batch.rejected)
    lines = [
        "",
        f"Broken on purpose and rejected before sending: {len(local & rejected)} of {len(local)} "
        "(no bulk call spent on them)",
        f"Broken on purpose, refused by the server (a metadata schema only it knows) and isolated: "
        f"{len(channel & rejected)} of {len(channel)}, in {plural(refused, 'batch', 'batches')} that cost "
        f"{plural(report.extra_bulk_calls, 'extra bulk call')}",
        f"Broken on purpose and failed on the server (a customer id that does not exist): "
        f"{len(customer & failed)} of {len(customer)}",
        f"Invariant orders == imported + failed + rejected: {report.orders:,} == {report.imported:,} + "
        f"{len(report.failed):,} + {len(report.rejected):,} ({'holds' if report.consistent else 'BROKEN'})",
    ]
    return "\n".join(lines)


async def _read_back(
    client: vf.AsyncVoucherify, dataset: DemoDataset, report: vf.ImportReport, out: TextIO
) -> None:
    page = await client.orders.list(limit=1)
    print(f"\nThe project now holds {page.total:,} orders. Reading a few back through the API:", file=out)
    broken = sorted(dataset.defects)[:1]
    for source_id in [order_source_id(0), order_source_id(dataset.count // 2), *broken]:
        try:
            order = await client.orders.get(source_id)
        except vf.NotFoundError:
            reasons = [f.reason for f in (*report.rejected, *report.failed) if f.source_id == source_id]
            print(f"  {source_id}  not in the project (404)", file=out)
            print(terminal_safe(f"  {'':11}  {reasons[0] if reasons else 'not imported'}"), file=out)
            continue
        print(_describe(order), file=out)


def _describe(order: vf.Order) -> str:
    metadata: dict[str, Any] = order.metadata or {}
    items = plural(len(order.items or []), "item")
    status = getattr(order.status, "value", order.status)
    imported_at = order.created_at.isoformat(timespec="seconds") if order.created_at else "?"
    indent = " " * 15
    return (
        f"  {order.source_id}  {status}, amount {order.amount}, {items}\n"
        f"{indent}created_at {imported_at} (the time of the import)\n"
        f"{indent}metadata.{CREATED_AT_KEY} {metadata.get(CREATED_AT_KEY)} (the order's own date)"
    )
