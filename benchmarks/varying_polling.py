"""Polling when the server's times vary: each batch's processing time drawn from ±30% around a steady mean.

Part of the ``polling`` suite. The emulator draws each import's processing time uniformly from
``mean * (1 - spread)`` to ``mean * (1 + spread)`` (``Emulator(processing_spread=...)``, seeded), and every
project draws the same times in turn, so voucherify-async and the hand-written loop polling every 50 ms,
importing at the same time into projects of their own, meet the very same duration batch by batch.

What any schedule can do here: every batch's end must be noticed within ``L(D) = max(10% of D, 250 ms)`` of
it. A poll before the end tells the progress, from which the end can be extrapolated (the next poll lands
on it), but a batch that the first poll finds still running costs at least two. The first poll cannot come
later than ``Dmin + L(Dmin)`` (the shortest batch would be noticed late), so with durations uniform on
``[Dmin, Dmax]`` no schedule averages fewer than ``1 + P(D > Dmin + L(Dmin))`` polls per batch, even one
that knows the range exactly and reads each end off the progress without error (:func:`fewest_polls`).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from benchmarks.analysis import NAMES, SDK, detection_delays, detection_target, ok
from benchmarks.emulator_process import running_emulator
from benchmarks.harness import Settings, finish_worker, start_worker, worker_spec
from benchmarks.order_stream import DEFAULT_SEED
from benchmarks.stats import summarise

CONTENDERS = (SDK, "hand_written_50ms")
TARGET_POLLS = 1.2
"""The goal: polls per batch on average, with every end noticed within its bound."""
SEED = 16
"""Seed of the processing times (the same for every mean: the k-th batch is as long or short at each)."""


def fewest_polls(mean: float, spread: float) -> float:
    """The fewest polls per batch any schedule can average while noticing every end within its bound."""
    shortest, longest = mean * (1 - spread), mean * (1 + spread)
    if longest <= shortest:
        return 1.0
    latest_first_poll = shortest + detection_target(shortest)
    return 1.0 + max(0.0, longest - latest_first_poll) / (longest - shortest)


def measure(settings: Settings, log: Callable[[str], None]) -> list[dict[str, Any]]:
    """For each mean, both contenders import ``polling_varying_batches`` batches at the same time."""
    records = []
    count = settings.polling_varying_batches * settings.polling_batch_orders
    for mean in settings.polling_varying_means:
        server = {"processing_delay": mean, "processing_spread": settings.polling_spread, "seed": SEED}
        with running_emulator(projects=2, **server) as url:
            runs = {
                contender: start_worker(
                    worker_spec(
                        "import",
                        contender,
                        url,
                        project,
                        source="list",
                        count=count,
                        seed=DEFAULT_SEED,
                        poll_interval=0.05,
                        batch_size=settings.polling_batch_orders,
                    )
                )
                for project, contender in enumerate(CONTENDERS, start=1)
            }
            for contender, process in runs.items():
                result = finish_worker(process)
                result.update(contender=contender, mean=mean, spread=settings.polling_spread)
                records.append(result)
                polls = sum(result.get("polls", {}).values())
                log(f"  {mean:g} s ±{settings.polling_spread:.0%} per batch, {contender}: {polls} polls")
    return records


def _batches(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Each batch of a run in order: its polls, processing time, detection delay and bound."""
    batches = []
    for action_id in record["action_ids"]:
        action = record["actions"].get(action_id) or {}
        seconds = (action.get("processing_time_ms") or 0) / 1000
        noticed = record["noticed_at"].get(action_id)
        delay = max(0.0, noticed - action["finished_at"]) if noticed and action.get("finished_at") else None
        batches.append(
            {
                "polls": record["polls"].get(action_id, 0),
                "seconds": seconds,
                "delay": delay,
                "bound": detection_target(seconds),
            }
        )
    return batches


