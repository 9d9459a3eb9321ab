"""The README's examples and commands, run against the emulator, so the README cannot rot.

Each fenced block the README wants tested follows a ``<!-- readme-test: NAME -->`` comment; every ``python``
block must have one. Programs run as the reader would run them (a subprocess, in a folder holding the files
they name) with the environment pointing at an emulator on loopback. The Examples section runs as one reader
follows it, in its order: the emulator started by its command, then each example saved in one folder and run
there, seeing what the steps before it made (the web handler keeps serving while the others run).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import anyio.abc
import orjson
import pytest

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


# -- The Examples section, as a reader follows it ---------------------------------------------------------

PORT_HOOK = '''\
"""Moves each port the README names to the free one the test chose: README_TEST_PORTS, {"8080": 41234}."""
import json
import os
import socket

_moved = {int(port): free for port, free in json.loads(os.environ.get("README_TEST_PORTS", "{}")).items()}
_bind = socket.socket.bind


def _bind_moved(self, address):
    if isinstance(address, tuple) and address[1] in _moved:
        address = (address[0], _moved[address[1]], *address[2:])
    return _bind(self, address)


socket.socket.bind = _bind_moved
'''
PORT_IN_TEXT = re.compile(r"(127\.0\.0\.1:|localhost:|--port[ =]|port=)(\d+)")
DEFAULT_PORT = 8080  # the emulator command's, and aiohttp's web.run_app's for a program that names none
PROGRESS_LINE = re.compile(r"^([\d,]+) orders done ")
REPORT_LINE = re.compile(r"^([\d,]+) imported, (\d+) failed, (\d+) rejected$", re.MULTILINE)


def examples_section() -> list[tuple[str, str, str]]:
    """The marked blocks of the README's Examples section, in its order, as (marker, language, text)."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Examples\n")
    end = text.index("\n## ", start + 1)
    found = []
    for match in BLOCK.finditer(text, start, end):
        marker = MARKER.search(text[: match.start()])
        assert marker, f"an Examples block without a readme-test marker: {match.group(2)[:60]!r}"
        found.append((marker.group(1), match.group(1), match.group(2)))
    return found


def free_ports(texts: list[str]) -> dict[int, int]:
    """A free loopback port for each port the texts name, and for the default one."""
    named = {int(port) for text in texts for _, port in PORT_IN_TEXT.findall(text)} | {DEFAULT_PORT}
    with contextlib.ExitStack() as sockets:
        held = []
        for _ in named:  # all held at once, so no two README ports get the same free one
            sock = sockets.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            held.append(sock.getsockname()[1])
    return dict(zip(sorted(named), held, strict=True))


class Reader:
    """A reader working through the Examples: one shell (its exports), one folder, servers left running.

    Programs run as written. Only their ports move: a ``sitecustomize`` hook binds each port the README names
    to a free one (the same one in every program), so two steps that would collide on a reader's machine
    collide here too, and no step collides with another test. The exported URLs name the moved ports.
    """

    def __init__(self, folder: Path, ports: dict[int, int], background: contextlib.AsyncExitStack) -> None:
        hook = folder.parent / "port-hook"
        hook.mkdir()
        (hook / "sitecustomize.py").write_text(PORT_HOOK)
        self.folder = folder
        self.ports = ports
        self.background = background
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("VOUCHERIFY_")}
        self.env.update(
            PYTHONPATH=os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")])),
            README_TEST_PORTS=orjson.dumps({str(port): free for port, free in ports.items()}).decode(),
            PYTHONUNBUFFERED="1",  # a background program's lines reach its log at once, as on a terminal
        )
        self.web_handler_url = ""

    def moved(self, text: str) -> str:
        return PORT_IN_TEXT.sub(lambda m: m.group(1) + str(self.ports.get(int(m.group(2)), m.group(2))), text)

    def client(self) -> vf.AsyncVoucherify:
        """A client of the emulator the reader started, with the credentials the reader exported."""
        return vf.AsyncVoucherify(
            self.env["VOUCHERIFY_APP_ID"],
            self.env["VOUCHERIFY_APP_TOKEN"],
            base_url=self.env["VOUCHERIFY_BASE_URL"],
        )

    async def shell(self, lines: str) -> None:
        """Run console lines: ``export`` sets variables, a trailing ``&`` leaves the program running."""
        for line in lines.splitlines():
            words = shlex.split(line.split("#", 1)[0])
            if words[0] == "export":
                self.env.update(self.moved(word).split("=", 1) for word in words[1:])  # type: ignore[misc]
            elif words[-1] == "&":
                await self.start(command_argv(" ".join(words[:-1])), ready=r"^http://\S+$")
            else:
                code, output = await self.run(command_argv(line))
                assert code == 0, f"{line}\n{output}"

    async def mark_paid(self, source_id: str) -> tuple[int, Any]:
        """POST to the web handler's route, as ``curl -X POST`` would; its status and JSON body."""
        async with aiohttp.ClientSession() as session:
            url = f"{self.web_handler_url}/orders/{source_id}/paid"
            async with session.post(url) as answer:
                body = await answer.json() if answer.content_type == "application/json" else None
                return answer.status, body

    async def run(self, argv: list[str]) -> tuple[int, str]:
        done = await anyio.run_process(
            argv, env=self.env, cwd=self.folder, check=False, stdin=subprocess.DEVNULL
        )
        return done.returncode, (done.stdout + done.stderr).decode()

    async def start(self, argv: list[str], ready: str) -> re.Match[str]:
        """Start a program in the background; the first match of ``ready`` in its output, once it shows."""
        log = self.folder.parent / f"{Path(argv[-1]).name}.log"
        with log.open("wb") as output:
            process = await anyio.open_process(
                argv, env=self.env, cwd=self.folder, stdin=subprocess.DEVNULL, stdout=output, stderr=output
            )
        self.background.push_async_callback(stop, process)
        while True:
            output_so_far = log.read_text(errors="replace")
            if shown := re.search(ready, output_so_far, re.MULTILINE):
                return shown
            assert process.returncode is None, f"{shlex.join(argv)} ended:\n{output_so_far}"
            await anyio.sleep(0.05)


