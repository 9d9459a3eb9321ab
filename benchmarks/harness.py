"""Running one measurement in a child process, and the settings of a quick and a full run."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from benchmarks.serve_emulator import project_credentials

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Settings:
    """How much each suite measures. ``quick`` is for development, ``full`` for RESULTS.md."""

    mode: str
    throughput_orders: int
    client_bound_repeats: int
    realistic_orders: int
    realistic_repeats: int
    realistic_processing_rate: float  # orders per second the server imports at
    realistic_processing_delay: float  # extra seconds per import action
    client_bound_poll_interval: float  # the fixed interval of the official SDK and hand-written loops
    realistic_poll_interval: float
    memory_sizes: tuple[int, ...]
    polling_times: tuple[float, ...]
    polling_batches: int
    polling_batch_orders: int
    single_call_rounds: int
    single_call_gets: int
    single_call_pages: int
    normal_path_orders: int  # per import of the comparison of two checkouts (``normal_path``)
    normal_path_rounds: int
    duplicates_orders: tuple[int, ...] = ()  # imports with and without the source_id tracker (``duplicates``)
    duplicates_rounds: int = 1
    tracker_ids: tuple[int, ...] = ()  # distinct ids fed to the tracker alone
    emulator_scale_stored_orders: int = (
        100_000  # orders held in process for bytes per order (``emulator_scale``)
    )
    emulator_scale_sizes: tuple[int, ...] = (100_000,)  # orders imported into an emulator process
    emulator_scale_rounds: int = 1  # rounds at the smallest size (the larger sizes run once)
    observability_calls: int = 1000  # timed orders.get calls per worker (``observability``)
    observability_rounds: int = 3
    client_cost_orders: int = 100_000  # per import of the client-cost comparison with the hand loop
    client_cost_rounds: int = 5
    client_cost_memory_sizes: tuple[int, ...] = (100_000, 1_000_000)  # imports from a JSON Lines file
    mapped_rows: tuple[int, ...] = ()  # rows of the shop exports imported through a mapping (``mapped``)
    mapped_rounds: int = 1
    startup_rounds: int = 5  # fresh processes per command and bytecode state (``startup``)
    polling_spread: float = 0.3  # server times varying around their mean (``polling``, varying durations)
    polling_varying_means: tuple[float, ...] = ()
    polling_varying_batches: int = 12

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready data."""
        return asdict(self)


QUICK = Settings(
    mode="quick",
    throughput_orders=10_000,
    client_bound_repeats=2,
    realistic_orders=10_000,
    realistic_repeats=1,
    realistic_processing_rate=2000.0,
    realistic_processing_delay=0.5,
    client_bound_poll_interval=0.1,
    realistic_poll_interval=1.0,
    memory_sizes=(10_000, 100_000),
    polling_times=(0.5, 2.0, 5.0),
    polling_batches=2,
    polling_batch_orders=100,
    single_call_rounds=2,
    single_call_gets=200,
    single_call_pages=10,
    normal_path_orders=20_000,
    normal_path_rounds=3,
    duplicates_orders=(10_000, 100_000),
    duplicates_rounds=1,
    tracker_ids=(1_000_000,),
    emulator_scale_stored_orders=20_000,
    emulator_scale_sizes=(20_000, 100_000),
    emulator_scale_rounds=2,
    observability_calls=300,
    observability_rounds=2,
    client_cost_orders=20_000,
    client_cost_rounds=2,
    client_cost_memory_sizes=(10_000, 100_000),
    mapped_rows=(10_000, 100_000),
    mapped_rounds=1,
    startup_rounds=5,
    polling_varying_means=(1.5,),
    polling_varying_batches=8,
)

FULL = Settings(
    mode="full",
    throughput_orders=100_000,
    client_bound_repeats=3,
    realistic_orders=100_000,
    realistic_repeats=2,
    realistic_processing_rate=2000.0,
    realistic_processing_delay=0.5,
    client_bound_poll_interval=0.1,
    realistic_poll_interval=1.0,
    memory_sizes=(10_000, 100_000, 1_000_000),
    polling_times=(0.5, 1.0, 2.0, 5.0, 10.0, 20.0),
    polling_batches=3,
    polling_batch_orders=100,
    single_call_rounds=5,
    single_call_gets=500,
    single_call_pages=20,
    normal_path_orders=100_000,
    normal_path_rounds=6,
    duplicates_orders=(100_000, 1_000_000),
    duplicates_rounds=3,
    tracker_ids=(1_000_000, 10_000_000),
    emulator_scale_stored_orders=100_000,
    emulator_scale_sizes=(100_000, 1_000_000),
    emulator_scale_rounds=3,
    observability_calls=2000,
    observability_rounds=8,
    mapped_rows=(100_000, 1_000_000),
    mapped_rounds=2,
    startup_rounds=15,
    polling_varying_means=(0.5, 1.5, 5.0),
    polling_varying_batches=16,
)


def worker_spec(
    measure: str, contender: str, base_url: str, project: int = 1, **fields: Any
) -> dict[str, Any]:
    """The JSON spec of one measurement on the ``project``-th project (1-based) of the emulator."""
    app_id, app_token = project_credentials(project)[project - 1]
    return {
        "measure": measure,
        "contender": contender,
        "base_url": base_url,
        "app_id": app_id,
        "app_token": app_token,
        **fields,
    }


@contextmanager
def package_from(checkout: Path) -> Iterator[dict[str, Any]]:
    """Options of :func:`start_worker` that run these benchmarks on the ``voucherify_async`` of ``checkout``.

    The worker starts in a directory holding nothing but a link to this ``benchmarks`` package (``python -m``
    puts its working directory first on ``sys.path``), and ``PYTHONPATH`` names the checkout, which comes
    before the editable install of the working tree: the package is the checkout's, the harness and the
    interpreter with its dependencies are the same for every checkout. The worker reports the path it
    imported the package from (``package_path``).
    """
    with tempfile.TemporaryDirectory(prefix="voucherify-bench-") as directory:
        (Path(directory) / "benchmarks").symlink_to(HERE, target_is_directory=True)
        yield {"cwd": directory, "env": {**os.environ, "PYTHONPATH": str(checkout.resolve())}}


def start_worker(spec: dict[str, Any], **popen: Any) -> subprocess.Popen[str]:
    """Start ``benchmarks.worker`` on ``spec`` without waiting (``popen``: see :func:`package_from`)."""
    command = [sys.executable, "-m", "benchmarks.worker", orjson.dumps(spec).decode()]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def finish_worker(process: subprocess.Popen[str], timeout: float = 1800.0) -> dict[str, Any]:
    """Wait for a worker and return its JSON result, or ``{"error": ...}`` if it failed."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return {"error": f"timed out after {timeout:.0f} s"}
    if process.returncode != 0:
        lines = stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit code {process.returncode}"}
    result: dict[str, Any] = orjson.loads(stdout.strip().splitlines()[-1])
    return result


def run_worker(spec: dict[str, Any], timeout: float = 1800.0, **popen: Any) -> dict[str, Any]:
    """Run one measurement in a fresh child process and return its result."""
    return finish_worker(start_worker(spec, **popen), timeout)
