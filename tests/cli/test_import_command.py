"""``voucherify-async import``, run as a subprocess against an emulator on loopback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest
from cli_process import (
    APP_ID,
    APP_TOKEN,
    COMMAND,
    FAST_POLL,
    Outcome,
    command_env,
    make_orders,
    read_jsonl,
    run_import,
    summary_rows,
    write_jsonl,
)

from voucherify_async.emulator import Emulator

GHOST_CUSTOMER = {"id": "cust_doesnotexist"}


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Outcome, Path]:
    """One import into the embedded emulator of a file holding every fate of an order.

    Line 1-2 good, line 3 not JSON, line 4 good, line 5 malformed (quantity 0), line 6 refers to a customer
    that does not exist (fails on the server), line 7 good.
    """
    folder = tmp_path_factory.mktemp("mixed")
    good = make_orders(4)
    broken = make_orders(1, start=10)[0]
    broken["items"][0]["quantity"] = 0
    ghost = {**make_orders(1, start=20)[0], "customer": GHOST_CUSTOMER}
    lines = [*good[:2], None, good[2], broken, ghost, good[3]]
    (folder / "orders.jsonl").write_bytes(
        b"\n".join(b'{"source_id": "o-x", ' if line is None else _dumps(line) for line in lines) + b"\n"
    )
    argv = [*COMMAND, "import", "orders.jsonl", "--emulator", "--progress", "plain", *FAST_POLL]
    argv += ["--rejects", "rejects.jsonl", "--failures", "failures.jsonl"]
    done = subprocess.run(argv, cwd=folder, env=command_env(None), capture_output=True, check=False)
    return Outcome(done.returncode, done.stdout.decode(), done.stderr.decode()), folder


def _dumps(order: object) -> bytes:
    return orjson.dumps(order)


def test_some_orders_left_out_exits_1(mixed_run: tuple[Outcome, Path]) -> None:
    assert mixed_run[0].code == 1, mixed_run[0].output


def test_summary_counts_every_fate(mixed_run: tuple[Outcome, Path]) -> None:
    rows = summary_rows(mixed_run[0].stdout)
    counts = [
        rows[label] for label in ("orders read", "imported", "failed on the server", "rejected as malformed")
    ]
    assert counts == ["7", "4", "1", "2"]


def test_bad_json_on_line_3_is_reported_as_line_3(mixed_run: tuple[Outcome, Path]) -> None:
    rejects = read_jsonl(mixed_run[1] / "rejects.jsonl")
    assert any("(line 3): not valid JSON" in line["_import_error"] for line in rejects), rejects


def test_orders_after_a_bad_line_are_still_imported(mixed_run: tuple[Outcome, Path]) -> None:
    batch_line = next(line for line in mixed_run[0].stderr.splitlines() if "batch 1: DONE" in line)
    assert "4 imported" in batch_line  # o-0, o-1, then o-2 and o-3 after the bad line 3


def test_rejects_file_holds_the_malformed_order_whole_with_its_reason(
    mixed_run: tuple[Outcome, Path],
) -> None:
    rejects = {line.get("source_id"): line for line in read_jsonl(mixed_run[1] / "rejects.jsonl")}
    assert rejects["o-10"]["items"][0]["quantity"] == 0
    assert "items[0].quantity" in rejects["o-10"]["_import_error"]


def test_failures_file_holds_the_order_the_server_failed(mixed_run: tuple[Outcome, Path]) -> None:
    failures = read_jsonl(mixed_run[1] / "failures.jsonl")
    assert [line["source_id"] for line in failures] == ["o-20"]
    assert failures[0]["customer"] == GHOST_CUSTOMER
    assert "cust_doesnotexist" in failures[0]["_import_error"]


@pytest.mark.anyio
async def test_every_order_imported_exits_0(
    cli_emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(5))
    outcome = await run_import(source, env=env)
    assert outcome.code == 0, outcome.output
    assert sorted(cli_emulator.project(APP_ID).orders) == [f"o-{n}" for n in range(5)]


@pytest.mark.anyio
async def test_fixed_rejects_file_imports_again(
    cli_emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    fixed = [{**order, "_import_error": "was: quantity 0"} for order in make_orders(2)]
    outcome = await run_import(write_jsonl(tmp_path / "fixed.jsonl", fixed), env=env)
    assert outcome.code == 0, outcome.output
    assert "_import_error" not in cli_emulator.project(APP_ID).orders["o-0"]


@pytest.mark.anyio
async def test_batch_size_sets_orders_per_import(
    cli_emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(5))
    outcome = await run_import(source, "--batch-size", "2", env=env)
    assert outcome.code == 0, outcome.output
    assert cli_emulator.project(APP_ID).import_requests == 3


@pytest.mark.anyio
async def test_csv_and_json_array_files_import(
    cli_emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "a.csv").write_text(
        "source_id,status,amount,items[0].source_id,items[0].quantity\nc-1,PAID,5,s,2\n"
    )
    (tmp_path / "b.json").write_text('[{"source_id": "j-1", "amount": 7}]')
    codes = [(await run_import(tmp_path / name, env=env)).code for name in ("a.csv", "b.json")]
    assert codes == [0, 0]
    assert cli_emulator.project(APP_ID).orders["c-1"]["items"][0]["quantity"] == 2


@pytest.mark.anyio
async def test_created_at_moves_into_the_named_metadata_key(
    cli_emulator: Emulator, env: dict[str, str], tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(1))
    outcome = await run_import(source, "--created-at-metadata", "original_created_at", env=env)
    assert outcome.code == 0, outcome.output
    metadata = cli_emulator.project(APP_ID).orders["o-0"]["metadata"]
    assert metadata["original_created_at"] == "2021-03-04T05:06:07Z"


@pytest.mark.anyio
async def test_dry_run_sends_no_request(cli_emulator: Emulator, env: dict[str, str], tmp_path: Path) -> None:
    outcome = await run_import(write_jsonl(tmp_path / "o.jsonl", make_orders(3)), "--dry-run", env=env)
    assert outcome.code == 0, outcome.output
    assert "3 valid, 0 rejected" in outcome.stdout
    assert cli_emulator.requests == []


@pytest.mark.anyio
async def test_dry_run_with_a_malformed_order_exits_1_and_writes_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    orders = [*make_orders(1), {"source_id": "bad", "status": "SHIPPED"}]
    source = write_jsonl(tmp_path / "o.jsonl", orders)
    outcome = await run_import(source, "--dry-run", "--rejects", tmp_path / "r.jsonl", env=env)
    assert outcome.code == 1, outcome.output
    assert [line["source_id"] for line in read_jsonl(tmp_path / "r.jsonl")] == ["bad"]


@pytest.mark.anyio
async def test_wrong_token_exits_2_without_printing_it(cli_emulator: Emulator, tmp_path: Path) -> None:
    env = command_env(cli_emulator.url, VOUCHERIFY_APP_TOKEN="wrong-token-5e6f7a")
    outcome = await run_import(write_jsonl(tmp_path / "o.jsonl", make_orders(1)), env=env)
    assert outcome.code == 2, outcome.output
    assert "refused the credentials" in outcome.stderr
    assert "wrong-token-5e6f7a" not in outcome.output


@pytest.mark.anyio
async def test_token_flag_warns_and_is_never_printed(cli_emulator: Emulator, tmp_path: Path) -> None:
    env = command_env(None, VOUCHERIFY_APP_ID=APP_ID, VOUCHERIFY_BASE_URL=cli_emulator.url)
    source = write_jsonl(tmp_path / "o.jsonl", make_orders(1))
    outcome = await run_import(source, "--app-token", APP_TOKEN, "--progress", "plain", env=env)
    assert outcome.code == 0, outcome.output
    assert "shell history" in outcome.stderr
    assert APP_TOKEN not in outcome.output


@pytest.mark.anyio
async def test_token_read_from_stdin(cli_emulator: Emulator, tmp_path: Path) -> None:
    env = command_env(None, VOUCHERIFY_APP_ID=APP_ID, VOUCHERIFY_BASE_URL=cli_emulator.url)
    source = write_jsonl(tmp_path / "o.jsonl", make_orders(1))
    outcome = await run_import(source, "--app-token-stdin", env=env, stdin=APP_TOKEN.encode() + b"\n")
    assert outcome.code == 0, outcome.output


@pytest.mark.anyio
async def test_no_credentials_exits_2(tmp_path: Path) -> None:
    outcome = await run_import(write_jsonl(tmp_path / "o.jsonl", []), env=command_env(None))
    assert (outcome.code, "no app id" in outcome.stderr) == (2, True)


@pytest.mark.anyio
async def test_missing_file_exits_2(env: dict[str, str], tmp_path: Path) -> None:
    outcome = await run_import(tmp_path / "absent.jsonl", env=env)
    assert (outcome.code, "no such file" in outcome.stderr) == (2, True)


@pytest.mark.anyio
async def test_batch_size_above_the_api_limit_exits_2(env: dict[str, str], tmp_path: Path) -> None:
    outcome = await run_import(write_jsonl(tmp_path / "o.jsonl", []), "--batch-size", "2001", env=env)
    assert (outcome.code, "at most 2000" in outcome.stderr) == (2, True)


@pytest.mark.anyio
async def test_unknown_option_exits_2(env: dict[str, str], tmp_path: Path) -> None:
    outcome = await run_import(write_jsonl(tmp_path / "o.jsonl", []), "--bogus", env=env)
    assert outcome.code == 2
