"""Write ``RESULTS.md`` from the raw results: the machine, the targets, and one table per suite."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from benchmarks import analysis, client_cost, mapped, observability
from benchmarks.analysis import NAMES, SDK
from benchmarks.emulator_scale_report import emulator_scale_section
from benchmarks.startup import startup_headline, startup_section
from benchmarks.stats import Summary
from benchmarks.varying_polling import varying_headline, varying_section


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _ratio(summary: Summary | None) -> str:
    return "" if summary is None or summary.count == 0 else summary.format(2) + "x"


def machine_section(machine: dict[str, Any], reruns: list[dict[str, Any]]) -> str:
    """The machine and software the numbers come from."""
    packages = ", ".join(f"{name} {version}" for name, version in machine["packages"].items())
    rows = [
        ["CPU", f"{machine['cpu']} ({machine['cores']} cores)"],
        ["memory", f"{machine['memory_gb']:.1f} GB"],
        ["OS", machine["os"]],
        ["Python", machine["python"]],
        ["packages", packages],
        ["commit", machine["commit"]],
        [
            "load average (1 min) at start / end",
            f"{machine['load_start']:.2f} / {machine.get('load_end', 0):.2f}",
        ],
        ["started / took", f"{machine['started']} / {machine.get('took_seconds', 0) / 60:.1f} min"],
    ]
    for rerun in reruns:
        checkouts = rerun.get("checkouts", {})
        measured = f" (packages measured: {', '.join(f'{k} {v}' for k, v in checkouts.items())})"
        rows.append(
            [
                f"rerun of {', '.join(rerun['suites'])}",
                f"{rerun['started']}, commit {rerun['commit']}{measured if checkouts else ''}, "
                f"load {rerun['load_start']:.2f}",
            ]
        )
    note = (
        "The machine's 2 cores are shared: the emulator runs in its own process on them, and other "
        "processes (test suites) ran at the same time. Absolute numbers are therefore noisy; the runs "
        "are interleaved (A B C A B C ...) and the ratios are taken pair by pair within a round, so that "
        "a slow moment hits every contender alike."
    )
    return "## Machine\n\n" + _table(["", ""], rows) + "\n\n" + note


def throughput_section(records: list[dict[str, Any]], title: str, note: str) -> str:
    """A throughput table for one scenario."""
    rows = [
        [
            NAMES[row["contender"]],
            row["orders_per_second"].format(0),
            row["wall_seconds"].format(2),
            row["polls_per_batch"].format(1),
            row["cpu_seconds"].format(2),
            _ratio(row.get("sdk_ratio")),
            _ratio(row.get("cpu_ratio")),
        ]
        for row in analysis.throughput_table(records)
    ]
    header = [
        "contender",
        "orders/s",
        "wall time (s)",
        "polls per batch",
        "client CPU time (s)",
        "voucherify-async ÷ this, orders/s (paired)",
        "this ÷ voucherify-async, CPU time (paired)",
    ]
    return f"### {title}\n\n{note}\n\n" + _table(header, rows)


def wall_vs_server_section(records: list[dict[str, Any]]) -> str:
    """Whole-import wall time against the sum of the server's processing times."""
    rows = [
        [
            NAMES[row["contender"]],
            row["wall_seconds"].format(2),
            row["server_seconds"].format(2),
            row["submit_seconds"].format(2),
            row["detection_seconds"].format(2),
            row["wall_over_server"].format(3),
        ]
        for row in analysis.throughput_table(records)
    ]
    header = [
        "contender",
        "wall time (s)",
        "sum of server processing times (s)",
        "time in import POSTs (s)",
        "sum of detection delays (s)",
        "wall ÷ server",
    ]
    return _table(header, rows)


