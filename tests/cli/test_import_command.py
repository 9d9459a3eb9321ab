"""``voucherify-async import``, run as a subprocess against an emulator on loopback.

The runs whose outcome the tests look at are started together, once per module (one project of one emulator
each, so they cannot disturb each other), and each test asserts one thing about one run.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import anyio.from_thread
import attrs
import orjson
import pytest
from cli_process import (
    APP_TOKEN,
    COMMAND,
    FAST_POLL,
    Outcome,
    command_env,
    make_orders,
    read_jsonl,
    summary_rows,
    write_jsonl,
)

from voucherify_async.emulator import Emulator

GHOST_CUSTOMER = {"id": "cust_doesnotexist"}
WRONG_TOKEN = "wrong-token-5e6f7a"


@attrs.frozen
class Scenario:
    """One run of the command (in the project named after it): its arguments and how it gets the token."""

    args: tuple[str, ...]
    token: str | None = APP_TOKEN  # in the environment; None: not there
    stdin: bytes = b""


SCENARIOS = {
    "mixed": Scenario(("mixed.jsonl", "--rejects", "rejects.jsonl", "--failures", "failures.jsonl")),
    "stdin": Scenario(
        ("good.jsonl", "--app-token-stdin", "--created-at-metadata", "original_created_at"),
        token=None,
        stdin=APP_TOKEN.encode() + b"\n",
    ),
    "wrong": Scenario(("one.jsonl", "--app-token", WRONG_TOKEN), token=None),
    "batches": Scenario(("five.jsonl", "--batch-size", "2")),
    "csv": Scenario(("orders.csv",)),
    "json": Scenario(("orders.json",)),
    "embedded": Scenario(("good.jsonl", "--emulator"), token=None),
    "dry": Scenario(("mixed.jsonl", "--dry-run", "--rejects", "dry-rejects.jsonl")),
    "broken": Scenario(("broken.json", "--batch-size", "2", "--checkpoint", "broken.journal")),
    "nulls": Scenario(("nulls.jsonl", "--batch-size", "2", "--rejects", "null-rejects.jsonl")),
    "nulls-dry": Scenario(("nulls.jsonl", "--batch-size", "2", "--dry-run")),
    "empty": Scenario(("empty.jsonl",)),
    "empty-json": Scenario(("empty.json",)),
    "empty-csv": Scenario(("empty.csv",)),
    "empty-dry": Scenario(("empty.jsonl", "--dry-run")),
}


def write_order_files(folder: Path) -> None:
    """The files the scenarios import.

    ``mixed.jsonl``: lines 1-2 good, line 3 not JSON, line 4 good, line 5 malformed (quantity 0), line 6
    refers to a customer that does not exist (fails on the server), line 7 good. ``nulls.jsonl``: six
    records, the fourth a ``null`` on line 5 (after a blank line).
    """
    good = make_orders(4)
    broken = make_orders(1, start=10)[0]
    broken["items"][0]["quantity"] = 0
    ghost = {**make_orders(1, start=20)[0], "customer": GHOST_CUSTOMER}
    lines = [orjson.dumps(order) for order in (*good[:2], good[2], broken, ghost, good[3])]
    lines.insert(2, b'{"source_id": "o-x", ')
    (folder / "mixed.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    # A fixed line of a rejects file still carries its reason: the command drops it.
    write_jsonl(
        folder / "good.jsonl", [*make_orders(2), {**make_orders(1, start=2)[0], "_import_error": "was"}]
    )
    write_jsonl(folder / "one.jsonl", make_orders(1))
    write_jsonl(folder / "five.jsonl", make_orders(5))
    header = "source_id,status,amount,items[0].source_id,items[0].quantity"
    (folder / "orders.csv").write_text(f"{header}\nc-1,PAID,5,s,2\n")
    (folder / "orders.json").write_text('[{"source_id": "j-1", "amount": 7}, {"source_id": "j-2"}]')
    cut = b",".join(orjson.dumps(order) for order in make_orders(3, start=30))
    (folder / "broken.json").write_bytes(b"[" + cut + b', {"source_id": "o-')  # cut short after 3 orders
    first, second, third, fourth, fifth = (orjson.dumps(order) for order in make_orders(5, start=40))
    (folder / "nulls.jsonl").write_bytes(b"\n".join([first, second, third, b"", b"null", fourth, fifth, b""]))
    (folder / "empty.jsonl").write_bytes(b"\n  \n\n")
    (folder / "empty.json").write_bytes(b"[ ]\n")
    (folder / "empty.csv").write_text("source_id,status,amount\n")


@pytest.fixture(scope="module")
def served() -> Iterator[Emulator]:
    """One emulator, in a thread of its own, with a project per scenario (app id = scenario name)."""

    async def start() -> Emulator:
        emulator = Emulator("unused", APP_TOKEN, projects=dict.fromkeys(SCENARIOS, APP_TOKEN))
        await emulator.start()
        return emulator

    with anyio.from_thread.start_blocking_portal() as portal:
        emulator = portal.call(start)
        try:
            yield emulator
        finally:
            portal.call(emulator.close)


@pytest.fixture(scope="module")
def runs(served: Emulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Outcome, Path]]:
    """Every scenario run to its end, started at once: name -> (outcome, its folder)."""
    started = {}
    for name, scenario in SCENARIOS.items():
        folder = tmp_path_factory.mktemp(name)
        write_order_files(folder)
        env = command_env(None, VOUCHERIFY_APP_ID=name, VOUCHERIFY_BASE_URL=served.url)
        if scenario.token is not None:
            env["VOUCHERIFY_APP_TOKEN"] = scenario.token
        argv = [*COMMAND, "import", *scenario.args, "--progress", "plain", *FAST_POLL]
        process = subprocess.Popen(
            argv, cwd=folder, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        started[name] = (process, folder)
    outcomes = {}
    deadline = time.monotonic() + 45  # all of them within pytest's 60 s, so a hung run fails here, by name
    try:
        for name, (process, folder) in started.items():
            left = max(1.0, deadline - time.monotonic())
            stdout, stderr = process.communicate(SCENARIOS[name].stdin, timeout=left)
            outcomes[name] = (Outcome(process.returncode, stdout.decode(), stderr.decode()), folder)
    finally:
        for process, _ in started.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return outcomes


def outcome(runs: dict[str, tuple[Outcome, Path]], name: str) -> Outcome:
    return runs[name][0]


def test_some_orders_left_out_exits_1(runs: dict[str, tuple[Outcome, Path]]) -> None:
    assert outcome(runs, "mixed").code == 1, outcome(runs, "mixed").output


def test_summary_counts_every_fate(runs: dict[str, tuple[Outcome, Path]]) -> None:
    rows = summary_rows(outcome(runs, "mixed").stdout)
    labels = ("orders read", "imported", "failed on the server", "rejected as malformed")
    assert [rows[label] for label in labels] == ["7", "4", "1", "2"]


def test_bad_json_on_line_3_is_reported_as_line_3(runs: dict[str, tuple[Outcome, Path]]) -> None:
    reason, line = (runs["mixed"][1] / "rejects.jsonl").read_bytes().splitlines()[:2]
    assert "order #3 (line 3): not valid JSON" in orjson.loads(reason)["_import_error"]
    assert line == b'{"source_id": "o-x", '  # the line itself, byte for byte, after a line of its reason


def test_orders_after_a_bad_line_are_still_imported(
    runs: dict[str, tuple[Outcome, Path]], served: Emulator
) -> None:
    assert sorted(served.project("mixed").orders) == ["o-0", "o-1", "o-2", "o-3"]


def test_rejects_file_holds_the_malformed_order_whole(runs: dict[str, tuple[Outcome, Path]]) -> None:
    malformed = orjson.loads((runs["mixed"][1] / "rejects.jsonl").read_bytes().splitlines()[-1])
    assert (malformed["source_id"], malformed["items"][0]["quantity"]) == ("o-10", 0)
    assert "items[0].quantity" in malformed["_import_error"]


def test_failures_file_holds_the_order_the_server_failed(runs: dict[str, tuple[Outcome, Path]]) -> None:
    failures = read_jsonl(runs["mixed"][1] / "failures.jsonl")
    assert [(line["source_id"], line["customer"]) for line in failures] == [("o-20", GHOST_CUSTOMER)]
    assert "cust_doesnotexist" in failures[0]["_import_error"]


def test_every_order_imported_exits_0(runs: dict[str, tuple[Outcome, Path]], served: Emulator) -> None:
    assert outcome(runs, "stdin").code == 0, outcome(runs, "stdin").output
    assert sorted(served.project("stdin").orders) == ["o-0", "o-1", "o-2"]


def test_reason_field_of_a_fixed_rejects_file_is_not_sent(
    runs: dict[str, tuple[Outcome, Path]], served: Emulator
) -> None:
    assert "_import_error" not in served.project("stdin").orders["o-2"]


def test_created_at_moves_into_the_named_metadata_key(
    runs: dict[str, tuple[Outcome, Path]], served: Emulator
) -> None:
    metadata = served.project("stdin").orders["o-0"]["metadata"]
    assert metadata == {"original_created_at": "2021-03-04T05:06:07Z"}


def test_token_flag_warns_about_shell_history(runs: dict[str, tuple[Outcome, Path]]) -> None:
    assert "shell history" in outcome(runs, "wrong").stderr


def test_token_is_never_printed(runs: dict[str, tuple[Outcome, Path]]) -> None:
    leaks = [name for name, (run, _) in runs.items() if APP_TOKEN in run.output or WRONG_TOKEN in run.output]
    assert leaks == []


def test_wrong_token_exits_2_naming_the_credentials(runs: dict[str, tuple[Outcome, Path]]) -> None:
    wrong = outcome(runs, "wrong")
    assert (wrong.code, "refused the credentials" in wrong.stderr) == (2, True), wrong.output


def test_batch_size_sets_orders_per_import(runs: dict[str, tuple[Outcome, Path]], served: Emulator) -> None:
    assert served.project("batches").import_requests == 3


def test_csv_file_imports_with_typed_nested_fields(
    runs: dict[str, tuple[Outcome, Path]], served: Emulator
) -> None:
    assert outcome(runs, "csv").code == 0, outcome(runs, "csv").output
    assert served.project("csv").orders["c-1"]["items"][0]["quantity"] == 2


def test_json_array_file_imports(runs: dict[str, tuple[Outcome, Path]], served: Emulator) -> None:
    assert outcome(runs, "json").code == 0, outcome(runs, "json").output
    assert sorted(served.project("json").orders) == ["j-1", "j-2"]


def test_embedded_emulator_needs_no_credentials(runs: dict[str, tuple[Outcome, Path]]) -> None:
    embedded = outcome(runs, "embedded")
    assert (embedded.code, summary_rows(embedded.stdout)["imported"]) == (0, "3"), embedded.output


def test_dry_run_sends_no_request(runs: dict[str, tuple[Outcome, Path]], served: Emulator) -> None:
    projects_that_sent = {request.project for request in served.requests}
    assert "json" in projects_that_sent  # requests are told apart by project
    assert "dry" not in projects_that_sent


def test_dry_run_with_malformed_orders_exits_1_and_writes_them(runs: dict[str, tuple[Outcome, Path]]) -> None:
    _reason, line, malformed = (runs["dry"][1] / "dry-rejects.jsonl").read_bytes().splitlines()
    assert outcome(runs, "dry").code == 1
    assert (line, orjson.loads(malformed)["source_id"]) == (b'{"source_id": "o-x", ', "o-10")


def test_a_file_cut_short_imports_what_came_before_and_says_where(
    runs: dict[str, tuple[Outcome, Path]], served: Emulator
) -> None:
    broken = outcome(runs, "broken")
    assert broken.code == 1
    assert "broke midway" in broken.stderr
    assert "after 3 records" in broken.stderr
    assert "run the same command again" in broken.stderr
    assert {"o-30", "o-31", "o-32"} <= set(served.project("broken").orders)


def test_a_null_line_is_rejected_and_the_import_goes_on(
    runs: dict[str, tuple[Outcome, Path]], served: Emulator
) -> None:
    nulls = outcome(runs, "nulls")
    rows = summary_rows(nulls.stdout)
    assert nulls.code == 1, nulls.output
    assert (rows["orders read"], rows["imported"], rows["rejected as malformed"]) == ("6", "5", "1")
    assert sorted(served.project("nulls").orders) == [f"o-{n}" for n in range(40, 45)]


def test_a_null_line_is_written_to_the_rejects_file_naming_its_position_and_line(
    runs: dict[str, tuple[Outcome, Path]],
) -> None:
    rejects = read_jsonl(runs["nulls"][1] / "null-rejects.jsonl")
    assert rejects[:2] == [{"_import_error": "order #4 (line 5): expected an order object, got null"}, None]


def test_the_dry_run_and_the_run_agree_on_a_null_line(runs: dict[str, tuple[Outcome, Path]]) -> None:
    dry, run = outcome(runs, "nulls-dry"), outcome(runs, "nulls")
    assert "6 orders read, 5 valid, 1 rejected" in dry.stdout
    assert "3 batches (3 bulk calls)" in dry.stdout
    assert "rejected: order #4 (line 5): expected an order object, got null" in dry.stdout
    assert summary_rows(run.stdout)["batches"] == "3"
    assert dry.code == run.code == 1


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("empty", "empty.jsonl: the file is empty or holds only blank lines"),
        ("empty-json", "empty.json: the file holds an empty array"),
        ("empty-csv", "empty.csv: the file holds a header and no rows"),
    ],
)
def test_a_file_without_orders_says_so_and_exits_2(
    runs: dict[str, tuple[Outcome, Path]], served: Emulator, name: str, why: str
) -> None:
    empty = outcome(runs, name)
    assert empty.code == 2, empty.output
    assert f"No orders were found in {why}." in empty.stdout
    assert summary_rows(empty.stdout)["orders read"] == "0"
    assert name not in {request.project for request in served.requests}


def test_a_dry_run_of_a_file_without_orders_says_so_and_exits_2(
    runs: dict[str, tuple[Outcome, Path]],
) -> None:
    empty = outcome(runs, "empty-dry")
    assert empty.code == 2, empty.output
    assert "No orders were found in empty.jsonl" in empty.stdout
