"""Section 8 of RESULTS.md: the emulator at scale (records of ``emulator_scale.py``)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from benchmarks.analysis import ok
from benchmarks.stats import Summary, paired_ratios, summarise

LABELS = {
    ("before", "memory"): "before, in memory",
    ("after", "memory"): "after, in memory",
    ("after", "sqlite"): "after, data directory (SQLite)",
}


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def _stored(records: list[dict[str, Any]]) -> dict[tuple[str, str, bool], dict[str, Any]]:
    return {(r["package"], r["store"], r["traced"]): r for r in ok(records) if r["kind"] == "stored_orders"}


def bytes_per_order(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, float | None]]:
    """Per (package, store): traced bytes and RSS growth per stored order."""
    stored = _stored(records)
    table: dict[tuple[str, str], dict[str, float | None]] = {}
    for (package, store, traced), record in sorted(stored.items()):
        row = table.setdefault((package, store), {"traced": None, "rss": None})
        count = record["stored"] or 1
        if traced:
            row["traced"] = record["traced_bytes"] / count
        else:
            row["rss"] = record["rss_growth_mb"] * 2**20 / count
    return table


def _servers(records: list[dict[str, Any]]) -> dict[tuple[int, str, str], list[dict[str, Any]]]:
    groups: dict[tuple[int, str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in ok(records):
        if record["kind"] == "server":
            groups[(record["count"], record["package"], record["store"])].append(record)
    return groups


def _cpu_per_order(record: dict[str, Any]) -> float:
    return float(record["cpu_seconds"] / record["stored"])


def cpu_ratios(records: list[dict[str, Any]]) -> dict[str, Summary]:
    """CPU per imported order, paired round by round at the smallest size: variant ÷ baseline."""
    servers = _servers(records)
    if not servers:
        return {}
    smallest = min(count for count, _, _ in servers)
    by_round = {
        key[1:]: {record["repeat"]: _cpu_per_order(record) for record in runs}
        for key, runs in servers.items()
        if key[0] == smallest
    }
    ratios = {}
    pairs = {
        "after in memory ÷ before": (("after", "memory"), ("before", "memory")),
        "after SQLite ÷ before": (("after", "sqlite"), ("before", "memory")),
        "after SQLite ÷ after in memory": (("after", "sqlite"), ("after", "memory")),
    }
    for name, (top, bottom) in pairs.items():
        if top in by_round and bottom in by_round:
            rounds = sorted(set(by_round[top]) & set(by_round[bottom]))
            ratios[name] = paired_ratios(
                [by_round[top][r] for r in rounds], [by_round[bottom][r] for r in rounds]
            )
    return ratios


def _mib(values: list[float]) -> str:
    return summarise(values).format(0)


def emulator_scale_section(records: list[dict[str, Any]]) -> str:
    """The section's text: what was measured, three tables, and the targets."""
    errors = [record for record in records if "error" in record]
    per_order = bytes_per_order(records)
    memory_rows = []
    baseline = per_order.get(("before", "memory"), {})
    for key in (variant for variant in LABELS if variant in per_order):
        row = per_order[key]
        cut = [
            f"{baseline[name] / value:.2f}x" if baseline.get(name) and value else ""
            for name, value in (("traced", row["traced"]), ("rss", row["rss"]))
        ]
        if key[1] == "sqlite":
            cut[0] = "(not traced)"  # SQLite allocates its pages and cache outside Python's allocator
        memory_rows.append(
            [
                LABELS[key],
                "" if row["traced"] is None else f"{row['traced']:,.0f}",
                "" if row["rss"] is None else f"{row['rss']:,.0f}",
                *(cut if key != ("before", "memory") else ["", ""]),
            ]
        )
    stored_count = next((r["count"] for r in ok(records) if r["kind"] == "stored_orders"), 0)
    memory = _table(
        [
            f"package, store ({stored_count:,} orders in one project, in process)",
            "bytes per order (tracemalloc)",
            "bytes per order (RSS growth)",
            "before ÷ this (tracemalloc)",
            "before ÷ this (RSS)",
        ],
        memory_rows,
    )
    server_rows = []
    ranks = {variant: rank for rank, variant in enumerate(LABELS)}
    for (count, package, store), runs in sorted(
        _servers(records).items(), key=lambda item: (item[0][0], ranks[item[0][1:]])
    ):
        server_rows.append(
            [
                f"{count:,}",
                LABELS[(package, store)],
                str(len(runs)),
                summarise([_cpu_per_order(run) * 1e6 for run in runs]).format(1),
                _mib([run["peak_rss_mb"] for run in runs]),
                _mib([run["rss_mb"] for run in runs]),
                summarise([run["wall_seconds"] for run in runs]).format(1),
                _mib([run["data_dir_mb"] for run in runs]) if "data_dir_mb" in runs[0] else "",
            ]
        )
    servers = _table(
        [
            "orders",
            "package, store",
            "runs",
            "emulator CPU per order (µs)",
            "peak RSS (MiB)",
            "RSS at the end (MiB)",
            "wall time (s)",
            "data file (MiB)",
        ],
        server_rows,
    )
    ratios = cpu_ratios(records)
    cpu = _table(
        ["CPU per imported order (paired rounds)", "ratio"],
        [[name, summary.format(3) + "x"] for name, summary in ratios.items()],
    )
    parts = [_note(records), memory, servers, cpu, _targets(records, per_order, ratios)]
    if errors:
        parts.append("Runs that failed: " + "; ".join(str(record["error"]) for record in errors))
    return "\n\n".join(parts)