def memory_section(records: list[dict[str, Any]]) -> str:
    """Peak RSS per contender, source and size."""
    rows = [
        [
            NAMES[row["contender"]],
            row["source"],
            f"{row['count']:,}",
            f"{row['peak_rss_mb']:.1f}",
            f"{row['baseline_rss_mb']:.1f}",
            f"{row['orders_per_second']:,.0f}",
        ]
        for row in analysis.memory_table(records)
    ]
    header = ["contender", "source", "orders", "peak RSS (MiB)", "RSS after imports (MiB)", "orders/s"]
    flat = analysis.memory_flatness(records)
    ratios = "; ".join(f"{source}: {value:.3f}" for source, value in flat.items())
    return (
        _table(header, rows)
        + f"\n\nvoucherify-async, largest over second-largest peak RSS: {ratios or 'n/a'}."
    )


def polling_section(records: list[dict[str, Any]]) -> str:
    """Polls per batch and detection delay per server processing time."""
    rows = [
        [
            f"{row['processing_time']:g}",
            NAMES[row["contender"]] if row["contender"] == SDK else "fixed 1 s polling (hand-written loop)",
            f"{row['polls_per_batch']:.1f}",
            row["delay"].format(3),
            f"{row['target']:.2f}",
            f"{row['within_target']:.0%}",
        ]
        for row in analysis.polling_table(records)
    ]
    header = [
        "server time per batch (s)",
        "contender",
        "polls per batch",
        "detection delay (s)",
        "bound (s)",
        "batches within bound",
    ]
    return _table(header, rows)


def single_call_section(records: list[dict[str, Any]]) -> str:
    """Per-call latency of orders.get / orders.list."""
    rows = []
    for row in analysis.single_call_table(records):
        overhead = (row["seconds"].median - row["raw_seconds"].median) * 1e6
        rows.append(
            [
                f"`{row['call']}`",
                NAMES[row["contender"]],
                row["seconds"].format(0, 1e6),
                _ratio(row["vs_raw"]),
                f"{overhead:+,.0f}",
            ]
        )
    header = [
        "call",
        "contender",
        "µs per call (median of rounds)",
        "÷ raw aiohttp (paired)",
        "overhead (µs)",
    ]
    return _table(header, rows)


_CONFIGS = {
    "defaults": "`ImportBatcher(client)`",
    "checkpoint_coordinated": "`ImportBatcher(client, checkpoint=..., coordinate_with_other_processes=True)`",
}


def normal_path_command(rows: list[dict[str, Any]]) -> str:
    """The commands that measure the same two checkouts again (each but the working tree a git worktree)."""
    checkouts, commits = rows[0]["checkouts"], rows[0]["commits"]
    command = f"uv run --group bench python -m benchmarks --only normal_path --before {checkouts['before']}"
    worktrees = [f"git worktree add {checkouts['before']} {commits['before'].split()[0]}"]
    if checkouts["after"] != str(Path(__file__).resolve().parent.parent):
        command += f" --after {checkouts['after']}"
        worktrees.append(f"git worktree add {checkouts['after']} {commits['after'].split()[0]}")
    return " && ".join([*worktrees, command])


def _count(summary: Summary | None) -> str:
    """Calls per import: one number when every run made as many, else median (min..max)."""
    if summary is None:
        return "0"
    return f"{summary.median:,.0f}" if summary.low == summary.high else summary.format(0)


