"""The ``mapped`` suite: imports of a shop's CSV export through a mapping, at two sizes, and its section of
RESULTS.md.

Each size is a Shopify-style export (``shop_export.py``) of that many rows (about two rows an order), read
through the ``shopify`` preset. Measured, each in a fresh process: the mapping alone (rows per second, peak
RSS), and whole imports into a fresh emulator with no server processing time, the batcher as shipped
(``tracking`` on: it remembers every ``source_id`` to spot repeats) and without its ``source_id`` tracker
(``benchmarks/duplicates.py``), the two alternating which goes first round after round. The mapping holds
one order at a time: the peak RSS of the largest export against the next, without the tracker, is the
mapping's own flatness; with it, the tracker's 16 bytes or so per order add to it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.analysis import ok
from benchmarks.emulator_process import running_emulator
from benchmarks.harness import Settings, run_worker, worker_spec
from benchmarks.shop_export import write_shopify_export
from benchmarks.stats import paired_ratios, summarise

Log = Callable[[str], None]
PRESET = "shopify"


def mapped(settings: Settings, log: Log) -> list[dict[str, Any]]:
    """Run the suite: records of ``kind`` ``mapping`` (the mapping alone) and ``import``."""
    records = []
    with tempfile.TemporaryDirectory(prefix="voucherify-bench-") as directory:
        for rows in settings.mapped_rows:
            path = Path(directory) / f"shopify-{rows}.csv"
            orders = write_shopify_export(path, rows)
            size = path.stat().st_size / 2**20
            result = run_worker({"measure": "mapping", "csv_path": str(path), "mapping": PRESET})
            result.update(kind="mapping", rows=rows, file_mb=size)
            records.append(result)
            log(f"  mapping {rows:,} rows ({size:.0f} MiB): {_describe(result)}")
            for repeat in range(settings.mapped_rounds):
                for tracking in [True, False] if repeat % 2 == 0 else [False, True]:
                    with running_emulator() as url:
                        spec = worker_spec(
                            "import",
                            "voucherify_async",
                            url,
                            source="mapped",
                            csv_path=str(path),
                            mapping=PRESET,
                            count=orders,
                            seed=0,
                            poll_interval=0.0,
                            track_duplicates=tracking,
                        )
                        result = run_worker(spec)
                    for detail in ("action_ids", "polls", "noticed_at", "actions"):
                        result.pop(detail, None)
                    result.update(kind="import", rows=rows, tracking=tracking, repeat=repeat, file_mb=size)
                    records.append(result)
                    log(
                        f"  #{repeat + 1} import of {rows:,} rows, tracking {'on' if tracking else 'off'}: "
                        f"{_describe(result)}"
                    )
            path.unlink()
    return records


def _describe(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"ERROR {result['error']}"
    return (
        f"{result['orders']:,} orders in {result['wall_seconds']:.2f} s, client CPU "
        f"{result['cpu_seconds']:.2f} s, peak RSS {result['peak_rss_mb']:.1f} MiB"
    )


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def flatness(records: list[dict[str, Any]], tracking: bool) -> tuple[int, int, float] | None:
    """The largest export's peak RSS over the next one's (medians over the rounds), with their sizes."""
    imports = [r for r in ok(records) if r.get("kind") == "import" and r["tracking"] is tracking]
    sizes = sorted({r["rows"] for r in imports})
    if len(sizes) < 2:
        return None
    peak = {
        size: summarise([r["peak_rss_mb"] for r in imports if r["rows"] == size]).median for size in sizes
    }
    return sizes[-1], sizes[-2], peak[sizes[-1]] / peak[sizes[-2]]


def section(records: list[dict[str, Any]]) -> str:
    """The ``## 9. Mapped imports`` section's body."""
    mapping_rows = [
        [
            f"{r['rows']:,}",
            f"{r['orders']:,}",
            f"{r['file_mb']:.0f}",
            f"{r['rows'] / r['wall_seconds']:,.0f}",
            f"{r['cpu_seconds'] / r['rows'] * 1e6:.1f}",
            f"{r['peak_rss_mb']:.1f}",
        ]
        for r in ok(records)
        if r.get("kind") == "mapping"
    ]
    alone_table = _table(
        ["rows", "orders", "file (MiB)", "rows/s", "CPU µs per row", "peak RSS (MiB)"], mapping_rows
    )
    imports = [r for r in ok(records) if r.get("kind") == "import"]
    import_rows = []
    for size in sorted({r["rows"] for r in imports}):
        runs = [r for r in imports if r["rows"] == size]
        by_round: dict[int, dict[bool, dict[str, Any]]] = {}
        for r in runs:
            by_round.setdefault(r["repeat"], {})[r["tracking"]] = r
        pairs = [pair for pair in by_round.values() if len(pair) == 2]
        for tracking in (True, False):
            mine = [r for r in runs if r["tracking"] is tracking]
            ratio = paired_ratios(
                [p[True]["peak_rss_mb"] for p in pairs], [p[False]["peak_rss_mb"] for p in pairs]
            )
            import_rows.append(
                [
                    f"{size:,}",
                    f"{mine[0]['orders']:,}" if mine else "",
                    "on" if tracking else "off",
                    summarise([r["peak_rss_mb"] for r in mine]).format(1),
                    summarise([r["cpu_seconds"] for r in mine]).format(2),
                    summarise([r["wall_seconds"] for r in mine]).format(2),
                    summarise([r["rows"] / r["wall_seconds"] for r in mine]).format(0),
                    (ratio.format(3) + "x") if tracking else "",
                ]
            )
    table = _table(
        [
            "rows",
            "orders",
            "source_id tracking",
            "peak RSS (MiB)",
            "client CPU (s)",
            "wall time (s)",
            "rows/s",
            "on ÷ off, peak RSS (paired)",
        ],
        import_rows,
    )
    flat = []
    alone = {r["rows"]: r["peak_rss_mb"] for r in ok(records) if r.get("kind") == "mapping"}
    if len(alone) >= 2:
        big, small = sorted(alone)[-1], sorted(alone)[-2]
        flat.append(
            f"- peak RSS, {big:,} rows ÷ {small:,} rows, the mapping alone: {alone[big] / alone[small]:.3f}x"
        )
    for tracking, label in ((False, "imports without the tracker"), (True, "imports as shipped")):
        found = flatness(records, tracking)
        if found is not None:
            big, small, ratio = found
            flat.append(f"- peak RSS, {big:,} rows ÷ {small:,} rows, {label}: {ratio:.3f}x")
    note = (
        "A Shopify-style orders export (`benchmarks/shop_export.py`: one row per line item, about two an "
        "order, the order's fields on its first row; 27 columns) read through the `shopify` preset with "
        "`vf.mapped(path, 'shopify')`. The mapping alone: a fresh process mapping the file without "
        "importing. The imports: a fresh process and a fresh emulator each (no server processing time), the "
        "batcher as "
        "shipped (source_id tracking on) and without its tracker, alternating which goes first.\n\n"
        "Reproduce: `uv run --group bench python -m benchmarks --only mapped`"
    )
    return "\n\n".join([note, "\n".join(flat), "The mapping alone:", alone_table, "Whole imports:", table])
