"""From raw records to the numbers that RESULTS.md reports (summaries, paired ratios, target checks)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from benchmarks.stats import Summary, paired_ratios, summarise

SDK = "voucherify_async"
NAMES = {
    "voucherify_async": "voucherify-async",
    "official": "official `voucherify` SDK",
    "official_1s": "official `voucherify` SDK, polling every 1 s",
    "hand_written": "hand-written aiohttp + orjson",
    "hand_written_50ms": "hand-written aiohttp + orjson, polling every 50 ms",
}


def ok(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records of runs that finished without an error."""
    return [record for record in records if "error" not in record]


def orders_per_second(record: dict[str, Any]) -> float:
    """Throughput of one import run."""
    return float(record["orders"] / record["wall_seconds"])


def polls_per_batch(record: dict[str, Any]) -> float:
    """Average GET /v1/async-actions/{id} calls per batch in one run."""
    polls = list(record["polls"].values())
    return statistics.fmean(polls) if polls else float("nan")


def detection_delays(record: dict[str, Any]) -> list[float]:
    """Seconds between each action finishing on the server and the client receiving the news."""
    delays = []
    for action_id, noticed in record["noticed_at"].items():
        action = record["actions"].get(action_id)
        if action and action.get("finished_at"):
            delays.append(max(0.0, noticed - action["finished_at"]))
    return delays


def server_seconds(record: dict[str, Any]) -> float:
    """The sum of the server's processing times of one run's actions."""
    return sum((action.get("processing_time_ms") or 0) / 1000 for action in record["actions"].values())


