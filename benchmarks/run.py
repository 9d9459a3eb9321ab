"""The one command: run the suites, save ``results.json``, write ``RESULTS.md`` and the plots.

Usage::

    uv run --group bench python -m benchmarks            # full run (tens of minutes)
    uv run --group bench python -m benchmarks --quick    # development run (about 3 minutes)
    uv run --group bench python -m benchmarks --only polling memory
    uv run --group bench python -m benchmarks --report-only   # re-render from results.json
    uv run --group bench python -m benchmarks --only normal_path --before /tmp/bench-before
        # the normal path of the package in another checkout (a git worktree) against this one's
    uv run --group bench python -m benchmarks --only duplicates   # the cost of spotting repeated source_ids
    uv run --group bench python -m benchmarks --only emulator_scale --before /tmp/emu-before
        # the emulator's memory per stored order, peak RSS and CPU per order, against another checkout's
    uv run --group bench python -m benchmarks --only observability --before /tmp/bench-before
        # what hooks and OpenTelemetry cost a call, against an earlier checkout's package
    uv run --group bench python -m benchmarks --only client_cost --before /tmp/bench-before
        # client CPU and peak RSS against the hand-written loop polling every 50 ms (--before: optional)
    uv run --group bench python -m benchmarks --only mapped       # a shop's export imported through a mapping
    uv run --group bench python -m benchmarks --only startup [--before PATH]  # start-up time
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from benchmarks import emulator_scale, mapped, startup, suites
from benchmarks.client_cost import client_cost
from benchmarks.contenders import THROUGHPUT_CONTENDERS
from benchmarks.harness import FULL, QUICK, Settings
from benchmarks.machine import commit_of, describe_machine
from benchmarks.plots import write_plots
from benchmarks.report import update_readme_headline, write_results

HERE = Path(__file__).resolve().parent
SUITES: dict[str, Callable[[Settings, suites.Log, argparse.Namespace], list[dict[str, Any]]]] = {
    "client_bound": lambda s, log, a: suites.throughput(s, "client_bound", log, tuple(a.contenders)),
    "realistic": lambda s, log, a: suites.throughput(s, "realistic", log, tuple(a.contenders)),
    "memory": lambda s, log, a: suites.memory(s, log),
    "polling": lambda s, log, a: suites.polling(s, log),
    "single_calls": lambda s, log, a: suites.single_calls(s, log),
    "normal_path": lambda s, log, a: suites.normal_path(s, log, {"before": a.before, "after": a.after}),
    "duplicates": lambda s, log, a: suites.duplicates(s, log),
    "emulator_scale": lambda s, log, a: emulator_scale.run_suite(s, log, a.before),
    "observability": lambda s, log, a: suites.observability(s, log, a.before),
    "client_cost": lambda s, log, a: client_cost(s, log, {"before": a.before, "after": a.after}),
    "mapped": lambda s, log, a: mapped.mapped(s, log),
    "startup": lambda s, log, a: startup.measure(s.startup_rounds, log, a.before),
}
NEEDS_BEFORE = "normal_path"  # runs only when --before names the checkout to compare with


def log(message: str) -> None:
    """Progress on stderr, with the time, so a long run shows where it is."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats (about 3 minutes)")
    parser.add_argument("--only", nargs="+", choices=list(SUITES), help="run only these suites")
    parser.add_argument(
        "--contenders",
        nargs="+",
        choices=THROUGHPUT_CONTENDERS,
        default=list(THROUGHPUT_CONTENDERS),
        help="throughput contenders",
    )
    parser.add_argument("--out", type=Path, default=HERE, help="where RESULTS.md, results.json and plots go")
    parser.add_argument("--report-only", action="store_true", help="re-render RESULTS.md from results.json")
    parser.add_argument(
        "--before",
        type=Path,
        help="normal_path, emulator_scale, observability: a checkout (git worktree) whose package is compared"
        " with --after",
    )
    parser.add_argument(
        "--after", type=Path, default=HERE.parent, help="normal_path: the checkout measured against --before"
    )
    args = parser.parse_args(argv)
    if args.only and NEEDS_BEFORE in args.only and args.before is None:
        parser.error(f"{NEEDS_BEFORE} needs --before PATH, a checkout to compare with")
    if args.before is not None:  # before the run moves to the repository's root
        args.before, args.after = args.before.resolve(), args.after.resolve()
    return args


def load_previous(path: Path, mode: str) -> dict[str, Any]:
    """The results of an earlier run of the same mode, so ``--only`` updates them suite by suite."""
    if not path.exists():
        return {}
    previous: dict[str, Any] = orjson.loads(path.read_bytes())
    return previous if previous.get("settings", {}).get("mode") == mode else {}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and write the results."""
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    args.out.mkdir(parents=True, exist_ok=True)
    results_path = args.out / "results.json"
    if args.report_only:
        results = orjson.loads(results_path.read_bytes())
    else:
        results = load_previous(results_path, settings.mode)
        os.chdir(HERE.parent)  # the worker and emulator processes run as ``python -m benchmarks....``
        started = time.perf_counter()
        machine = describe_machine()
        if args.before is not None and NEEDS_BEFORE in (args.only or SUITES):
            # The package measured there is the checkouts', not the working tree's named by "commit".
            machine["checkouts"] = {"before": commit_of(args.before), "after": commit_of(args.after)}
        if args.only and "machine" in results:
            # Some suites again: the other suites' numbers still come from the machine state recorded first.
            machine["suites"] = args.only
            results.setdefault("reruns", []).append(machine)
        else:
            results.update(machine=machine, reruns=[])
        results["settings"] = settings.as_dict()
        results["command"] = "uv run --group bench python -m benchmarks" + (" --quick" if args.quick else "")
        names = args.only or [name for name in SUITES if name != NEEDS_BEFORE or args.before is not None]
        if not args.only and NEEDS_BEFORE not in names:
            results.pop(NEEDS_BEFORE, None)  # a full run: no numbers left from an earlier one's machine
        for name in names:
            log(f"{name}:")
            results[name] = SUITES[name](settings, log, args)
            results_path.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
        machine.update(load_end=os.getloadavg()[0], took_seconds=time.perf_counter() - started)
        results_path.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    write_results(results, args.out / "RESULTS.md")
    if results["settings"]["mode"] == "full" and args.out == HERE:
        update_readme_headline(results, HERE / "README.md")
    for path in write_plots(results, args.out):
        log(f"wrote {path}")
    log(f"wrote {args.out / 'RESULTS.md'}")
    return 0
