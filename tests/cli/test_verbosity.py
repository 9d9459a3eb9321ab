"""``voucherify-async import -q``, ``-v``, ``-vv`` and ``VOUCHERIFY_LOG``: how much the command says."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_process import APP_ID, APP_TOKEN, command_env, make_orders, run_import, write_jsonl

from voucherify_async.emulator import Emulator, Fault


def orders_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "orders.jsonl", make_orders(3))


@pytest.mark.anyio
async def test_quiet_prints_nothing_when_all_goes_well(env: dict[str, str], tmp_path: Path) -> None:
    done = await run_import(orders_file(tmp_path), "-q", "--no-checkpoint", env=env)
    assert (done.code, done.stdout, done.stderr) == (0, "", "")


@pytest.mark.anyio
async def test_quiet_still_prints_errors(env: dict[str, str], tmp_path: Path) -> None:
    done = await run_import(orders_file(tmp_path), "-q", "--batch-size", "5000", env=env)
    assert (done.code, done.stdout) == (2, "")
    assert done.stderr.startswith("error: --batch-size")


@pytest.mark.anyio
async def test_verbose_logs_each_request_on_stderr(env: dict[str, str], tmp_path: Path) -> None:
    done = await run_import(orders_file(tmp_path), "-v", "--progress", "none", "--no-checkpoint", env=env)
    assert done.code == 0, done.output
    assert "POST /v1/orders/import -> 200 in " in done.stderr
    assert "GET /v1/async-actions/aa_" in done.stderr
    assert "(request id " in done.stderr
    assert "POST /v1/orders/import" not in done.stdout


@pytest.mark.anyio
async def test_verbose_twice_adds_the_retries(tmp_path: Path) -> None:
    outcomes = []
    for verbose in ("-v", "-vv"):
        busy = Fault("status", route="GET /v1/async-actions/{id}", status=503, nth=1)
        async with Emulator(app_id=APP_ID, app_token=APP_TOKEN, faults=[busy]) as emulator:
            env = command_env(emulator.url)
            outcomes.append(await run_import(orders_file(tmp_path), verbose, "--no-checkpoint", env=env))
    once, twice = outcomes
    assert "-> 503 in " in once.stderr
    assert "retry 1 of 3 in " not in once.stderr
    assert "retry 1 of 3 in " in twice.stderr


@pytest.mark.anyio
async def test_voucherify_log_info_logs_each_request(cli_emulator: Emulator, tmp_path: Path) -> None:
    env = command_env(cli_emulator.url, VOUCHERIFY_LOG="info")
    done = await run_import(orders_file(tmp_path), "--progress", "none", "--no-checkpoint", env=env)
    assert "POST /v1/orders/import -> 200 in " in done.stderr


@pytest.mark.anyio
async def test_no_token_shows_at_the_most_verbose(tmp_path: Path) -> None:
    busy = Fault("status", route="GET /v1/async-actions/{id}", status=503, nth=1)
    async with Emulator(app_id=APP_ID, app_token=APP_TOKEN, faults=[busy]) as emulator:
        env = command_env(emulator.url, VOUCHERIFY_LOG="debug")
        done = await run_import(orders_file(tmp_path), "-vv", "--json", "--progress", "json", env=env)
    assert "retry 1 of 3 in " in done.stderr
    assert env["VOUCHERIFY_APP_TOKEN"] == APP_TOKEN
    assert APP_TOKEN not in done.output
