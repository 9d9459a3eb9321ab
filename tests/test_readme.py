"""The README's examples and commands, run against the emulator, so the README cannot rot.

Each fenced block the README wants tested follows a ``<!-- readme-test: NAME -->`` comment; every ``python``
block must have one. Programs run as the reader would run them (a subprocess, in a folder holding the files
they name) with the environment pointing at an emulator on loopback; the web handler is served in-process.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

import voucherify_async as vf
from voucherify_async.emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
APP_ID, APP_TOKEN = "readme-app", "readme-token-9c8b7a"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
MARKER = re.compile(r"<!-- readme-test: ([\w-]+) -->\s*\Z")
FIRST_POLL_SOON = ("--first-poll", "0.05")


def readme_blocks() -> list[tuple[str | None, str, str]]:
    """Every fenced block of the README as (marker name or None, language, text)."""
    text = README.read_text(encoding="utf-8")
    found = []
    for match in BLOCK.finditer(text):
        marker = MARKER.search(text[: match.start()])
        found.append((marker.group(1) if marker else None, match.group(1), match.group(2)))
    return found


def block(name: str) -> str:
    texts = [text for marker, _, text in readme_blocks() if marker == name]
    assert len(texts) == 1, f"the README should have one block marked {name!r}"
    return texts[0]


def program_env(url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VOUCHERIFY_")}
    env.update(VOUCHERIFY_APP_ID=APP_ID, VOUCHERIFY_APP_TOKEN=APP_TOKEN, VOUCHERIFY_BASE_URL=url)
    return env


async def run_program(argv: list[str], url: str, cwd: Path) -> tuple[int, str]:
    # No terminal of the test run's: a program run here can neither wait for input nor take any.
    done = await anyio.run_process(argv, env=program_env(url), cwd=cwd, check=False, stdin=subprocess.DEVNULL)
    return done.returncode, (done.stdout + done.stderr).decode()


def command_argv(line: str) -> list[str]:
    """A README command as this interpreter runs it: ``uv run voucherify-async X`` -> ``python -m ... X``."""
    words = shlex.split(line.split("#", 1)[0])
    if words[:2] == ["uv", "run"]:
        words = words[2:]
    assert words[0] == "voucherify-async", line
    return [sys.executable, "-m", "voucherify_async.cli.main", *words[1:]]


def order(number: int, **fields: Any) -> dict[str, Any]:
    return {"source_id": f"o-{number}", "status": "PAID", "amount": 1000, **fields}


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(app_id=APP_ID, app_token=APP_TOKEN) as emu:
        yield emu


def test_every_python_block_is_tested() -> None:
    untested = [
        text[:60] for marker, language, text in readme_blocks() if language == "python" and not marker
    ]
    assert untested == []


def test_newcomer_commands_are_the_demo_and_the_test_suite() -> None:
    lines = [line.split("#")[0].strip() for line in block("commands").splitlines()]
    assert lines == ["uv run voucherify-async demo", "uv run pytest"]
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'voucherify-async = "voucherify_async.cli.main:main"' in pyproject


@pytest.mark.anyio
async def test_demo_command_runs_and_reports(tmp_path: Path) -> None:
    # The README's demo as written, only smaller and with the emulator processing at once, to stay fast.
    speed = ["--orders", "2000", "--rate", "1000000", "--progress", "plain"]
    argv = [*command_argv(block("commands").splitlines()[0]), *speed]
    code, output = await run_program(argv, "http://127.0.0.1:9", tmp_path)
    assert code == 0, output
    assert "Import summary" in output
    assert "Reading a few back" in output


@pytest.mark.anyio
async def test_web_handler_marks_an_order_paid(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in program_env(emulator.url).items():
        monkeypatch.setenv(key, value)
    namespace: dict[str, Any] = {"__name__": "readme_web_handler"}
    exec(compile(block("web-handler"), "README.md (web handler)", "exec"), namespace)
    async with vf.AsyncVoucherify(APP_ID, APP_TOKEN, base_url=emulator.url) as client:
        await client.orders.create({"source_id": "o-1", "status": "CREATED", "amount": 500})
    async with TestClient(TestServer(namespace["make_app"](), host="127.0.0.1")) as web:
        paid = await web.post("/orders/o-1/paid")
        missing = await web.post("/orders/o-404/paid")
        assert (paid.status, await paid.json()) == (200, {"source_id": "o-1", "status": "PAID"})
        assert missing.status == 404


@pytest.mark.anyio
async def test_bulk_import_script_imports_and_resumes_from_its_checkpoint(
    emulator: Emulator, tmp_path: Path
) -> None:
    (tmp_path / "bulk_import.py").write_text(block("bulk-import"))
    orders = [order(1), order(2), order(3, items=[{"source_id": "sku-1", "quantity": 0}])]
    (tmp_path / "orders.jsonl").write_bytes(b"\n".join(map(orjson.dumps, orders)))
    first = await run_program([sys.executable, "bulk_import.py"], emulator.url, tmp_path)
    second = await run_program([sys.executable, "bulk_import.py"], emulator.url, tmp_path)
    assert first[0] == 0, first[1]
    assert "2 imported, 0 failed, 1 rejected" in first[1]
    assert "o-3: " in first[1]
    assert second[0] == 0, second[1]
    assert emulator.project(APP_ID).import_requests == 1  # the second run found every batch in the journal


@pytest.mark.anyio
async def test_worker_imports_the_queue_in_batches(emulator: Emulator, tmp_path: Path) -> None:
    (tmp_path / "worker.py").write_text(block("worker"))
    code, output = await run_program([sys.executable, "worker.py"], emulator.url, tmp_path)
    assert code == 0, output
    assert [line.split(":")[0] for line in output.splitlines()] == ["batch 1", "batch 2"]
    assert len(emulator.project(APP_ID).orders) == 2500


@pytest.mark.anyio
async def test_pytest_fixture_example_passes(tmp_path: Path) -> None:
    (tmp_path / "test_example.py").write_text(block("pytest-fixture"))
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_example.py"]
    code, output = await run_program(argv, "http://127.0.0.1:9", tmp_path)
    assert code == 0, output
    assert "2 passed" in output


def test_configuration_examples_build_clients() -> None:
    namespace: dict[str, Any] = {"__name__": "readme_configuration"}
    exec(compile(block("configuration"), "README.md (configuration)", "exec"), namespace)
    assert isinstance(namespace["client"], vf.AsyncVoucherify)
    assert isinstance(namespace["polling"], vf.PollPolicy)


def write_order_files(folder: Path) -> None:
    """The files the README's command lines name (the CSV file holds a valid order and a broken one)."""
    (folder / "orders.jsonl").write_bytes(orjson.dumps(order(1)) + b"\n" + orjson.dumps(order(2)) + b"\n")
    (folder / "orders.csv").write_text("source_id,status,amount\no-3,PAID,100\no-4,SHIPPED,100\n")
    (folder / "orders.json").write_bytes(orjson.dumps([order(5), order(6)]))


