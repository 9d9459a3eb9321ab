"""The live line of ``voucherify-async import`` as a user sees it, and a wrong address told at once."""

from __future__ import annotations

import re
import signal
import socket
import time
from pathlib import Path

import anyio
import pytest
from cli_process import (
    APP_ID,
    APP_TOKEN,
    COMMAND,
    FAST_POLL,
    command_env,
    make_orders,
    run_import,
    write_jsonl,
)

from voucherify_async.cli.display import ERASE_TO_END_OF_LINE
from voucherify_async.emulator import Emulator

SERVER_RATE = 200.0
"""Orders per second the emulator imports at: a batch of 500 takes 2.5 s, as in the report."""


def live_frames(stderr: str) -> list[str]:
    """Each state of the live line, as the terminal showed it in turn (not the lines printed above it)."""
    frames = re.findall(rf"\r([^\r\n]*?){re.escape(ERASE_TO_END_OF_LINE)}", stderr)
    return [frame for frame in frames if frame]


def shown_rates(frames: list[str]) -> list[int]:
    return [int(rate.replace(",", "")) for frame in frames for rate in re.findall(r"([\d,]+)/s\b", frame)]


@pytest.mark.anyio
async def test_the_live_line_moves_within_a_batch_on_a_narrow_terminal(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(1000))
    async with Emulator(app_id=APP_ID, app_token=APP_TOKEN, processing_rate=SERVER_RATE) as emulator:
        env = command_env(emulator.url, COLUMNS="40")
        done = await run_import(source, "--batch-size", "500", "--progress", "bar", env=env)
    assert done.code == 0, done.output
    frames = live_frames(done.stderr)
    assert all(len(frame) < 40 for frame in frames), frames
    # Batch 2 is looked at once, at its end: meanwhile the share and the ETA move on, marked as estimates.
    within_batch_2 = [frame for frame in frames if frame.startswith("~") and "2 submitted" in frame]
    shares = [frame.split()[0] for frame in within_batch_2]
    etas = [frame.rsplit("ETA ", 1)[-1] for frame in within_batch_2]
    assert len(set(shares)) >= 2, frames
    assert len(set(etas)) >= 2, frames
    assert not any("ENQUEUED" in frame for frame in frames)  # no poll saw it: nothing made up


@pytest.mark.anyio
async def test_a_resumed_run_shows_only_its_own_rate(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(600))
    argv = ["import", str(source), "--checkpoint", str(tmp_path / "orders.journal"), "--batch-size", "100"]
    async with Emulator(app_id=APP_ID, app_token=APP_TOKEN, processing_rate=SERVER_RATE) as emulator:
        env = command_env(emulator.url, COLUMNS="200")
        async with await anyio.open_process(
            [*COMMAND, *argv, "--progress", "plain", *FAST_POLL], env=env
        ) as first:
            assert first.stderr is not None
            seen = ""
            with anyio.fail_after(30):
                async for chunk in first.stderr:
                    seen += chunk.decode()
                    if "batch 2: DONE" in seen:
                        break
            first.send_signal(signal.SIGINT)
            assert await first.wait() == 130
        resumed = await run_import(*argv[1:], "--progress", "bar", env=env)
    assert resumed.code == 0, resumed.output
    rates = shown_rates(live_frames(resumed.stderr))
    assert rates, resumed.stderr
    # The orders of the batches the first run imported are no work of this one: no rate above the server's.
    assert max(rates) <= 1.5 * SERVER_RATE, rates


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def credentials_only() -> dict[str, str]:
    return command_env(None, VOUCHERIFY_APP_ID=APP_ID, VOUCHERIFY_APP_TOKEN=APP_TOKEN)


@pytest.mark.anyio
async def test_a_refused_connection_stops_the_import_at_once_with_exit_2(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(3))
    port = closed_port()
    started = time.monotonic()
    done = await run_import(source, "--base-url", f"http://127.0.0.1:{port}", env=credentials_only())
    assert time.monotonic() - started < 10  # not the batcher's 30 s of resends
    assert done.code == 2, done.output
    assert f"cannot reach the API at http://127.0.0.1:{port}: connection refused." in done.stderr


NO_NAMES_RESOLVE = """\
import socket


def _no_name_resolves(host, *args, **kwargs):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


socket.getaddrinfo = _no_name_resolves
"""
"""A ``sitecustomize`` for the command's process: no host name resolves, and no resolver is asked (tests
contact loopback addresses only)."""


@pytest.mark.anyio
async def test_a_host_name_that_does_not_resolve_stops_the_import_with_exit_2(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(3))
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(NO_NAMES_RESOLVE)
    env = {**credentials_only(), "PYTHONPATH": str(hooks)}
    done = await run_import(source, "--base-url", "http://voucherify-typo.invalid", env=env)
    assert done.code == 2, done.output
    assert "cannot reach the API at http://voucherify-typo.invalid: host name not found" in done.stderr


@pytest.mark.anyio
async def test_the_address_is_checked_with_one_call_before_the_first_import(
    cli_emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(3))
    done = await run_import(source, "--progress", "none", env=env)
    assert done.code == 0, done.output
    routes = [request.route for request in cli_emulator.requests]
    assert routes[0] == "GET /v1/async-actions"
    assert routes.count("GET /v1/async-actions") == 1
