"""``voucherify-async import --json`` and ``--progress json``: the report and the progress for a program."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import anyio
import orjson
import pytest
from cli_process import (
    APP_ID,
    APP_TOKEN,
    COMMAND,
    FAST_POLL,
    HeldTime,
    command_env,
    make_orders,
    run_import,
    write_jsonl,
)

from voucherify_async.emulator import Emulator, Fault


def the_one_object(stdout: str) -> dict[str, Any]:
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout
    document: dict[str, Any] = orjson.loads(lines[0])
    return document


def orders_and_a_broken_line(tmp_path: Path, count: int = 5) -> Path:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(count))
    source.write_bytes(source.read_bytes() + b"not json\n")
    return source


@pytest.mark.anyio
async def test_json_writes_the_report_as_one_object_on_stdout(env: dict[str, str], tmp_path: Path) -> None:
    source = orders_and_a_broken_line(tmp_path)
    rejects, journal = tmp_path / "rejects.jsonl", tmp_path / "orders.journal"
    argv = ("--json", "--batch-size", "2", "--rejects", rejects, "--checkpoint", journal)
    done = await run_import(source, *argv, env=env)
    document = the_one_object(done.stdout)
    report = document["report"]
    assert (document["version"], document["exit_code"], document["error"], done.code) == (1, 1, None, 1)
    assert report["counts"] == {
        "orders": 6, "imported": 5, "distinct_imported": 5, "failed": 0, "rejected": 1, "duplicates": 0,
        "in_flight": 0,
    }  # fmt: skip
    assert [(b["index"], b["size"], b["imported"], b["status"]) for b in report["batches"]] == [
        (1, 2, 2, "DONE"), (2, 2, 2, "DONE"), (3, 1, 1, "DONE"),
    ]  # fmt: skip
    assert all(b["async_action_id"].startswith("aa_") and b["polls"] >= 1 for b in report["batches"])
    assert report["bulk_calls"] == 3
    assert report["polls"] >= 3
    assert report["elapsed"] > 0
    assert document["files"] == {"rejects": str(rejects), "failures": None, "journal": str(journal)}


@pytest.mark.anyio
async def test_json_of_a_dry_run_holds_what_an_import_would_send(env: dict[str, str], tmp_path: Path) -> None:
    done = await run_import(orders_and_a_broken_line(tmp_path), "--json", "--dry-run", env=env)
    document = the_one_object(done.stdout)
    assert document["report"] is None
    assert document["dry_run"] == {
        "orders": 6, "valid": 5, "rejected": 1, "duplicates": 0, "batches": 1, "bulk_calls": 1,
    }  # fmt: skip


@pytest.mark.anyio
async def test_progress_json_writes_one_event_a_line_on_stderr(env: dict[str, str], tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(4))
    done = await run_import(source, "--progress", "json", "--batch-size", "2", "--no-checkpoint", env=env)
    events = [orjson.loads(line) for line in done.stderr.splitlines()]
    names = [event["event"] for event in events]
    assert done.code == 0, done.output
    assert names[0] == "BatchPrepared"
    assert names[-1] == "ImportFinished"
    assert names.count("BatchFinished") == 2
    finished = events[-1]
    assert finished["report"]["imported"] == 4
    assert finished["progress"]["imported"] == finished["progress"]["accounted"] == 4
    assert done.stdout.startswith("Import summary")  # the human summary stays without --json


@pytest.mark.anyio
async def test_no_token_shows_in_json_or_json_progress(env: dict[str, str], tmp_path: Path) -> None:
    source = orders_and_a_broken_line(tmp_path)
    done = await run_import(source, "--json", "--progress", "json", "--no-checkpoint", env=env)
    assert done.code == 1, done.output
    assert env["VOUCHERIFY_APP_TOKEN"] == APP_TOKEN
    assert APP_TOKEN not in done.output


@pytest.mark.anyio
async def test_a_usage_error_under_json_is_one_object_with_the_error(
    env: dict[str, str], tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(1))
    done = await run_import(source, "--json", "--batch-size", "5000", env=env)
    document = the_one_object(done.stdout)
    assert (done.code, document["exit_code"], document["report"]) == (2, 2, None)
    assert document["error"]["type"] == "ConfigurationError"
    assert "--batch-size" in document["error"]["message"]
    assert "--batch-size" in done.stderr  # the message for a person stays on stderr


@pytest.mark.anyio
async def test_an_api_error_under_json_holds_the_error_and_the_report_so_far(tmp_path: Path) -> None:
    refuse = Fault("status", route="POST /v1/orders/import", status=409, nth=2)
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(4))
    async with Emulator(app_id=APP_ID, app_token=APP_TOKEN, faults=[refuse]) as emulator:
        done = await run_import(
            source, "--json", "--batch-size", "2", "--no-checkpoint", env=command_env(emulator.url)
        )
    document = the_one_object(done.stdout)
    assert (done.code, document["exit_code"]) == (1, 1), done.output
    assert document["error"]["type"] == "ConflictError"
    assert document["error"]["status"] == 409
    assert document["report"]["counts"]["imported"] == 2  # batch 1, before the error


@pytest.mark.anyio
async def test_an_interrupted_run_under_json_is_one_object_with_the_report_so_far(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(4))
    argv = ["import", str(source), "--json", "--progress", "json", "--batch-size", "2", "--no-checkpoint"]
    held = HeldTime()  # batch 1's import stays IN_PROGRESS until the signal
    async with Emulator(app_id=APP_ID, app_token=APP_TOKEN, processing_rate=400, time_source=held) as emu:
        process = await anyio.open_process([*COMMAND, *argv, *FAST_POLL], env=command_env(emu.url))
        async with process:
            assert process.stderr is not None
            assert process.stdout is not None
            seen = b""
            with anyio.fail_after(30):
                async for chunk in process.stderr:
                    seen += chunk
                    if b'"event":"BatchSubmitted"' in seen:
                        break
            process.send_signal(signal.SIGINT)
            stdout = b"".join([chunk async for chunk in process.stdout])
            code = await process.wait()
    document = the_one_object(stdout.decode())
    assert (code, document["exit_code"]) == (130, 130)
    assert document["error"] == {"type": "KeyboardInterrupt", "message": "interrupted (Ctrl-C)"}
    assert document["report"]["counts"]["in_flight"] == 2
    assert document["report"]["in_flight_action_id"].startswith("aa_")