async def stop(process: anyio.abc.Process) -> None:
    """Ctrl-C's cousin SIGTERM, which the emulator and aiohttp both end on; a kill after 5 s."""
    with anyio.CancelScope(shield=True):
        if process.returncode is None:
            process.terminate()
            with anyio.move_on_after(5):
                await process.wait()
        if process.returncode is None:
            process.kill()
            await process.wait()


async def start_the_emulator(reader: Reader, text: str) -> None:
    await reader.shell(text)
    async with reader.client() as client:
        await client.orders.list(limit=1)  # the exported credentials and URL reach the emulator started


async def serve_the_web_handler(reader: Reader, text: str) -> None:
    (reader.folder / "web_handler.py").write_text(text)
    running = await reader.start([sys.executable, "web_handler.py"], ready=r"Running on http://[^:]+:(\d+)")
    reader.web_handler_url = f"http://127.0.0.1:{running.group(1)}"
    assert await reader.mark_paid("o-none") == (404, None)  # the emulator holds no orders yet


async def make_the_orders_file(reader: Reader, text: str) -> None:
    (reader.folder / "make_orders.py").write_text(text)
    code, output = await reader.run([sys.executable, "make_orders.py"])
    assert code == 0, output


async def import_in_bulk_twice(reader: Reader, text: str) -> None:
    (reader.folder / "bulk_import.py").write_text(text)
    first = await reader.run([sys.executable, "bulk_import.py"])
    assert first[0] == 0, first[1]
    records = (reader.folder / "orders.jsonl").read_bytes().splitlines()
    async with reader.client() as client:
        imports = (await client.async_actions.list(limit=100)).async_actions
        second = await reader.run([sys.executable, "bulk_import.py"])
        again = (await client.async_actions.list(limit=100)).async_actions
    assert len(again) == len(imports), "the second run should find every batch in the journal"
    for code, output in (first, second):
        assert code == 0, output
        report = REPORT_LINE.search(output)
        assert report, output
        imported, failed, rejected = (int(count.replace(",", "")) for count in report.groups())
        assert imported + failed + rejected == len(records), output
        assert len([line for line in output.splitlines() if line.startswith("  ")]) == failed + rejected
        progress = [line for line in output.splitlines() if PROGRESS_LINE.match(line)]
        assert len(progress) == len(set(progress)), f"a progress line said twice:\n{output}"
        assert progress[-1].startswith(f"{len(records):,} orders done "), output
    # The web handler, still serving, marks an order the import made.
    source_id = orjson.loads(records[0])["source_id"]
    assert await reader.mark_paid(source_id) == (200, {"source_id": source_id, "status": "PAID"})


async def run_the_worker(reader: Reader, text: str) -> None:
    (reader.folder / "worker.py").write_text(text)
    code, output = await reader.run([sys.executable, "worker.py"])
    assert code == 0, output
    assert [line.split(":")[0] for line in output.splitlines()] == ["batch 1", "batch 2"]


async def pass_the_pytest_example(reader: Reader, text: str) -> None:
    (reader.folder / "test_example.py").write_text(text)
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_example.py"]
    code, output = await reader.run(argv)
    assert code == 0, output
    assert "2 passed" in output


STEPS = {
    "emulator": start_the_emulator,
    "web-handler": serve_the_web_handler,
    "make-orders": make_the_orders_file,
    "bulk-import": import_in_bulk_twice,
    "worker": run_the_worker,
    "pytest-fixture": pass_the_pytest_example,
}


@pytest.mark.anyio
async def test_examples_run_as_written_in_the_order_given(tmp_path: Path) -> None:
    blocks = examples_section()
    assert {marker for marker, _, _ in blocks} <= set(STEPS), "a new example needs its step here"
    folder = tmp_path / "examples"
    folder.mkdir()
    with anyio.fail_after(40):  # within pytest's 60 s, so a hung program fails here, naming its step
        async with contextlib.AsyncExitStack() as background:
            reader = Reader(folder, free_ports([text for _, _, text in blocks]), background)
            for marker, _, text in blocks:
                await STEPS[marker](reader, text)


