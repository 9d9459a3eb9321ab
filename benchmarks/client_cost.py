"""The client's own cost against the best hand-written loop (``client_cost``, section 12 of RESULTS.md).

Client-bound (no server processing time), so that what the client spends shows: the hand-written loop
polling every 50 ms (``contenders/hand_written_50ms.py``) and voucherify-async, of the working tree
(``after``) and, with ``--before PATH``, of another checkout, round after round, the order of the runs
rotating from round to round. Reported: client CPU per import and its ratio to the hand loop's of the same
round. Then peak RSS importing from a JSON Lines file of each size in ``client_cost_memory_sizes``, each run
a fresh process, with the hand loop reading the same file.
"""

from __future__ import annotations

import os
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


BYTECODE = ("none", "compiled")
"""How each client runs: as installed here (``uv`` compiles no bytecode and this machine sets
``PYTHONDONTWRITEBYTECODE=1``, so every process compiles every module it imports, lazily imported ones during
the import too), or with the bytecode compiled beforehand, as ``pip`` installs do (a cache of its own,
``PYTHONPYCACHEPREFIX``, filled by an unrecorded run)."""


def _compiled(popen: dict[str, Any], cache: str) -> dict[str, Any]:
    env = dict(popen.get("env", os.environ))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return {**popen, "env": {**env, "PYTHONPYCACHEPREFIX": cache}}


def _run(
    label: str, spec: dict[str, Any], popen: dict[str, dict[str, Any]], checkouts: dict[str, Path]
) -> dict[str, Any]:
    if label == HAND:
        return run_worker(spec, **popen[label])
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
        cache = stack.enter_context(tempfile.TemporaryDirectory(prefix="voucherify-bench-pyc-"))
        plain: dict[str, dict[str, Any]] = {HAND: {}}
        plain.update({label: stack.enter_context(package_from(path)) for label, path in known.items()})
        popen = {
            "none": plain,
            "compiled": {label: _compiled(options, cache) for label, options in plain.items()},
        }
        commits = {label: commit_of(path) for label, path in known.items()}
        count = settings.client_cost_orders
        log(f"  checkouts: {', '.join(f'{label} {commit}' for label, commit in commits.items())}")
        run_worker(_spec("hand_written", url, count))  # stores the orders: every measured run upserts them
        for label in labels:  # compiles the bytecode of what each client imports
            _run(label, _spec(HAND, url, 2000), popen["compiled"], known)
        runs = [(label, mode) for mode in BYTECODE for label in labels]
        for repeat in range(settings.client_cost_rounds):
            turn = repeat % len(runs)
            for label, mode in runs[turn:] + runs[:turn]:
                result = _run(label, _spec(HAND, url, count), popen[mode], known)
                fields = {"contender": label, "bytecode": mode, "repeat": repeat, "count": count}
                _keep(records, result, kind="cpu", commits=commits, **fields)
                cpu = result.get("cpu_seconds", float("nan"))
                log(f"  #{repeat + 1} {label}, bytecode {mode}: client CPU {cpu:.3f} s")
        with tempfile.TemporaryDirectory(prefix="voucherify-bench-") as directory:
            for size in settings.client_cost_memory_sizes:
                path = write_jsonl(Path(directory) / f"orders-{size}.jsonl", size)
                for label, mode in runs:
                    spec = _spec(HAND, url, size, source="jsonl", jsonl_path=str(path))
                    result = _run(label, spec, popen[mode], known)
                    fields = {"contender": label, "bytecode": mode, "repeat": 0, "count": size}
                    _keep(records, result, kind="memory", commits=commits, **fields)
                    peak = result.get("peak_rss_mb", float("nan"))
                    log(f"  {size:,} from a file, {label}, bytecode {mode}: peak RSS {peak:.1f} MiB")
                path.unlink()
    return records


def _keep(records: list[dict[str, Any]], result: dict[str, Any], **fields: Any) -> None:
    for detail in ("action_ids", "polls", "noticed_at", "actions"):
        result.pop(detail, None)
    result.update(fields)
    records.append(result)


def _by(records: list[dict[str, Any]], kind: str, contender: str, mode: str, field: str) -> list[float]:
    chosen = [
        r
        for r in records
        if r["kind"] == kind and r["contender"] == contender and r.get("bytecode", "none") == mode
    ]
    return [r[field] for r in sorted(chosen, key=lambda r: (r["count"], r["repeat"])) if field in r]


def _name(label: str, commits: dict[str, str]) -> str:
    if label == HAND:
        return "hand-written loop, 50 ms polls"
    return f"voucherify-async {label} ({commits.get(label, '?')})"


