"""What the batcher's scenario tests share: order factories and the report's invariant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import orjson

import voucherify_async as vf
from voucherify_async.emulator import Fault
from voucherify_async.importing.batcher import ImportBatcher


def make_orders(count: int, *, start: int = 0, **extra: Any) -> list[dict[str, Any]]:
    """``count`` valid orders with source_ids ``o-<n>``."""
    return [
        {"source_id": f"o-{n}", "status": "PAID", "amount": 100 + n, **extra}
        for n in range(start, start + count)
    ]


def assert_accounted(report: vf.ImportReport) -> None:
    """The invariant of every run: each order read is imported, failed or rejected."""
    assert report.orders == report.imported + len(report.failed) + len(report.rejected)


def import_fault(kind: str, **options: Any) -> Fault:
    """A fault of ``POST /v1/orders/import``."""
    return Fault(kind, route="POST /v1/orders/import", **options)  # type: ignore[arg-type]


def cut_journal_after_last(journal: Path, event: str, batch: int) -> None:
    """Keep the journal up to the last ``event`` step of ``batch``: a kill right after it was written."""
    lines = journal.read_bytes().splitlines(keepends=True)
    steps = [orjson.loads(line) for line in lines]
    keep = max(i for i, step in enumerate(steps) if step["event"] == event and step.get("batch") == batch)
    journal.write_bytes(b"".join(lines[: keep + 1]))


async def stop_at_submission(batcher: ImportBatcher, orders: Any, *, batch: int = 1) -> str:
    """Run ``batcher`` until the import of ``batch`` is accepted, then stop it as a kill would (the journal,
    if any, ends there); return that import's action id."""
    action_id = ""
    with anyio.CancelScope() as scope:

        def stop(event: vf.ProgressEvent) -> None:
            nonlocal action_id
            if isinstance(event, vf.BatchSubmitted) and event.batch == batch:
                action_id = event.async_action_id
                scope.cancel()

        batcher.on_progress = stop
        await batcher.run(orders)
    return action_id
