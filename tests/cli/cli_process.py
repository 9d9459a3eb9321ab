"""Running the real ``voucherify-async`` command as a subprocess, and the order files it reads and writes.

The emulator runs in the test's event loop on real time (the command in the other process waits on real
time too), so the command is started without blocking that loop (``anyio.run_process``/``open_process``).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio
import attrs
import orjson

APP_ID = "cli-app"
APP_TOKEN = "cli-secret-token-1f2e3d"
COMMAND = (sys.executable, "-m", "voucherify_async.cli.main")
FAST_POLL = ("--first-poll", "0.05")


class HeldTime:
    """An emulator's time source held still until released, then going on from where it stopped.

    While it is held, an import the emulator accepted stays IN_PROGRESS however slow the machine is, so a
    test can act (interrupt, kill, start another command) while the import is surely running.
    """

    def __init__(self) -> None:
        self.held_at: float | None = time.time()
        self.lost = 0.0

    def __call__(self) -> float:
        return self.held_at if self.held_at is not None else time.time() - self.lost

    def release(self) -> None:
        if self.held_at is not None:
            self.lost = time.time() - self.held_at
            self.held_at = None


@attrs.frozen
class Outcome:
    """What a run of the command left behind."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def command_env(base_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a run: this one's, minus any real credentials, plus the emulator's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("VOUCHERIFY_")}
    env["PYTHONUNBUFFERED"] = "1"
    if base_url is not None:
        env.update(VOUCHERIFY_APP_ID=APP_ID, VOUCHERIFY_APP_TOKEN=APP_TOKEN, VOUCHERIFY_BASE_URL=base_url)
    env.update(extra)
    return env


async def run_command(
    *args: str | Path, env: Mapping[str, str], stdin: bytes | None = None, cwd: Path | None = None
) -> Outcome:
    """Run ``voucherify-async ARGS`` to its end."""
    done = await anyio.run_process(
        [*COMMAND, *map(str, args)], input=stdin or b"", env=dict(env), check=False, cwd=cwd
    )
    return Outcome(done.returncode, done.stdout.decode(), done.stderr.decode())


async def run_import(
    *args: str | Path, env: Mapping[str, str], stdin: bytes | None = None, cwd: Path | None = None
) -> Outcome:
    """Run ``voucherify-async import ARGS``, looking at the first action soon (the emulator is quick)."""
    return await run_command("import", *args, *FAST_POLL, env=env, stdin=stdin, cwd=cwd)


def summary_rows(stdout: str) -> dict[str, str]:
    """The rows of the summary table: label -> value."""
    rows = re.findall(r"^  (\w[\w -]*?)\s{2,}(\S.*)$", stdout, flags=re.MULTILINE)
    return dict(rows)


def write_jsonl(path: Path, orders: Sequence[Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(order) + b"\n" for order in orders))
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def make_orders(count: int, *, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "source_id": f"o-{number}",
            "status": "PAID",
            "amount": 1000 + number,
            "created_at": "2021-03-04T05:06:07Z",
            "items": [{"source_id": "sku-1", "related_object": "sku", "quantity": 1, "price": 1000 + number}],
        }
        for number in range(start, start + count)
    ]


def journal_files(folder: Path) -> list[Path]:
    """The default journals in ``folder`` (the ``journals`` fixture), oldest name first."""
    return sorted(folder.glob("*.journal")) if folder.is_dir() else []