def client_cost_section(records: list[dict[str, Any]]) -> str:
    """Section 12: CPU ratios to the hand loop, paired by round, and peak RSS by size."""
    ok = [r for r in records if "error" not in r]
    if not ok:
        return "No run finished."
    commits = next((r["commits"] for r in ok if "commits" in r), {})
    labels = [HAND, *(label for label in ("before", "after") if any(r["contender"] == label for r in ok))]
    modes = [mode for mode in BYTECODE if any(r.get("bytecode", "none") == mode for r in ok)]
    count = next(r["count"] for r in ok if r["kind"] == "cpu")
    rounds = max(r["repeat"] for r in ok if r["kind"] == "cpu") + 1
    rows = []
    for mode in modes:
        hand = _by(ok, "cpu", HAND, mode, "cpu_seconds")
        for label in labels:
            cpu = _by(ok, "cpu", label, mode, "cpu_seconds")
            ratio = "" if label == HAND else paired_ratios(cpu, hand).format(2) + "x"
            cost = summarise(cpu)
            rows.append([_name(label, commits), mode, cost.format(3), ratio, _per_order(cost, count)])
    header = [
        "client",
        "bytecode",
        f"client CPU (s per {count:,} orders)",
        "÷ hand loop (paired)",
        "µs per order",
    ]
    cpu_table = _table(header, rows)
    sizes = sorted({r["count"] for r in ok if r["kind"] == "memory"})
    memory_rows = []
    for mode in modes:
        for label in labels:
            peaks = {
                r["count"]: r["peak_rss_mb"]
                for r in ok
                if r["kind"] == "memory" and r["contender"] == label and r.get("bytecode", "none") == mode
            }
            values = [f"{peaks[s]:.1f}" if s in peaks else "n/a" for s in sizes]
            flat = f"{peaks[sizes[-1]] / peaks[sizes[-2]]:.2f}" if len(peaks) == len(sizes) > 1 else "n/a"
            memory_rows.append([_name(label, commits), mode, *values, flat])
    memory_table = _table(
        ["client", "bytecode", *(f"peak RSS, {s:,} orders (MiB)" for s in sizes), "largest ÷ next"],
        memory_rows,
    )
    note = (
        f"Client-bound: {count:,} orders a run, no server processing time, one emulator in its own process; "
        f"{rounds} rounds, the order of the runs rotating from round to round. Client CPU is user + "
        "system time of the client's process during the import, each client's modules imported before (the "
        "hand loop's aiohttp and orjson, voucherify-async's `AsyncVoucherify` and `ImportBatcher`: start-up "
        "is the `startup` suite's); what a run loads on its way (anyio's backend) is counted. The ratio "
        "to the hand loop run with the same bytecode is taken round by round. Peak RSS (`VmHWM`): one fresh "
        "process per run, importing from a JSON Lines file (the hand loop reads the same file with "
        "`orjson.loads` per line). Bytecode `none`: as installed here (`uv sync` compiles none, and this "
        "machine sets `PYTHONDONTWRITEBYTECODE=1`, so every process compiles what it imports, anyio's lazily "
        "loaded modules during the import too); `compiled`: compiled beforehand, as `pip` installs packages."
        "\n\n"
        "Reproduce: `git worktree add /tmp/cs-before <commit> && "
        "uv run --group bench python -m benchmarks --only client_cost --before /tmp/cs-before`"
    )
    return f"{note}\n\n{cpu_table}\n\n{memory_table}"


def _per_order(summary: Summary, count: int) -> str:
    return summary.format(2, scale=1e6 / count) if summary.count else "n/a"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def targets(records: list[dict[str, Any]]) -> list[tuple[str, float | None, str, bool]]:
    """The client-cost targets for the table at the top of RESULTS.md: (target, value, shown, met).

    Judged on this working tree's package (``after``) as installed here (no bytecode); the figure with the
    bytecode compiled is shown beside it.
    """
    ok = [r for r in records if "error" not in r and r["contender"] in (HAND, "after")]
    if not ok:
        return []
    found: dict[str, tuple[float | None, str]] = {}
    for mode in BYTECODE:
        hand = _by(ok, "cpu", HAND, mode, "cpu_seconds")
        ratio = paired_ratios(_by(ok, "cpu", "after", mode, "cpu_seconds"), hand)
        found[f"cpu {mode}"] = (ratio.median if ratio.count else None, ratio.format(2) + "x")
        peaks = {
            r["count"]: r["peak_rss_mb"]
            for r in ok
            if r["kind"] == "memory" and r["contender"] == "after" and r.get("bytecode", "none") == mode
        }
        sizes = sorted(peaks)
        largest = peaks[sizes[-1]] if sizes else None
        found[f"peak {mode}"] = (largest, f"{largest or 0:.1f} MiB")
        flat = largest / peaks[sizes[-2]] if largest is not None and len(sizes) > 1 else None
        found[f"flat {mode}"] = (flat, f"{flat or 0:.2f}")
    sizes = sorted({r["count"] for r in ok if r["kind"] == "memory"})
    rows: list[tuple[str, float | None, str, bool]] = []
    for key, target, limit in (
        ("cpu", "client CPU ≤ 1.2x the hand-written loop polling every 50 ms, client-bound (paired)", 1.2),
        ("peak", f"peak RSS ≤ 45 MiB importing {sizes[-1] if sizes else 0:,} orders from a file", 45.0),
        ("flat", "peak RSS from a file, the largest ≤ 1.1x the next", 1.1),
    ):
        value, shown = found[f"{key} none"]
        compiled = found[f"{key} compiled"][1] if found[f"{key} compiled"][0] is not None else "n/a"
        rows.append((target, value, f"{shown} (bytecode compiled: {compiled})", (value or 1e9) <= limit))
    return rows