def varying_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (mean, contender): polls per batch (all, and after the first), delays, within bound."""
    rows = []
    for record in ok(records):
        if "spread" not in record:
            continue  # the polling suite's exact server times
        batches = _batches(record)
        later = batches[1:]
        rows.append(
            {
                "mean": record["mean"],
                "spread": record["spread"],
                "contender": record["contender"],
                "batches": len(batches),
                "durations": summarise([b["seconds"] for b in batches]),
                "polls_per_batch": statistics.fmean(b["polls"] for b in batches) if batches else float("nan"),
                "polls_after_first": statistics.fmean(b["polls"] for b in later) if later else float("nan"),
                "delay": summarise(detection_delays(record)),
                "within_bound": (
                    sum(b["delay"] is not None and b["delay"] <= b["bound"] for b in batches) / len(batches)
                    if batches
                    else float("nan")
                ),
                "fewest": fewest_polls(record["mean"], record["spread"]),
            }
        )
    return sorted(rows, key=lambda row: (row["mean"], row["contender"] != SDK))


def varying_section(records: list[dict[str, Any]]) -> str:
    """The table of RESULTS.md's polling section for varying durations."""
    rows = varying_table(records)
    if not rows:
        return ""
    header = [
        "mean server time per batch (s)",
        "contender",
        "batches",
        "server times (s)",
        "polls per batch",
        "after the first batch",
        "fewest any schedule can average",
        "detection delay (s)",
        "batches within bound",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [
            f"{row['mean']:g} ±{row['spread']:.0%}",
            NAMES.get(row["contender"], row["contender"]),
            str(row["batches"]),
            row["durations"].format(2),
            f"{row['polls_per_batch']:.2f}",
            f"{row['polls_after_first']:.2f}",
            f"{row['fewest']:.2f}",
            row["delay"].format(3),
            f"{row['within_bound']:.0%}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    spread = rows[0]["spread"]
    verdicts = []
    for row in (r for r in rows if r["contender"] == SDK):
        met = row["polls_after_first"] <= TARGET_POLLS and row["within_bound"] == 1.0
        possible = "possible" if row["fewest"] <= TARGET_POLLS else "impossible for any schedule"
        verdicts.append(
            [
                f"{row['mean']:g} s ±{row['spread']:.0%}",
                f"{row['polls_after_first']:.2f} polls per batch after the first, {row['within_bound']:.0%} "
                "within bound",
                f"{row['fewest']:.2f} ({possible})",
                "yes" if met else "**no**",
            ]
        )
    target = "\n".join(
        [
            f"| ≤ {TARGET_POLLS:g} polls per batch, every end within its bound | measured (voucherify-async) "
            "| fewest any schedule can average | met |",
            "|---|---|---|---|",
            *("| " + " | ".join(cells) + " |" for cells in verdicts),
        ]
    )
    note = (
        f"### Server times varying ±{spread:.0%}\n\n"
        f"Each batch's server time drawn uniformly from ±{spread:.0%} around the mean (the emulator's "
        f"`processing_spread`, seed {SEED}); both contenders import at the same time into projects of "
        "their own and meet the same time batch by batch. The bound of each batch is max(10% of its own "
        'server time, 250 ms). "Fewest any schedule can average": a batch the first poll finds running '
        "costs at least two polls, and the first poll cannot come later than the shortest batch's end plus "
        "its bound, so no schedule averages fewer than 1 + P(D > Dmin + L(Dmin)) polls per batch under "
        "the bound (`benchmarks/varying_polling.py`)."
    )
    return note + "\n\n" + target + "\n\n" + "\n".join(lines)


def varying_headline(records: list[dict[str, Any]]) -> list[str]:
    """The README's line on polling server times that vary."""
    rows = [row for row in varying_table(records) if row["contender"] == SDK]
    if not rows:
        return []
    shown = ", ".join(
        f"{row['polls_after_first']:.2f} at {row['mean']:g} s (fewest possible {row['fewest']:.2f})"
        for row in rows
    )
    within = min(row["within_bound"] for row in rows)
    return [
        f"- polls per batch with server times varying ±{rows[0]['spread']:.0%}, after the first batch: "
        f"{shown}; {within:.0%} of the ends noticed within their bound"
    ]