def test_configuration_examples_build_clients() -> None:
    namespace: dict[str, Any] = {"__name__": "readme_configuration"}
    exec(compile(block("configuration"), "README.md (configuration)", "exec"), namespace)
    assert isinstance(namespace["client"], vf.AsyncVoucherify)
    assert isinstance(namespace["polling"], vf.PollPolicy)


@pytest.mark.anyio
async def test_the_observability_example_prints_the_spans_of_three_batches(tmp_path: Path) -> None:
    (tmp_path / "traced_import.py").write_text(block("observability"))
    done = await anyio.run_process(
        [sys.executable, "traced_import.py"], cwd=tmp_path, check=False, stdin=subprocess.DEVNULL
    )
    output = done.stdout.decode()
    assert done.returncode == 0, output + done.stderr.decode()
    names = [line.split()[0] for line in output.splitlines() if line.endswith("}")]  # a span's line
    assert names.count("voucherify.import") == 1
    assert names.count("voucherify.import.batch") == 3
    assert names.count("voucherify.import.submit") == 3
    assert names.count("POST") == 3  # the import requests, under their submissions
    assert names[-2:] == ["voucherify.import", "GET"]  # the run ends before the raw call's request
    assert "{'voucherify.import.batch': 3, 'voucherify.import.imported': 2}" in output
    assert "6 imported in 3 batches" in output
    assert re.search(r"GET /v1/orders/o-1: 200, request id v-\w+, order o-1", output), output


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


# -- Migrating from another shop ---------------------------------------------------------------------------

MY_EXPORT = (
    "Order,State,Total,E-mail,Date,SKU,Qty,Unit price\n"
    "A-1,paid,30.00,a@example.com,2022-05-06 07:08:09,S-1,1,10.00\n"
    "A-1,,,,,S-2,2,10.00\n"
    "A-2,shipped,5.5,b@example.com,2022-05-07,S-3,1,5.50\n"
)


def write_shop_exports(folder: Path) -> list[dict[str, Any]]:
    """The files the README's migration commands name; the Shopify export's orders."""
    sys.path.insert(0, str(ROOT / "tests" / "mapping"))
    from shop_exports import shopify_export, woocommerce_export

    (folder / "my-mapping.toml").write_text(block("my-mapping"))
    (folder / "my_export.csv").write_text(MY_EXPORT)
    woocommerce_export(folder / "woo_orders.csv", 30)
    return shopify_export(folder / "orders_export.csv", 40)


@pytest.mark.anyio
async def test_migrating_commands_run_in_their_order(emulator: Emulator, tmp_path: Path) -> None:
    expected = write_shop_exports(tmp_path)
    outputs = []
    for line in block("migrating").splitlines():
        soon = FIRST_POLL_SOON if " import " in line and "--dry-run" not in line else ()
        code, output = await run_program([*command_argv(line), *soon], emulator.url, tmp_path)
        assert code == 0, (line, output)
        outputs.append(output)
    map_output, dry_run, _, woo, mine = outputs
    written = [orjson.loads(line) for line in (tmp_path / "orders.jsonl").read_bytes().splitlines()]
    assert [record["source_id"] for record in written] == [order["source_id"] for order in expected]
    assert "made 40 orders: 40 written to orders.jsonl, 0 rejected" in map_output
    assert "The first 3 orders, beside the rows they are made of:" in dry_run
    assert "40 orders mapped from the rows, 40 valid, 0 rejected" in dry_run
    assert sorted(emulator.project(APP_ID).orders) == sorted(order["source_id"] for order in expected)
    assert "30 orders" in woo
    assert "2 orders" in mine


@pytest.mark.anyio
async def test_migrating_in_python_runs(emulator: Emulator, tmp_path: Path) -> None:
    write_shop_exports(tmp_path)
    (tmp_path / "migrate.py").write_text(block("migrating-python"))
    code, output = await run_program([sys.executable, "migrate.py"], emulator.url, tmp_path)
    assert (code, output.strip()) == (0, "40 imported, 0 rejected")


def test_the_readmes_own_mapping_maps_its_rows(tmp_path: Path) -> None:
    (tmp_path / "my_export.csv").write_text(MY_EXPORT)
    mapping = vf.OrderMapping.from_toml(block("my-mapping"))
    assert list(vf.mapped(tmp_path / "my_export.csv", mapping)) == [
        {
            "source_id": "A-1",
            "status": "PAID",
            "amount": 3000,
            "customer": {"email": "a@example.com"},
            "metadata": {"created_at": "2022-05-06T07:08:09Z"},
            "items": [
                {"source_id": "S-1", "quantity": 1, "price": 1000},
                {"source_id": "S-2", "quantity": 2, "price": 1000},
            ],
        },
        {
            "source_id": "A-2",
            "status": "FULFILLED",
            "amount": 550,
            "customer": {"email": "b@example.com"},
            "metadata": {"created_at": "2022-05-07T00:00:00Z"},
            "items": [{"source_id": "S-3", "quantity": 1, "price": 550}],
        },
    ]
