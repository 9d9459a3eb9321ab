"""The PNG plots beside RESULTS.md: throughput bars, memory vs orders, polling vs processing time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display on a benchmark machine

import matplotlib.pyplot as plt
from matplotlib.ticker import NullFormatter, ScalarFormatter

from benchmarks import analysis
from benchmarks.analysis import NAMES, SDK

_COLOURS = {
    "voucherify_async": "#2a7ab0",
    "official": "#c0504d",
    "official_1s": "#e3a09e",
    "hand_written": "#7f7f7f",
    "hand_written_50ms": "#b5b5b5",
}


def throughput_plot(results: dict[str, Any], path: Path) -> None:
    """Bars of orders per second per contender and scenario, with min..max whiskers."""
    scenarios = [s for s in ("client_bound", "realistic") if results.get(s)]
    figure, axes = plt.subplots(1, len(scenarios), figsize=(6.5 * len(scenarios), 4.5), squeeze=False)
    for axis, scenario in zip(axes[0], scenarios, strict=True):
        rows = analysis.throughput_table(results[scenario])
        medians = [row["orders_per_second"].median for row in rows]
        errors = [
            [m - row["orders_per_second"].low for m, row in zip(medians, rows, strict=True)],
            [row["orders_per_second"].high - m for m, row in zip(medians, rows, strict=True)],
        ]
        labels = [
            NAMES[row["contender"]].replace("`", "").replace(" aiohttp", "\naiohttp").replace(", ", ",\n")
            for row in rows
        ]
        colours = [_COLOURS[row["contender"]] for row in rows]
        axis.bar(labels, medians, yerr=errors, color=colours, capsize=4)
        axis.set_title(
            "no server processing time" if scenario == "client_bound" else "with server processing"
        )
        axis.set_ylabel("orders per second (median, min..max)")
        axis.tick_params(axis="x", labelsize=8)
    figure.suptitle("Bulk import throughput")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def memory_plot(results: dict[str, Any], path: Path) -> None:
    """Peak RSS against the number of orders, one line per source."""
    rows = analysis.memory_table(results["memory"])
    figure, axis = plt.subplots(figsize=(6, 4))
    lines = ((SDK, "generator", "o"), (SDK, "jsonl", "s"), ("hand_written", "generator", "^"))
    for contender, source, marker in lines:
        points = [
            (row["count"], row["peak_rss_mb"])
            for row in rows
            if row["source"] == source and row["contender"] == contender
        ]
        if points:
            name = "voucherify-async" if contender == SDK else "hand-written loop"
            where = "a generator" if source == "generator" else "a JSON Lines file"
            axis.plot(*zip(*points, strict=True), marker=marker, label=f"{name}, from {where}")
    axis.axhline(100 / 1.048576, color="#c0504d", linestyle="--", linewidth=1, label="100 MB target")
    axis.set_xscale("log")
    axis.set_ylim(bottom=0)
    axis.set_xlabel("orders imported")
    axis.set_ylabel("peak RSS (MiB)")
    axis.set_title("Peak memory of a streaming import")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def polling_plot(results: dict[str, Any], path: Path) -> None:
    """Polls per batch and detection delay against the server's processing time per batch."""
    rows = analysis.polling_table(results["polling"])
    figure, (polls_axis, delay_axis) = plt.subplots(1, 2, figsize=(11, 4))
    for contender in (SDK, "hand_written"):
        mine = [row for row in rows if row["contender"] == contender]
        times = [row["processing_time"] for row in mine]
        label = NAMES[contender] if contender == SDK else "fixed 1 s polling"
        polls_axis.plot(times, [row["polls_per_batch"] for row in mine], marker="o", label=label)
        delay_axis.plot(times, [row["delay"].median for row in mine], marker="o", label=label)
    times = sorted({row["processing_time"] for row in rows})
    delay_axis.plot(
        times, [analysis.detection_target(t) for t in times], "--", color="#c0504d", label="bound"
    )
    polls_axis.axhline(8, color="#c0504d", linestyle="--", linewidth=1, label="8 polls")
    for axis, label in ((polls_axis, "polls per batch"), (delay_axis, "detection delay (s, median)")):
        axis.set_xscale("log")
        axis.set_xticks(times)
        axis.xaxis.set_major_formatter(ScalarFormatter())
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.set_ylim(bottom=0)
        axis.set_xlabel("server processing time per batch (s)")
        axis.set_ylabel(label)
        axis.legend()
    figure.suptitle("Polling: cost and latency")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_plots(results: dict[str, Any], directory: Path) -> list[Path]:
    """Write every plot the results allow and return their paths."""
    written = []
    if results.get("client_bound") or results.get("realistic"):
        throughput_plot(results, directory / "throughput.png")
        written.append(directory / "throughput.png")
    if analysis.ok(results.get("memory", [])):
        memory_plot(results, directory / "memory.png")
        written.append(directory / "memory.png")
    if analysis.ok(results.get("polling", [])):
        polling_plot(results, directory / "polling.png")
        written.append(directory / "polling.png")
    return written