def normal_path_section(records: list[dict[str, Any]]) -> str:
    """The package of two checkouts on the normal path: API calls per route, client CPU, wall time."""
    rows = analysis.normal_path_table(records)
    if not rows:
        return "No run finished."
    commits = rows[0]["commits"]
    rounds = max(record["repeat"] for record in records) + 1
    note = (
        f"voucherify-async at {commits.get('before')} (before) and at {commits.get('after')} (after), each "
        f"importing the same {rows[0]['orders']:,} orders into one emulator with no server processing time "
        f"and no faults; {rounds} rounds, the checkouts alternating which goes first. Only the package "
        "differs: interpreter, dependencies, emulator and harness are the same for both. Calls are counted "
        "on the client (an aiohttp trace hook: every request sent, retries included).\n\n"
        f"Reproduce: `{normal_path_command(rows)}`"
    )
    call_rows = []
    for row in rows:
        for route in row["calls"].get("before", {}):
            call_rows.append(
                [
                    _CONFIGS.get(row["config"], row["config"]),
                    f"`{route}`",
                    _count(row["calls"]["before"][route]),
                    _count(row["calls"].get("after", {}).get(route)),
                    "yes" if row["same_calls"] else "**no**",
                ]
            )
        for route in set(row["calls"].get("after", {})) - set(row["calls"].get("before", {})):
            after = _count(row["calls"]["after"][route])
            call_rows.append([_CONFIGS.get(row["config"], row["config"]), f"`{route}`", "0", after, "**no**"])
    calls = _table(
        ["configuration", "route", "calls per import, before", "after", "same in every run"], call_rows
    )
    cost_rows = [
        [
            _CONFIGS.get(row["config"], row["config"]),
            row["cpu"].get("before", Summary(0, 0, 0, 0)).format(3),
            row["cpu"].get("after", Summary(0, 0, 0, 0)).format(3),
            row["cpu_ratio"].format(3) + "x",
            row["wall"].get("before", Summary(0, 0, 0, 0)).format(2),
            row["wall"].get("after", Summary(0, 0, 0, 0)).format(2),
            row["wall_ratio"].format(3) + "x",
        ]
        for row in rows
    ]
    header = [
        "configuration",
        "client CPU (s per 100k orders), before",
        "after",
        "after ÷ before, CPU (paired)",
        "wall time (s per 100k orders), before",
        "after",
        "after ÷ before, wall (paired)",
    ]
    return f"{note}\n\n{calls}\n\n{_table(header, cost_rows)}"


def duplicates_section(records: list[dict[str, Any]]) -> str:
    """The source_id tracker alone, then whole imports without and with it."""
    tracker_rows = [
        [
            f"{row['count']:,}",
            "file" if row["spilled"] else "memory",
            f"{row['seconds_per_new_id'] * 1e6:.2f}",
            f"{row['seconds_per_repeat'] * 1e6:.2f}",
            f"{row['tracker_bytes'] / row['count']:.1f}",
            f"{row['rss_growth_mib'].get('RssAnon', 0):.1f} / {row['rss_growth_mib'].get('RssFile', 0):.1f}",
        ]
        for row in analysis.tracker_table(records)
    ]
    tracker = _table(
        [
            "distinct ids",
            "fingerprints in",
            "µs per new id",
            "µs per repeat",
            "bytes per id in memory",
            "RSS growth, anonymous / file-backed (MiB)",
        ],
        tracker_rows,
    )
    import_rows = []
    for row in analysis.duplicates_import_table(records):
        for tracking in (False, True):
            ratio = " (paired)" if tracking else ""
            import_rows.append(
                [
                    f"{row['count']:,}",
                    "on" if tracking else "off",
                    row["peak_rss_mb"][tracking].format(1),
                    row["cpu_seconds"][tracking].format(2),
                    row["wall_seconds"][tracking].format(2),
                    (row["peak_rss_mb_ratio"].format(3) + "x" + ratio) if tracking else "",
                    (row["cpu_seconds_ratio"].format(3) + "x" + ratio) if tracking else "",
                    (row["wall_seconds_ratio"].format(3) + "x" + ratio) if tracking else "",
                ]
            )
    imports = _table(
        [
            "orders",
            "source_id tracking",
            "peak RSS (MiB)",
            "client CPU (s)",
            "wall time (s)",
            "on ÷ off, peak RSS",
            "on ÷ off, CPU",
            "on ÷ off, wall",
        ],
        import_rows,
    )
    note = (
        "The tracker alone (`SourceIdTracker`, a fresh process per row): distinct ids `order-000000001`... "
        "fed in, then up to 100,000 of them again; the time to make the ids is measured apart and taken "
        "off. It keeps a Bloom filter in memory and the fingerprints in an unlinked temporary file, read "
        "with `pread` (never mapped: the kernel's cache of it is neither anonymous nor file-backed RSS).\n\n"
        "Whole imports: voucherify-async importing the same generated orders (every source_id distinct) from "
        "a generator, no server processing time, a fresh process and a fresh emulator each; tracking off is "
        "the same package with the batcher reading its source without a tracker (`benchmarks/duplicates.py`"
        "), the variants alternating which goes first round after round.\n\n"
        "Reproduce: `uv run --group bench python -m benchmarks --only duplicates`"
    )
    return f"{note}\n\n{tracker}\n\n{imports}"


