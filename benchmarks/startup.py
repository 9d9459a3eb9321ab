"""Start-up: the wall time of a fresh process importing the package, asking for ``--help`` or dry-running.

Each command runs in a fresh interpreter, commands interleaved round after round (A B C ... A B C ...), in
two states of the bytecode cache:

- ``source``: as this machine runs by default, ``PYTHONDONTWRITEBYTECODE=1`` and a virtual environment
  installed without compiling (``uv`` does not compile): the standard library comes compiled with the
  interpreter, but every module of the package and its dependencies is compiled from source in every
  process;
- ``compiled``: as after ``python -m compileall`` of the environment. So that the benchmark leaves the
  environment as it found it, the bytecode goes to a temporary ``PYTHONPYCACHEPREFIX``: one unmeasured run
  of each command with writing allowed fills it (the standard library's too, which Python then looks up
  there as well), and the measured runs read it.

Each run also reports what it loaded (``sys.modules`` at exit: how many modules, and whether aiohttp was
among them); one more run per command under ``python -X importtime`` sums the time of its imports.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.machine import commit_of
from benchmarks.stats import paired_ratios, summarise

COMMANDS: dict[str, tuple[str, str]] = {
    "python -c pass": ("the interpreter alone", "pass"),
    "import voucherify_async": (
        "the package's public names, each loaded when first used",
        "import voucherify_async",
    ),
    "from voucherify_async import *": (
        "every public name loaded (the client, the batcher, the models)",
        "from voucherify_async import *",
    ),
    "import aiohttp": ("aiohttp alone, for reference", "import aiohttp"),
    "voucherify-async --help": ("the command's help", "cli --help"),
    "voucherify-async import FILE --dry-run": ("a dry run of 20 orders", "cli import {file} --dry-run"),
}
"""Name -> (what it shows, the code run: Python source, or ``cli ARGS`` for the command itself)."""

TARGETS = {"voucherify-async --help": 0.15, "import voucherify_async": 0.2}
"""Seconds each command should take at most."""

# The command line as its console script runs it: `from voucherify_async.cli.main import main; main()`.
_CLI = "import sys; from voucherify_async.cli.main import main; sys.exit(main())"
# Appended to every command: what the process loaded, on stderr (the command's own output stays apart).
_REPORT = "import sys as _s; print('LOADED', len(_s.modules), 'aiohttp' in _s.modules, file=_s.stderr)"

SMALL_FILE_ORDERS = 20


def _argv(code: str, file: Path) -> list[str]:
    if not code.startswith("cli "):
        return [sys.executable, "-c", f"{code}\n{_REPORT}"]
    args = code.removeprefix("cli ").format(file=file).split()
    wrapped = f"import atexit, sys\natexit.register(lambda: exec({_REPORT!r}))\n{_CLI}"
    return [sys.executable, "-c", wrapped, *args]


def _run(argv: list[str], env: dict[str, str], cwd: str) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False)
    seconds = time.perf_counter() - started
    loaded = [line for line in done.stderr.splitlines() if line.startswith("LOADED ")]
    if not loaded:
        return {"error": (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]}
    _, modules, aiohttp = loaded[-1].split()
    return {
        "seconds": seconds,
        "modules": int(modules),
        "aiohttp": aiohttp == "True",
        "code": done.returncode,
    }


def _import_time(argv: list[str], env: dict[str, str], cwd: str) -> float | None:
    """Seconds ``python -X importtime`` counts for every import the command made (after ``site``)."""
    command = [argv[0], "-X", "importtime", *argv[1:]]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False)
    total, started = 0, False
    for line in done.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or fields[2].startswith("  "):
            continue  # not an entry, or one counted in the cumulative time of the import it is nested in
        if started:
            total += int(fields[1])
        started = started or fields[2] == " site"  # the interpreter's own start-up ends with site
    return total / 1e6 if started else None


def measure(rounds: int, log: Callable[[str], None], before: Path | None = None) -> list[dict[str, Any]]:
    """Every command ``rounds`` times in each cache state; one record per run.

    With ``before`` (a checkout, e.g. a git worktree of an earlier commit), each command also runs on that
    checkout's package (``PYTHONPATH``), right after the same command on this one's, in the same round.
    """
    records: list[dict[str, Any]] = []
    if before is not None:
        records.append({"kind": "checkout", "checkout": "before", "commit": commit_of(before)})
    with tempfile.TemporaryDirectory(prefix="voucherify-bench-startup-") as directory:
        # The processes run in this empty folder: `python -c` puts its working directory first on sys.path,
        # which would otherwise be the repository's root and shadow PYTHONPATH.
        cwd = str(Path(directory))
        file = Path(directory) / "orders.jsonl"
        file.write_text(
            "".join(
                f'{{"source_id": "o-{n}", "status": "PAID", "amount": {1000 + n}}}\n'
                for n in range(SMALL_FILE_ORDERS)
            )
        )
        base = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        base.pop("PYTHONPYCACHEPREFIX", None)
        base.pop("PYTHONPATH", None)
        states = {
            "source": base,
            "compiled": {**base, "PYTHONPYCACHEPREFIX": str(Path(directory) / "pycache")},
        }
        checkouts = {"after": {}} | ({"before": {"PYTHONPATH": str(before)}} if before is not None else {})
        argvs = {name: _argv(code, file) for name, (_, code) in COMMANDS.items()}
        for extra in checkouts.values():
            writing = {**states["compiled"], **extra}
            writing.pop("PYTHONDONTWRITEBYTECODE")
            for argv in argvs.values():
                _run(argv, writing, cwd)  # fills the cache of the compiled state
        for state, env in states.items():
            for checkout, extra in checkouts.items():
                for name, argv in argvs.items():
                    record = {"kind": "importtime", "state": state, "command": name, "checkout": checkout}
                    records.append({**record, "import_seconds": _import_time(argv, {**env, **extra}, cwd)})
        for round_index in range(rounds):
            for state, env in states.items():
                for name, argv in argvs.items():
                    for checkout, extra in checkouts.items():
                        record = {"kind": "run", "state": state, "command": name, "checkout": checkout}
                        result = _run(argv, {**env, **extra}, cwd)
                        records.append({**record, "round": round_index, **result})
            this_round = [r for r in records if r.get("round") == round_index and r["command"] in TARGETS]
            shown = ", ".join(
                f"{r['command']} ({r['state']}, {r['checkout']}) {r.get('seconds', float('nan')):.3f} s"
                for r in this_round
            )
            log(f"  round {round_index + 1}/{rounds}: {shown}")
    return records


def startup_table(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per command and cache state: wall time, modules loaded, aiohttp loaded, time in imports, and
    the same of the ``before`` checkout when it was measured, with the paired ratio after ÷ before."""
    rows = []
    for state in ("source", "compiled"):
        for name in COMMANDS:
            row: dict[str, Any] = {"command": name, "state": state}
            for checkout in ("after", "before"):
                runs = [
                    r
                    for r in records
                    if r["kind"] == "run"
                    and (r["state"], r["command"], r.get("checkout", "after")) == (state, name, checkout)
                    and "error" not in r
                ]
                timed = [
                    r["import_seconds"]
                    for r in records
                    if r["kind"] == "importtime"
                    and (r["state"], r["command"], r.get("checkout", "after")) == (state, name, checkout)
                ]
                if runs:
                    row[checkout] = {
                        "seconds": summarise([r["seconds"] for r in runs]),
                        "by_round": {r["round"]: r["seconds"] for r in runs},
                        "modules": max(r["modules"] for r in runs),
                        "aiohttp": any(r["aiohttp"] for r in runs),
                        "import_seconds": timed[0] if timed else None,
                    }
            if "after" not in row:
                continue
            if "before" in row:
                after, earlier = row["after"]["by_round"], row["before"]["by_round"]
                rounds = sorted(set(after) & set(earlier))
                row["ratio"] = paired_ratios([after[r] for r in rounds], [earlier[r] for r in rounds])
            rows.append(row)
    return rows


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def _import_seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def startup_section(records: list[dict[str, Any]]) -> str:
    """The section of RESULTS.md: the targets, then every command in both cache states."""
    rows = startup_table(records)
    with_before = any("before" in row for row in rows)
    verdicts = []
    for name, limit in TARGETS.items():
        for row in (r for r in rows if r["command"] == name):
            seconds = row["after"]["seconds"]
            met = "yes" if seconds.median < limit else "**no**"
            verdicts.append([f"`{name}` < {limit:g} s", row["state"], seconds.format(3) + " s", met])
    table = []
    for row in rows:
        after = row["after"]
        line = [
            f"`{row['command']}`",
            COMMANDS[row["command"]][0],
            row["state"],
            after["seconds"].format(3),
            _import_seconds(after["import_seconds"]),
            str(after["modules"]),
            "yes" if after["aiohttp"] else "no",
        ]
        if with_before:
            earlier = row.get("before")
            line += (
                [
                    earlier["seconds"].format(3),
                    _import_seconds(earlier["import_seconds"]),
                    str(earlier["modules"]),
                    "yes" if earlier["aiohttp"] else "no",
                    row["ratio"].format(2) + "x",
                ]
                if earlier
                else ["", "", "", "", ""]
            )
        table.append(line)
    count = max((r["round"] for r in records if r["kind"] == "run"), default=-1) + 1
    commits = {r["checkout"]: r.get("commit") for r in records if r["kind"] == "checkout"}
    earlier = commits.get("before") or "an earlier checkout"
    compared = (
        f" Beside this working tree's package, the package of {earlier} (`--before`), run right after it "
        "in each round; the ratio is after ÷ before, paired by round."
        if with_before
        else ""
    )
    note = (
        f"Each command in a fresh process, {count} rounds, the commands interleaved; median (min..max) of "
        "the wall time from starting the process to its exit. `source`: this machine's default "
        "(`PYTHONDONTWRITEBYTECODE=1`, an environment installed without compiling: every module of the "
        "package and its dependencies is compiled in every process); `compiled`: as after `python -m "
        "compileall` of the environment (the bytecode kept in a temporary `PYTHONPYCACHEPREFIX`). "
        "`-X importtime` sums every import after the interpreter's own start-up, in one more run."
        f"{compared}\n\n"
        "Reproduce: `uv run --group bench python -m benchmarks --only startup` (add `--before PATH`, a git "
        "worktree of an earlier commit, to compare with its package)"
    )
    header = [
        "command",
        "what it shows",
        "bytecode",
        "wall time (s)",
        "`-X importtime`, all imports (s)",
        "modules loaded",
        "aiohttp loaded",
    ]
    if with_before:
        header += [
            "before: wall time (s)",
            "before: imports (s)",
            "before: modules",
            "before: aiohttp",
            "after ÷ before, wall (paired)",
        ]
    return (
        note
        + "\n\n"
        + _md_table(["target", "bytecode", "measured", "met"], verdicts)
        + "\n\n"
        + _md_table(header, table)
    )


def startup_headline(records: list[dict[str, Any]]) -> list[str]:
    """The README's lines on start-up: the targets' commands, without and with compiled bytecode."""
    rows = {(row["command"], row["state"]): row for row in startup_table(records)}
    lines = []
    for name in TARGETS:
        source, compiled = rows.get((name, "source")), rows.get((name, "compiled"))
        if source and compiled:
            lines.append(
                f"- start-up, `{name}`: {source['after']['seconds'].median:.3f} s, "
                f"{compiled['after']['seconds'].median:.3f} s with compiled bytecode"
            )
    return lines
