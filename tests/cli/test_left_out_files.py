"""The ``--rejects`` and ``--failures`` files are written as orders are left out, so a stop leaves them."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import anyio
import pytest
from cli_process import (
    APP_ID,
    APP_TOKEN,
    COMMAND,
    FAST_POLL,
    HeldTime,
    command_env,
    make_orders,
    read_jsonl,
    run_command,
    write_jsonl,
)
from test_interruption import Output

import voucherify_async as vf
from voucherify_async._clock import ManualClock
from voucherify_async.cli import left_out_files
from voucherify_async.cli.left_out_files import LeftOutFiles
from voucherify_async.emulator import Emulator

pytestmark = pytest.mark.anyio

GHOST_CUSTOMER = {"id": "cust_doesnotexist"}  # the emulator fails an order naming a customer it does not know


def orders_left_out_in_every_batch(folder: Path) -> Path:
    """32 records in batches of 10 orders: o-4, o-15 and o-27 malformed (batches 1, 2, 3); o-2 and o-25 fail
    on the server (batches 1 and 3)."""
    orders: list[dict[str, Any]] = make_orders(32)
    for malformed in (4, 15, 27):
        orders[malformed]["items"][0]["quantity"] = 0
    for ghost in (2, 25):
        orders[ghost]["customer"] = GHOST_CUSTOMER
    return write_jsonl(folder / "orders.jsonl", orders)


def source_ids(path: Path) -> list[str]:
    return [entry["source_id"] for entry in read_jsonl(path)]


def import_argv(folder: Path) -> list[str]:
    source = orders_left_out_in_every_batch(folder)
    files = ["--rejects", str(folder / "rejects.jsonl"), "--failures", str(folder / "failures.jsonl")]
    return ["import", str(source), "--batch-size", "10", *files, "--progress", "plain", *FAST_POLL]


async def test_ctrl_c_leaves_the_files_up_to_the_stop_and_the_resumed_run_completes_them(
    tmp_path: Path,
) -> None:
    # Two seconds a batch: batch 2 is surely running when the signal lands.
    async with Emulator(app_id=APP_ID, app_token=APP_TOKEN, processing_rate=5) as emulator:
        env = command_env(emulator.url, XDG_STATE_HOME=str(tmp_path / "state"))
        argv = import_argv(tmp_path)
        async with await anyio.open_process([*COMMAND, *argv], env=env) as process:
            stderr = Output(process.stderr)
            await stderr.until("batch 2: 10 orders submitted")
            process.send_signal(signal.SIGINT)
            text = await stderr.rest()
            code = await process.wait()
        stopped = (source_ids(tmp_path / "rejects.jsonl"), source_ids(tmp_path / "failures.jsonl"))
        resumed = await run_command(*argv, env=env)
        requests = emulator.project(APP_ID).import_requests
    assert code == 130, text
    assert "Orders left out so far: 2 orders in" in text
    assert stopped == (["o-4", "o-15"], ["o-2"])
    assert resumed.code == 1, resumed.output
    assert source_ids(tmp_path / "rejects.jsonl") == ["o-4", "o-15", "o-27"]
    assert source_ids(tmp_path / "failures.jsonl") == ["o-2", "o-25"]
    assert requests == 3  # batch 2 was waited for, not sent again


async def test_a_killed_import_leaves_the_rejects_found_before_it(tmp_path: Path) -> None:
    # The first batch's import stays in progress while the time is held: the kill lands while it runs.
    held = HeldTime()
    async with Emulator(app_id=APP_ID, app_token=APP_TOKEN, processing_rate=400, time_source=held) as emu:
        env = command_env(emu.url, XDG_STATE_HOME=str(tmp_path / "state"))
        argv = [*COMMAND, *import_argv(tmp_path)]
        async with await anyio.open_process(argv, env=env) as process:
            await Output(process.stderr).until("batch 1: 10 orders submitted")
            process.kill()
    assert source_ids(tmp_path / "rejects.jsonl") == ["o-4"]


async def test_the_same_command_run_again_writes_each_left_out_order_once(
    tmp_path: Path, env: dict[str, str], journals: Path, cli_emulator: Emulator
) -> None:
    argv = import_argv(tmp_path)
    first = await run_command(*argv, env=env)
    files = ((tmp_path / "rejects.jsonl").read_bytes(), (tmp_path / "failures.jsonl").read_bytes())
    again = await run_command(*argv, env=env)
    assert (first.code, again.code) == (1, 1), first.output + again.output
    assert ((tmp_path / "rejects.jsonl").read_bytes(), (tmp_path / "failures.jsonl").read_bytes()) == files
    assert source_ids(tmp_path / "failures.jsonl") == ["o-2", "o-25"]
    assert cli_emulator.project(APP_ID).import_requests == 3


def test_rewrites_take_at_most_their_share_of_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock()

    def slow_write(*args: object, **kwargs: object) -> tuple[int, int]:
        clock.advance(1.0)  # each rewrite takes a second
        return (0, 0)

    monkeypatch.setattr(left_out_files, "write_left_out_orders", slow_write)
    files = LeftOutFiles(
        tmp_path / "o.jsonl", "jsonl", rejects=tmp_path / "r.jsonl", failures=None, clock=clock
    )
    report = vf.ImportReport()
    for _ in range(18):  # an order rejected every half second: the first rewrite ends at 1 s, the last at 9.5
        report.rejected.append(vf.OrderFailure("o", "bad", len(report.rejected) + 1))
        files.follow(report)
        clock.advance(0.5)
    assert files.rewrites == 1  # a rewrite of 1 s is followed by none within the next 9 s
    report.rejected.append(vf.OrderFailure("o", "bad", len(report.rejected) + 1))
    files.follow(report)
    assert files.rewrites == 2  # 10 s after the first began
    files.write(report)
    assert files.rewrites == 2  # nothing new since: not rewritten again