_WATCHERS = {
    "before": "the earlier checkout (no hooks, no tracing)",
    "absent": "OpenTelemetry not installed (import refused)",
    "noop": "OpenTelemetry API, no-op providers",
    "sdk": "opentelemetry-sdk: batch span processor, in-memory exporter and metric reader",
    "hook": "one response hook that does nothing",
}


def observability_section(records: list[dict[str, Any]]) -> str:
    """Per-call cost of hooks and OpenTelemetry on ``orders.get`` (see ``benchmarks/observability.py``)."""
    rows = []
    table = observability.overhead_table(records)
    absent = next((row["seconds"].median for row in table if row["variant"] == "absent"), None)
    for row in table:
        extra = "" if absent is None else f"{(row['seconds'].median - absent) * 1e6:+,.0f}"
        rows.append(
            [
                _WATCHERS[row["variant"]],
                row["seconds"].format(0, 1e6),
                _ratio(row["vs_before"]),
                _ratio(row["vs_absent"]),
                extra,
                row["watch_seconds"].format(1, 1e6) if row["watch_seconds"].count else "",
                "yes" if row["otel_imported"] else "no",
            ]
        )
    header = [
        "client",
        "µs per `orders.get` (median of rounds)",
        "÷ earlier checkout (paired)",
        "÷ OpenTelemetry absent (paired)",
        "µs over absent",
        "µs per attempt in the layer (in-process, no I/O)",
        "opentelemetry imported",
    ]
    good = [record for record in records if "error" not in record]
    calls = good[0]["calls"] if good else 0
    rounds = len({record["round"] for record in good})
    commits = {record.get("before_commit") for record in good if record.get("before_commit")}
    before = f" The earlier checkout: {', '.join(sorted(commits))}." if commits else ""
    note = (
        f"{calls:,} sequential `orders.get` calls per run after {observability.WARM_UP_CALLS} unrecorded "
        "ones, "
        f"each run a fresh process, {rounds} rounds of every client in turn (the order rotated each round); "
        "ratios are taken round by round. The layer's own cost per attempt, timed in a loop without I/O in "
        "each worker (see `benchmarks/observability.py`), is the steadier figure: calls over loopback vary "
        f"by tens of µs from one process to the next on this shared machine.{before} Reproduce: "
        "`git worktree add /tmp/bench-before COMMIT`, "
        "then `uv run --group bench python -m benchmarks --only observability --before /tmp/bench-before`."
    )
    return note + "\n\n" + _table(header, rows)