@pytest.mark.anyio
async def test_command_line_examples_run(emulator: Emulator, tmp_path: Path) -> None:
    lines = [line for line in block("command-line").splitlines() if " import " in f" {line} "]
    expected = {"orders.jsonl": 0, "orders.csv": 1, "orders.json": 0}
    outcomes: dict[str, tuple[int, str]] = {}

    async def run(line: str) -> None:
        # Each command in a folder of its own (nothing shared but the emulator), and a first look at an
        # import soon: the emulator imports at once, so only the wait would depend on the machine's speed.
        name = shlex.split(line)[2]
        folder = tmp_path / name
        folder.mkdir()
        write_order_files(folder)
        outcomes[name] = await run_program([*command_argv(line), *FIRST_POLL_SOON], emulator.url, folder)

    with anyio.fail_after(50):  # within pytest's 60 s, so a hung command fails here, naming the others
        async with anyio.create_task_group() as runs:
            for line in lines:
                runs.start_soon(run, line)
    assert {file: code for file, (code, _) in outcomes.items()} == expected, outcomes
    assert (tmp_path / "orders.jsonl" / "rejects.jsonl").exists()
    assert (tmp_path / "orders.jsonl" / "failures.jsonl").exists()
    # Only the first line sent anything here: --dry-run sends nothing, --emulator sends to its own emulator.
    assert sorted(emulator.project(APP_ID).orders) == ["o-1", "o-2"]


def test_readme_links_resolve() -> None:
    prose = BLOCK.sub("", README.read_text(encoding="utf-8"))
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)\)", prose):
        assert (ROOT / target).exists(), target
