"""Start and stop the emulator in a child process (``benchmarks/serve_emulator.py``)."""

from __future__ import annotations

import select
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

SERVE_COMMAND = [sys.executable, "-m", "benchmarks.serve_emulator"]
_STARTUP_TIMEOUT = 30.0
_STOP_TIMEOUT = 30.0  # an emulator with a large data directory takes a while to close it


@contextmanager
def running_emulator(
    *,
    processing_rate: float | None = None,
    processing_delay: float = 0.0,
    projects: int = 1,
    processing_spread: float = 0.0,
    seed: int = 0,
) -> Iterator[str]:
    """Run an emulator process for the duration of the block and yield its base URL."""
    arguments = ["--processing-delay", str(processing_delay), "--projects", str(projects)]
    if processing_spread:
        arguments += ["--processing-spread", str(processing_spread), "--seed", str(seed)]
    if processing_rate is not None:
        arguments += ["--processing-rate", str(processing_rate)]
    with emulator_process(arguments) as (url, _):
        yield url


@contextmanager
def emulator_process(
    arguments: Sequence[str] = (), **popen: Any
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Run ``serve_emulator.py`` with ``arguments`` (and ``popen``'s options for ``subprocess.Popen``) for the
    duration of the block; yield its base URL and the process."""
    process = subprocess.Popen([*SERVE_COMMAND, *arguments], stdout=subprocess.PIPE, text=True, **popen)
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], _STARTUP_TIMEOUT)
        url = process.stdout.readline().strip() if ready else ""
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the emulator did not start (exit code {process.poll()}, said {url!r})")
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
