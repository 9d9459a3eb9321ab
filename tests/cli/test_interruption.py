"""``voucherify-async import`` stopped half-way (Ctrl-C, SIGTERM, a kill, an API error), and run again."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import pytest
from aiohttp import web
from anyio.abc import ByteReceiveStream, Process
from cli_process import (
    APP_ID,
    APP_TOKEN,
    COMMAND,
    FAST_POLL,
    HeldTime,
    command_env,
    make_orders,
    run_command,
    write_jsonl,
)

from voucherify_async.emulator import Emulator, Fault

if TYPE_CHECKING:
    from conftest import StartServer

ORDERS, BATCH = 60, 20


class Output:
    """What a running process wrote to one of its pipes so far."""

    def __init__(self, stream: ByteReceiveStream | None) -> None:
        assert stream is not None
        self.stream = stream
        self.text = ""

    async def until(self, needle: str) -> None:
        with anyio.fail_after(30):
            async for chunk in self.stream:
                self.text += chunk.decode()
                if needle in self.text:
                    return
        raise AssertionError(f"the command ended without printing {needle!r}:\n{self.text}")

    async def rest(self) -> str:
        async for chunk in self.stream:
            self.text += chunk.decode()
        return self.text


@pytest.fixture
def held_time() -> HeldTime:
    return HeldTime()


@pytest.fixture
async def slow_emulator(held_time: HeldTime) -> AsyncIterator[Emulator]:
    """Imports run on a time that stands still until the test releases it, then take 0.05 s a batch of 20.

    While the time is held an accepted import stays IN_PROGRESS however slow the machine is, so its speed
    once released need not be slow for a signal or a kill to land mid-import.
    """
    async with Emulator(
        app_id=APP_ID, app_token=APP_TOKEN, processing_rate=400, time_source=held_time
    ) as emu:
        yield emu


def import_argv(tmp_path: Path) -> list[str]:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(ORDERS))
    checkpoint = ["--checkpoint", str(tmp_path / "orders.journal")]
    return ["import", str(source), *checkpoint, "--batch-size", str(BATCH), "--progress", "plain", *FAST_POLL]


async def start(argv: list[str], base_url: str) -> Process:
    return await anyio.open_process([*COMMAND, *argv], env=command_env(base_url))


@pytest.mark.anyio
async def test_ctrl_c_exits_130_and_prints_the_command_that_resumes(
    slow_emulator: Emulator, tmp_path: Path
) -> None:
    argv = import_argv(tmp_path)
    async with await start(argv, slow_emulator.url) as process:
        stderr = Output(process.stderr)
        await stderr.until("batch 1: 20 orders submitted")
        process.send_signal(signal.SIGINT)
        text = await stderr.rest()
        code = await process.wait()
    assert code == 130, text
    assert f"run the same command again:\n  voucherify-async {' '.join(argv)}" in text


@pytest.mark.anyio
async def test_terminated_run_names_the_import_still_in_flight(
    slow_emulator: Emulator, tmp_path: Path
) -> None:
    async with await start(import_argv(tmp_path), slow_emulator.url) as process:
        stderr = Output(process.stderr)
        await stderr.until("batch 1: 20 orders submitted")
        process.terminate()
        text = await stderr.rest()
    action_id = slow_emulator.project(APP_ID).async_actions[0]["id"]
    assert f"Batch 1's import {action_id} was in flight" in text


@pytest.mark.anyio
async def test_run_again_after_a_kill_imports_every_order_exactly_once(
    slow_emulator: Emulator, held_time: HeldTime, tmp_path: Path
) -> None:
    argv = import_argv(tmp_path)
    async with await start(argv, slow_emulator.url) as process:
        await Output(process.stderr).until("batch 1: 20 orders submitted")
        process.kill()
    async with await start(argv, slow_emulator.url) as resumed:
        stderr = Output(resumed.stderr)
        await stderr.until("batch 1: 20 orders reattached to")  # the killed run's import, still running
        held_time.release()
        text = await stderr.rest()
        code = await resumed.wait()
    project = slow_emulator.project(APP_ID)
    done = sum(action["result"]["done_count"] for action in project.async_actions)
    assert code == 0, text
    assert (len(project.orders), done, project.import_requests) == (ORDERS, ORDERS, ORDERS // BATCH)
    assert project.imports_submitted_while_busy == 0  # batch 2 waited for the killed run's batch 1


@pytest.mark.anyio
async def test_api_error_stops_the_import_with_exit_1_and_the_resume_command(tmp_path: Path) -> None:
    refuse = Fault("status", route="POST /v1/orders/import", status=409)
    async with Emulator(app_id=APP_ID, app_token=APP_TOKEN, faults=[refuse]) as emulator:
        stopped = await run_command(*import_argv(tmp_path), env=command_env(emulator.url))
    assert stopped.code == 1, stopped.output
    assert "run the same command again" in stopped.stderr


@pytest.mark.anyio
async def test_changed_file_with_the_same_checkpoint_exits_2(tmp_path: Path) -> None:
    argv = import_argv(tmp_path)
    async with Emulator(app_id=APP_ID, app_token=APP_TOKEN) as emulator:
        env = command_env(emulator.url)
        first = await run_command(*argv, env=env)
        write_jsonl(tmp_path / "orders.jsonl", make_orders(ORDERS, start=1000))
        second = await run_command(*argv, env=env)
    assert first.code == 0, first.output
    assert second.code == 2, second.output


@pytest.mark.anyio
async def test_interrupted_run_names_the_batch_whose_import_got_no_answer(
    web_server: StartServer, tmp_path: Path
) -> None:
    # A server that takes the import request in and answers only when the test lets it: the command is
    # surely waiting for the answer when it is interrupted, whatever the machine's load.
    arrived, release = anyio.Event(), anyio.Event()

    async def hold_import(request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.json_response({"async_action_id": "aa_unanswered"})

    app = web.Application()
    app.router.add_post("/v1/orders/import", hold_import)
    url = await web_server(app)
    try:
        async with await start(import_argv(tmp_path), url) as process:
            with anyio.fail_after(30):
                await arrived.wait()
            process.send_signal(signal.SIGINT)
            text = await Output(process.stderr).rest()
            code = await process.wait()
    finally:
        release.set()
    assert code == 130, text
    assert "Batch 1's import request got no answer before the stop: the server may have queued it" in text


@pytest.mark.anyio
async def test_ctrl_c_stops_the_demo_with_exit_130() -> None:
    # A slow embedded server keeps the demo importing long enough to be interrupted mid-run.
    argv = [*COMMAND, "demo", "--orders", "4000", "--rate", "200", "--progress", "plain"]
    async with await anyio.open_process(argv) as process:
        stdout = Output(process.stdout)
        await stdout.until("Embedded Voucherify emulator listening on")
        process.send_signal(signal.SIGINT)
        with anyio.fail_after(30):
            code = await process.wait()
            stderr = await Output(process.stderr).rest()
    assert code == 130, stderr
    assert "demo interrupted" in stderr
