"""What the benchmarks ran on: CPU, cores, memory, OS, Python and package versions, commit, load."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = (
    "voucherify-async",
    "aiohttp",
    "attrs",
    "cattrs",
    "anyio",
    "orjson",
    "voucherify",
    "pydantic",
    "urllib3",
    "matplotlib",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return 0.0


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str, checkout: Path | None = None) -> str:
    where = ["-C", str(checkout)] if checkout is not None else []
    return subprocess.run(["git", *where, *args], capture_output=True, text=True, check=True).stdout.strip()


def commit_of(checkout: Path | None = None) -> str:
    """The commit of a checkout (default: the working directory's), and whether its package had changes not
    yet committed."""
    try:
        commit = _git("rev-parse", "--short", "HEAD", checkout=checkout)
        changed = _git("status", "--porcelain", "--", "voucherify_async", checkout=checkout)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} (with uncommitted changes to voucherify_async)" if changed else commit


def describe_machine() -> dict[str, Any]:
    """A snapshot of the machine and software, taken when the run starts."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": {name: _version(name) for name in PACKAGES},
        "commit": commit_of(),
        "load_start": os.getloadavg()[0],
        "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