def targets_section(results: dict[str, Any]) -> str:
    """Issue 7's targets, each with the measured value and whether it is met."""
    rows: list[list[str]] = []

    def add(target: str, value: float | None, shown: str, met: bool) -> None:
        if value is None:
            rows.append([target, "not measured", "n/a"])
        else:
            rows.append([target, shown, "yes" if met else "**no**"])

    bound = {r["contender"]: r for r in analysis.throughput_table(results.get("client_bound", []))}
    for other, minimum in (("official", 4.0), ("hand_written", 0.9)):
        ratio = bound.get(other, {}).get("sdk_ratio")
        value = ratio.median if ratio and ratio.count else None
        shown = _ratio(ratio)
        add(
            f"client-bound throughput ≥ {minimum}x {NAMES[other]}",
            value,
            shown,
            value is not None and value >= minimum,
        )
    realistic = {r["contender"]: r for r in analysis.throughput_table(results.get("realistic", []))}
    wall = realistic.get(SDK, {}).get("wall_over_server")
    value = wall.median if wall and wall.count else None
    add(
        "wall time ≤ 1.05x the server's processing time",
        value,
        wall.format(3) if wall else "",
        (value or 9) <= 1.05,
    )
    memory = [row for row in analysis.memory_table(results.get("memory", [])) if row["contender"] == SDK]
    flat = analysis.memory_flatness(results.get("memory", []))
    worst_flat = max(flat.values()) if flat else None
    add(
        "peak RSS of the largest stream ≤ 1.1x the next",
        worst_flat,
        f"{worst_flat or 0:.3f}",
        (worst_flat or 9) <= 1.1,
    )
    peak = max((row["peak_rss_mb"] for row in memory), default=None)
    add("peak RSS < 100 MB", peak, f"{peak or 0:.1f} MiB", peak is not None and peak * 1.048576 < 100)
    polling = [row for row in analysis.polling_table(results.get("polling", [])) if row["contender"] == SDK]
    polls = statistics.fmean(row["polls_per_batch"] for row in polling) if polling else None
    add("≤ 8 polls per batch on average", polls, f"{polls or 0:.2f}", polls is not None and polls <= 8)
    within = statistics.fmean(row["within_target"] for row in polling) if polling else None
    add("completion noticed within max(10%, 250 ms)", within, f"{within or 0:.0%} of batches", within == 1.0)
    for target, value, shown, met in client_cost.targets(results.get("client_cost", [])):
        add(target, value, shown, met)
    others = (
        "More targets have their verdicts beside their measurements: polls per batch when the server's times "
        "vary (section 3), the emulator at scale (section 8) and start-up (section 11)."
    )
    return _table(["target", "measured (voucherify-async)", "met"], rows) + "\n\n" + others


def write_results(results: dict[str, Any], path: Path) -> None:
    """Render every measured suite into ``path`` (RESULTS.md)."""
    settings = results["settings"]
    parts = [
        "# Benchmark results",
        f"Written by `{results['command']}` ({settings['mode']} mode). Method and how to rerun: "
        "[README.md](README.md). Raw numbers: [results.json](results.json).",
        machine_section(results["machine"], results.get("reruns", [])),
        "## Targets\n\n"
        + targets_section(results)
        + "\n\nWhat limits the targets that are not met: "
        + "[README.md](README.md#what-the-last-full-run-says-about-the-targets).",
    ]
    if results.get("client_bound") or results.get("realistic"):
        parts.append("## 1. Bulk import throughput\n\n![throughput](throughput.png)")
    if results.get("client_bound"):
        note = (
            f"{settings['throughput_orders']:,} orders, no server processing time; the official SDK and the "
            f"hand-written loop poll every {settings['client_bound_poll_interval']:g} s (and the official "
            "SDK once more every 1 s, the interval of the polling comparison; the hand-written loop once "
            "more every 50 ms, the best a fixed-interval loop does)."
        )
        parts.append(throughput_section(results["client_bound"], "Client-bound", note))
    if results.get("realistic"):
        note = (
            f"{settings['realistic_orders']:,} orders; the server imports "
            f"{settings['realistic_processing_rate']:g} orders/s plus "
            f"{settings['realistic_processing_delay']:g} s per import; the official SDK and the "
            f"hand-written loop poll every {settings['realistic_poll_interval']:g} s (the hand-written "
            "loop once more every 50 ms)."
        )
        parts.append(throughput_section(results["realistic"], "With server processing time", note))
    if results.get("memory"):
        note = "Each run is a fresh process importing into the emulator with no server processing time."
        memory = memory_section(results["memory"])
        parts.append(f"## 2. Peak memory (RSS)\n\n![memory](memory.png)\n\n{note}\n\n{memory}")
    if results.get("polling"):
        note = (
            f"{settings['polling_batches']} batches of {settings['polling_batch_orders']} orders per point; "
            "both contenders import at the same time into projects of their own."
        )
        parts.append(
            "## 3. Polling\n\n![polling](polling.png)\n\n"
            + note
            + "\n\n"
            + polling_section(results["polling"])
            + "\n\n"
            + varying_section(results["polling"])
        )
    if results.get("single_calls"):
        parts.append("## 4. Single calls\n\n" + single_call_section(results["single_calls"]))
    if results.get("realistic"):
        parts.append(
            "## 5. Wall time vs server processing time\n\n" + wall_vs_server_section(results["realistic"])
        )
    if results.get("normal_path"):
        parts.append(
            "## 6. The normal path against an earlier checkout\n\n"
            + normal_path_section(results["normal_path"])
        )
    if results.get("duplicates"):
        parts.append("## 7. Spotting repeated source_ids\n\n" + duplicates_section(results["duplicates"]))
    if results.get("emulator_scale"):
        parts.append("## 8. The emulator at scale\n\n" + emulator_scale_section(results["emulator_scale"]))
    if results.get("mapped"):
        parts.append("## 9. Mapped imports\n\n" + mapped.section(results["mapped"]))
    if results.get("observability"):
        parts.append("## 10. Observability overhead\n\n" + observability_section(results["observability"]))
    if results.get("startup"):
        parts.append("## 11. Start-up\n\n" + startup_section(results["startup"]))
    if results.get("client_cost"):
        parts.append(f"{client_cost.SECTION}\n\n" + client_cost.client_cost_section(results["client_cost"]))
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


