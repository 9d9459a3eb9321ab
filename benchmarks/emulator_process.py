"""Start and stop the emulator in a child process (``benchmarks/serve_emulator.py``)."""

from __future__ import annotations

import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

SERVE_COMMAND = [sys.executable, "-m", "benchmarks.serve_emulator"]
_STARTUP_TIMEOUT = 30.0


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
    command = [*SERVE_COMMAND, "--processing-delay", str(processing_delay), "--projects", str(projects)]
    if processing_spread:
        command += ["--processing-spread", str(processing_spread), "--seed", str(seed)]
    if processing_rate is not None:
        command += ["--processing-rate", str(processing_rate)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], _STARTUP_TIMEOUT)
        url = process.stdout.readline().strip() if ready else ""
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the emulator did not start (exit code {process.poll()}, said {url!r})")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
