from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from voucherify_async.emulator import Fault
from voucherify_async.emulator._command import add_arguments, build_emulator, parse_fault


def _options(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    command = [sys.executable, "-m", "voucherify_async.emulator", "--port", "0", "--app-id", "shop"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines = [process.stdout.readline().strip() for _ in range(3)]
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_first_line_is_the_base_url_then_the_credentials(
    served: tuple[subprocess.Popen[str], list[str]],
) -> None:
    _, lines = served
    assert lines[0].startswith("http://127.0.0.1:")
    assert lines[1:] == ["X-App-Id: shop", "X-App-Token: token"]


def test_served_emulator_answers_with_its_credentials(
    served: tuple[subprocess.Popen[str], list[str]],
) -> None:
    _, lines = served
    request = urllib.request.Request(
        lines[0] + "/v1/orders", headers={"X-App-Id": "shop", "X-App-Token": "token"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())["total"] == 0


def test_interrupt_stops_it_with_exit_code_0_and_its_own_token_is_never_printed() -> None:
    command = [
        sys.executable,
        "-m",
        "voucherify_async.emulator",
        "--port",
        "0",
        "--app-token",
        "s3cr3t-value",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(4)]
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert lines[2] == "X-App-Token: (as given with --app-token)\n"
    assert "s3cr3t-value" not in "".join(lines) + out + err


def test_fault_syntax_parses_route_and_schedule() -> None:
    fault = parse_fault("lost_ack,route=POST /v1/orders/import,nth=2+5")
    assert fault == Fault("lost_ack", route="POST /v1/orders/import", nth=(2, 5))


def test_fault_syntax_parses_status_and_probability() -> None:
    assert parse_fault("status,status=429,probability=0.25") == Fault("status", status=429, probability=0.25)


@pytest.mark.parametrize("text", ["explode", "status,colour=red", "latency,delay=soon"])
def test_fault_syntax_rejects_nonsense(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_fault(text)


def test_options_build_the_emulator_they_describe() -> None:
    options = _options(
        "--project", "other:secret", "--processing-rate", "50", "--bulk-calls-per-hour", "1",
        "--metadata-schema", "channel=web,store", "--oauth-token-ttl", "60",
    )  # fmt: skip
    emu = build_emulator(options)
    assert sorted(emu.projects) == ["app", "other"]
    assert emu.project("other").processing_rate == 50
    assert emu.rate_limiter.limits.bulk_calls_per_hour == 1
    assert emu.metadata_schema == {"channel": ["web", "store"]}
    assert emu.tokens.ttl == 60
    assert emu.data_dir is None


def test_data_dir_option_builds_an_emulator_keeping_its_data_there(tmp_path: Path) -> None:
    emu = build_emulator(_options("--data-dir", str(tmp_path / "data")))
    emu._close_data_file()
    assert emu.data_dir == tmp_path / "data"
    assert (tmp_path / "data" / "emulator.sqlite3").is_file()


def test_a_taken_port_is_exit_code_1() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "voucherify_async.emulator", "--port", str(port)]
        finished = subprocess.run(command, capture_output=True, text=True, timeout=20)
    assert finished.returncode == 1
    assert "cannot serve" in finished.stderr


def _serve_once(
    data_dir: Path, calls: list[tuple[str, str, bytes | None]], stop: signal.Signals = signal.SIGINT
) -> tuple[list[str], list[Any]]:
    """Run the command with ``--data-dir``, make the calls, stop it: its first lines, the answers."""
    command = [sys.executable, "-m", "voucherify_async.emulator", "--port", "0", "--data-dir", str(data_dir)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines = [process.stdout.readline().strip() for _ in range(4)]
    answers = []
    try:
        for method, path, body in calls:
            headers = {"X-App-Id": "app", "X-App-Token": "token", "Content-Type": "application/json"}
            request = urllib.request.Request(lines[0] + path, data=body, method=method, headers=headers)
            with urllib.request.urlopen(request, timeout=10) as response:
                answers.append(json.loads(response.read()))
    finally:
        process.send_signal(stop)
        process.communicate(timeout=10)
    assert process.returncode == (0 if stop == signal.SIGINT else -stop)
    return lines, answers


def test_data_dir_keeps_the_orders_from_one_run_to_the_next(tmp_path: Path) -> None:
    created = json.dumps({"source_id": "o-1", "amount": 100}).encode()
    first_lines, (order,) = _serve_once(tmp_path, [("POST", "/v1/orders", created)])
    second_lines, (listing,) = _serve_once(tmp_path, [("GET", "/v1/orders", None)])
    assert first_lines[3] == f"data directory: {tmp_path} (0 orders stored)"
    assert second_lines[3] == f"data directory: {tmp_path} (1 orders stored)"
    assert (listing["total"], listing["orders"]) == (1, [order])


def test_data_dir_keeps_what_was_answered_when_the_process_is_killed(tmp_path: Path) -> None:
    orders = json.dumps([{"source_id": f"o-{index}", "amount": 100} for index in range(50)]).encode()
    _, (accepted,) = _serve_once(tmp_path, [("POST", "/v1/orders/import", orders)], stop=signal.SIGKILL)
    action_path = f"/v1/async-actions/{accepted['async_action_id']}"
    _, (listing, action) = _serve_once(tmp_path, [("GET", "/v1/orders", None), ("GET", action_path, None)])
    assert (listing["total"], action["status"], action["result"]["done_count"]) == (50, "DONE", 50)


def test_a_data_dir_that_cannot_be_used_is_exit_code_1_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "emulator.sqlite3").write_bytes(b"\x00not sqlite" * 100)
    command = [sys.executable, "-m", "voucherify_async.emulator", "--port", "0", "--data-dir", str(tmp_path)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=20)
    assert finished.returncode == 1
    assert finished.stdout == ""
    assert finished.stderr.strip().startswith(f"cannot use {tmp_path / 'emulator.sqlite3'} as the emulator's")
    assert "Traceback" not in finished.stderr


def test_help_documents_the_data_dir() -> None:
    command = [sys.executable, "-m", "voucherify_async.cli.main", "emulator", "--help"]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=20)
    assert finished.returncode == 0
    assert "--data-dir DIR" in finished.stdout
    assert "they survive a restart with the same DIR" in " ".join(finished.stdout.split())