def headline(results: dict[str, Any]) -> str:
    """The few ratios the README quotes, as bullet points."""
    lines = []
    for scenario, label in (("client_bound", "no server processing time"), ("realistic", "with server time")):
        rows = {r["contender"]: r for r in analysis.throughput_table(results.get(scenario, []))}
        for other in ("official", "official_1s", "hand_written", "hand_written_50ms"):
            ratio = rows.get(other, {}).get("sdk_ratio")
            if ratio and ratio.count:
                lines.append(f"- throughput, {label}: {_ratio(ratio)} the {NAMES[other]} (paired rounds)")
    realistic = {r["contender"]: r for r in analysis.throughput_table(results.get("realistic", []))}
    if SDK in realistic:
        wall = realistic[SDK]["wall_over_server"].format(3)
        lines.append(f"- whole-import wall time: {wall}x the sum of the server's processing times")
    memory = [row for row in analysis.memory_table(results.get("memory", [])) if row["contender"] == SDK]
    if memory:
        biggest = max(memory, key=lambda row: (row["count"], row["peak_rss_mb"]))
        lines.append(f"- peak RSS importing {biggest['count']:,} orders: {biggest['peak_rss_mb']:.0f} MiB")
    polling = [row for row in analysis.polling_table(results.get("polling", [])) if row["contender"] == SDK]
    if polling:
        polls = statistics.fmean(row["polls_per_batch"] for row in polling)
        lines.append(f"- polls per batch (0.5 s to 20 s batches): {polls:.1f} on average")
    for row in analysis.normal_path_table(results.get("normal_path", [])):
        if row["config"] == "defaults":
            commits = " → ".join(row["commits"].get(label, "?").split()[0] for label in ("before", "after"))
            same = "the same" if row["same_calls"] else "**not** the same"
            lines.append(
                f"- normal path, {commits}: {same} API calls per route; client CPU "
                f"{row['cpu_ratio'].format(3)}x (paired rounds)"
            )
    lines += startup_headline(results.get("startup", [])) + varying_headline(results.get("polling", []))
    return "\n".join(lines) or "(no results)"


def update_readme_headline(results: dict[str, Any], readme: Path) -> None:
    """Replace the block between the headline markers of ``readme`` with :func:`headline`."""
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- headline -->\n", "<!-- /headline -->"
    if start not in text or end not in text:
        return
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    readme.write_text(before + start + headline(results) + "\n" + end + after, encoding="utf-8")