def by_contender(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Records grouped by contender, in run order."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in ok(records):
        groups[record["contender"]].append(record)
    return groups


def paired(records: list[dict[str, Any]], key: str, a: str, b: str, value: Any) -> Summary:
    """Ratios ``value(a) / value(b)`` over the rounds (``key``) in which both contenders ran."""
    rounds: dict[Any, dict[str, float]] = defaultdict(dict)
    for record in ok(records):
        rounds[record[key]][record["contender"]] = value(record)
    pairs = [(r[a], r[b]) for r in rounds.values() if a in r and b in r]
    return paired_ratios([p[0] for p in pairs], [p[1] for p in pairs])


def throughput_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per contender: orders/s, wall time, polls per batch, and paired ratios of the SDK to it."""
    rows = []
    for contender, runs in by_contender(records).items():
        row = {
            "contender": contender,
            "orders_per_second": summarise([orders_per_second(r) for r in runs]),
            "wall_seconds": summarise([r["wall_seconds"] for r in runs]),
            "polls_per_batch": summarise([polls_per_batch(r) for r in runs]),
            "cpu_seconds": summarise([r["cpu_seconds"] for r in runs if "cpu_seconds" in r]),
            "wall_over_server": summarise([r["wall_seconds"] / s for r in runs if (s := server_seconds(r))]),
            "server_seconds": summarise([server_seconds(r) for r in runs]),
            "submit_seconds": summarise([r["submit_seconds"] for r in runs if "submit_seconds" in r]),
            "detection_seconds": summarise([sum(detection_delays(r)) for r in runs]),
        }
        if contender != SDK:
            row["sdk_ratio"] = paired(records, "repeat", SDK, contender, orders_per_second)
            row["cpu_ratio"] = paired(records, "repeat", contender, SDK, lambda r: r.get("cpu_seconds", 0.0))
        rows.append(row)
    return rows


def memory_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (contender, source, size) with the peak RSS and the baseline after imports."""
    rows = [
        {
            "contender": r.get("contender", SDK),
            "source": r["source"],
            "count": r["count"],
            "peak_rss_mb": r["peak_rss_mb"],
            "baseline_rss_mb": r["baseline_rss_mb"],
            "orders_per_second": orders_per_second(r),
            "file_mb": r.get("file_mb"),
        }
        for r in ok(records)
    ]
    return sorted(
        rows, key=lambda row: (row["contender"] != SDK, row["contender"], row["source"], row["count"])
    )


def memory_flatness(records: list[dict[str, Any]], contender: str = SDK) -> dict[str, float]:
    """Per source: peak RSS of the largest run over that of the second largest (1.0 = flat)."""
    flatness = {}
    for source in ("generator", "jsonl"):
        runs = [
            row for row in memory_table(records) if row["source"] == source and row["contender"] == contender
        ]
        if len(runs) >= 2:
            flatness[source] = runs[-1]["peak_rss_mb"] / runs[-2]["peak_rss_mb"]
    return flatness


def detection_target(processing_time: float) -> float:
    """Issue 7's bound on the detection delay: max(10% of the batch's time, 250 ms)."""
    return max(0.1 * processing_time, 0.25)


def polling_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (processing time, contender): polls per batch, detection delays, share within target."""
    rows = []
    for r in ok(records):
        if "spread" in r:
            continue  # server times varying around a mean: see varying_polling.py
        delays = detection_delays(r)
        bound = detection_target(r["processing_time"])
        rows.append(
            {
                "processing_time": r["processing_time"],
                "contender": r["contender"],
                "polls_per_batch": polls_per_batch(r),
                "delay": summarise(delays),
                "within_target": sum(d <= bound for d in delays) / len(delays) if delays else float("nan"),
                "target": bound,
            }
        )
    return sorted(rows, key=lambda row: (row["processing_time"], row["contender"] != SDK))


def single_call_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (call, contender): median seconds per call over rounds, and the paired ratio to raw."""
    rows = []
    groups = by_contender(records)
    for call in ("get", "list"):

        def per_call(record: dict[str, Any], call: str = call) -> float:
            return statistics.median(record[call])

        raw = summarise([per_call(r) for r in groups.get("hand_written", [])])
        for contender, runs in groups.items():
            rows.append(
                {
                    "call": call,
                    "contender": contender,
                    "seconds": summarise([per_call(r) for r in runs]),
                    "vs_raw": paired(records, "round", contender, "hand_written", per_call),
                    "raw_seconds": raw,
                }
            )
    return rows


def cpu_per_100k(record: dict[str, Any]) -> float:
    """Client CPU seconds of one import run, per 100,000 orders."""
    return float(record["cpu_seconds"] / record["orders"] * 100_000)


def wall_per_100k(record: dict[str, Any]) -> float:
    """Wall seconds of one import run, per 100,000 orders."""
    return float(record["wall_seconds"] / record["orders"] * 100_000)


def normal_path_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per configuration: each checkout's API calls per route (per run: min..max over the rounds), client CPU
    and wall time per 100,000 orders, and the ratios ``after / before`` paired round by round.

    ``same_calls`` says whether every run of both checkouts sent the very same calls per route.
    """
    rows = []
    for config in dict.fromkeys(record["config"] for record in ok(records)):
        runs = [record for record in ok(records) if record["config"] == config]
        groups = by_contender(runs)
        routes = sorted({route for record in runs for route in record["calls"]})
        rows.append(
            {
                "config": config,
                "orders": runs[0]["orders"],
                "commits": {label: group[0]["commit"] for label, group in groups.items()},
                "checkouts": {label: group[0]["checkout"] for label, group in groups.items()},
                "calls": {
                    label: {route: summarise([r["calls"].get(route, 0) for r in group]) for route in routes}
                    for label, group in groups.items()
                },
                "same_calls": len({tuple(sorted(record["calls"].items())) for record in runs}) == 1,
                "cpu": {
                    label: summarise([cpu_per_100k(r) for r in group]) for label, group in groups.items()
                },
                "wall": {
                    label: summarise([wall_per_100k(r) for r in group]) for label, group in groups.items()
                },
                "cpu_ratio": paired(runs, "repeat", "after", "before", cpu_per_100k),
                "wall_ratio": paired(runs, "repeat", "after", "before", wall_per_100k),
            }
        )
    return rows


def tracker_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The source_id tracker alone: one row per (distinct ids, storage), in run order."""
    return [record for record in ok(records) if record.get("kind") == "tracker"]


def duplicates_import_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per import size: peak RSS, client CPU and wall time without and with the source_id tracker (over the
    rounds), and the ratios ``with / without`` paired round by round."""
    imports = [record for record in ok(records) if record.get("kind") == "import"]
    rows = []
    for count in sorted({record["count"] for record in imports}):
        runs = [record for record in imports if record["count"] == count]
        by_round: dict[int, dict[bool, dict[str, Any]]] = defaultdict(dict)
        for record in runs:
            by_round[record["repeat"]][record["tracking"]] = record
        pairs = [pair for pair in by_round.values() if len(pair) == 2]
        row: dict[str, Any] = {"count": count}
        for key in ("peak_rss_mb", "cpu_seconds", "wall_seconds"):
            row[key] = {
                tracking: summarise([r[key] for r in runs if r["tracking"] is tracking])
                for tracking in (False, True)
            }
            row[f"{key}_ratio"] = paired_ratios(
                [pair[True][key] for pair in pairs], [pair[False][key] for pair in pairs]
            )
        rows.append(row)
    return rows