def _note(records: list[dict[str, Any]]) -> str:
    commits = {r["package"]: r.get("commit") for r in records if "commit" in r}
    before = commits.get("before")
    compared = f"`before` is the package of commit {before}" if before else "no earlier checkout was given"
    return (
        f"{compared}, `after` the working tree's ({commits.get('after')}). In process: one project's state "
        "holding the imported orders (`ProjectState.enqueue_import` of 2,000-order batches, processed at "
        "once), a fresh process each; bytes per order from tracemalloc in one run and from the RSS growth in "
        "another, untraced (the RSS counts what SQLite allocates, and freed memory the allocator keeps). The "
        "emulator process: `benchmarks/serve_emulator.py` importing the orders of "
        "`benchmarks/bench_emulator.py` sent by a raw aiohttp client, 2,000 a request, each waited for until "
        "`DONE`; its CPU (user + system) and memory read from `/proc`. Rounds at the smallest size alternate "
        "which variant goes first; the larger size runs once.\n\n"
        "Reproduce: `git worktree add /tmp/emu-before <commit>`, then "
        "`uv run --group bench python -m benchmarks --only emulator_scale --before /tmp/emu-before`"
    )


def _targets(
    records: list[dict[str, Any]],
    per_order: dict[tuple[str, str], dict[str, float | None]],
    ratios: dict[str, Summary],
) -> str:
    rows = []
    before = per_order.get(("before", "memory"), {}).get("traced")
    after = per_order.get(("after", "memory"), {}).get("traced")
    if before and after:
        cut = before / after
        met = "yes" if cut >= 3 else "**no**"
        rows.append(["memory per stored order, in memory: cut ≥ 3x (tracemalloc)", f"{cut:.2f}x", met])
    growth = ratios.get("after in memory ÷ before")
    if growth and growth.count:
        met = "yes" if growth.median <= 1.2 else "**no**"
        rows.append(["emulator CPU per imported order ≤ 1.2x before", growth.format(3) + "x", met])
    sqlite = {count: runs for (count, package, store), runs in _servers(records).items() if store == "sqlite"}
    if len(sqlite) >= 2:
        low, high = min(sqlite), max(sqlite)
        flat = statistics.median(r["peak_rss_mb"] for r in sqlite[high]) / statistics.median(
            r["peak_rss_mb"] for r in sqlite[low]
        )
        shown = f"{flat:.2f}x ({high:,} ÷ {low:,} orders)"
        rows.append(
            [
                "data directory: peak RSS flat in the orders stored (≤ 1.1x)",
                shown,
                "yes" if flat <= 1.1 else "**no**",
            ]
        )
    return _table(["target", "measured", "met"], rows)
