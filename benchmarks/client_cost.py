"""The client's own cost against the best hand-written loop (``client_cost``, section 12 of RESULTS.md).

Client-bound (no server processing time), so that what the client spends shows: the hand-written loop
polling every 50 ms (``contenders/hand_written_50ms.py``) and voucherify-async, of the working tree
(``after``) and, with ``--before PATH``, of another checkout, round after round, the order of the runs
rotating from round to round. Reported: client CPU per import and its ratio to the hand loop's of the same
round. Then peak RSS importing from a JSON Lines file of each size in ``client_cost_memory_sizes``, each run
a fresh process, with the hand loop reading the same file.
"""

from __future__ import annotations

import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from benchmarks.emulator_process import running_emulator
from benchmarks.harness import Settings, package_from, run_worker, worker_spec
from benchmarks.machine import commit_of
from benchmarks.order_stream import DEFAULT_SEED, write_jsonl
from benchmarks.stats import Summary, paired_ratios, summarise

HAND = "hand_written_50ms"
SECTION = "## 12. Client CPU and memory against the hand loop"


def _spec(contender: str, url: str, count: int, **fields: Any) -> dict[str, Any]:
    return worker_spec(
        "import",
        contender,
        url,
        source=fields.pop("source", "list"),
        count=count,
        seed=DEFAULT_SEED,
        poll_interval=0.05,
        **fields,
    )


def _run(
    label: str, spec: dict[str, Any], popen: dict[str, dict[str, Any]], checkouts: dict[str, Path]
) -> dict[str, Any]:
    if label == HAND:
        return run_worker(spec)
    contender = dict(spec, contender="voucherify_async")
    result = run_worker(contender, **popen[label])
    expected = str(checkouts[label].resolve())
    if "error" not in result and result.get("package_path") != expected:
        result = {"error": f"voucherify_async came from {result.get('package_path')}, not from {expected}"}
    return result


def client_cost(settings: Settings, log: Any, checkouts: dict[str, Path | None]) -> list[dict[str, Any]]:
    """Client CPU against the 50 ms hand loop (paired by round), then peak RSS from a file."""
    known = {label: path for label, path in checkouts.items() if path is not None}
    labels = [HAND, *known]
    records: list[dict[str, Any]] = []
    with ExitStack() as stack, running_emulator() as url:
        popen = {label: stack.enter_context(package_from(path)) for label, path in known.items()}
        commits = {label: commit_of(path) for label, path in known.items()}
        count = settings.client_cost_orders
        log(f"  checkouts: {', '.join(f'{label} {commit}' for label, commit in commits.items())}")
        run_worker(_spec("hand_written", url, count))  # stores the orders: every measured run upserts them
        for repeat in range(settings.client_cost_rounds):
            turn = repeat % len(labels)
            for label in labels[turn:] + labels[:turn]:
                result = _run(label, _spec(HAND, url, count), popen, known)
                _keep(
                    records, result, kind="cpu", contender=label, repeat=repeat, count=count, commits=commits
                )
                log(f"  #{repeat + 1} {label}: client CPU {result.get('cpu_seconds', float('nan')):.3f} s")
        with tempfile.TemporaryDirectory(prefix="voucherify-bench-") as directory:
            for size in settings.client_cost_memory_sizes:
                path = write_jsonl(Path(directory) / f"orders-{size}.jsonl", size)
                for label in labels:
                    spec = _spec(HAND, url, size, source="jsonl", jsonl_path=str(path))
                    result = _run(label, spec, popen, known)
                    _keep(
                        records, result, kind="memory", contender=label, repeat=0, count=size, commits=commits
                    )
                    peak = result.get("peak_rss_mb", float("nan"))
                    log(f"  {size:,} from a file, {label}: peak RSS {peak:.1f} MiB")
                path.unlink()
    return records


def _keep(records: list[dict[str, Any]], result: dict[str, Any], **fields: Any) -> None:
    for detail in ("action_ids", "polls", "noticed_at", "actions"):
        result.pop(detail, None)
    result.update(fields)
    records.append(result)


def _by(records: list[dict[str, Any]], kind: str, contender: str, field: str) -> list[float]:
    return [
        r[field]
        for r in sorted(records, key=lambda r: (r["count"], r["repeat"]))
        if r["kind"] == kind and r["contender"] == contender and field in r
    ]


def client_cost_section(records: list[dict[str, Any]]) -> str:
    """Section 12: CPU ratios to the hand loop, paired by round, and peak RSS by size."""
    ok = [r for r in records if "error" not in r]
    if not ok:
        return "No run finished."
    commits = next((r["commits"] for r in ok if "commits" in r), {})
    labels = [label for label in ("before", "after") if any(r["contender"] == label for r in ok)]
    count = next(r["count"] for r in ok if r["kind"] == "cpu")
    rounds = max(r["repeat"] for r in ok if r["kind"] == "cpu") + 1
    hand = _by(ok, "cpu", HAND, "cpu_seconds")
    rows = [
        ["hand-written loop, 50 ms polls", summarise(hand).format(3), "", _per_order(summarise(hand), count)]
    ]
    for label in labels:
        cpu = _by(ok, "cpu", label, "cpu_seconds")
        name = f"voucherify-async {label} ({commits.get(label, '?')})"
        rows.append(
            [
                name,
                summarise(cpu).format(3),
                paired_ratios(cpu, hand).format(2) + "x",
                _per_order(summarise(cpu), count),
            ]
        )
    cpu_table = _table(
        ["client", f"client CPU (s per {count:,} orders)", "÷ hand loop (paired by round)", "µs per order"],
        rows,
    )
    sizes = sorted({r["count"] for r in ok if r["kind"] == "memory"})
    memory_rows = []
    for label in [HAND, *labels]:
        peaks = {
            r["count"]: r["peak_rss_mb"] for r in ok if r["kind"] == "memory" and r["contender"] == label
        }
        name = "hand-written loop, 50 ms polls" if label == HAND else f"voucherify-async {label}"
        flat = (
            f"{peaks[sizes[-1]] / peaks[sizes[-2]]:.2f}"
            if len(sizes) > 1 and all(s in peaks for s in sizes)
            else "n/a"
        )
        memory_rows.append([name, *(f"{peaks[s]:.1f}" if s in peaks else "n/a" for s in sizes), flat])
    memory_table = _table(
        ["client", *(f"peak RSS, {s:,} orders (MiB)" for s in sizes), "largest ÷ next"], memory_rows
    )
    note = (
        f"Client-bound: {count:,} orders a run, no server processing time, one emulator in its own process; "
        f"{rounds} rounds, the order of the clients rotating from round to round. Client CPU is user + "
        "system time of the client's process during the import; the ratio is taken round by round. Peak "
        "RSS (`VmHWM`): one fresh process per run, importing from a JSON Lines file (the hand loop reads "
        "the same file with `orjson.loads` per line).\n\n"
        "Reproduce: `git worktree add /tmp/cs-before <commit> && "
        "uv run --group bench python -m benchmarks --only client_cost --before /tmp/cs-before`"
    )
    return f"{note}\n\n{cpu_table}\n\n{memory_table}"


def _per_order(summary: Summary, count: int) -> str:
    return summary.format(2, scale=1e6 / count) if summary.count else "n/a"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])
