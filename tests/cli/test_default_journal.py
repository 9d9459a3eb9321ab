"""Every import keeps a journal: the same command run again costs no bulk call, and neither do its files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import anyio
import pytest
from cli_process import APP_ID, journal_files, make_orders, read_jsonl, run_import, write_jsonl

from voucherify_async.cli.default_journal import default_journal, journal_folder
from voucherify_async.emulator import Emulator

pytestmark = pytest.mark.anyio

GHOST_CUSTOMER = {"id": "cust_doesnotexist"}  # the emulator fails an order naming a customer it does not know


def orders_left_out_both_ways(folder: Path) -> Path:
    """Six orders in batches of two: o-1 is malformed (rejected), o-4 fails on the server."""
    orders: list[dict[str, Any]] = make_orders(6)
    orders[1]["items"][0]["quantity"] = 0
    orders[4]["customer"] = GHOST_CUSTOMER
    return write_jsonl(folder / "orders.jsonl", orders)


def imports(emulator: Emulator) -> int:
    return emulator.project(APP_ID).import_requests


async def test_the_same_command_run_again_sends_no_batch(
    tmp_path: Path, env: dict[str, str], cli_emulator: Emulator
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(5))
    first = await run_import(source, "--batch-size", "2", env=env)
    sent = imports(cli_emulator)
    again = await run_import(source, "--batch-size", "2", env=env)
    assert (first.code, again.code) == (0, 0), first.output + again.output
    assert sent == 3
    assert imports(cli_emulator) == sent


async def test_the_files_left_out_come_from_the_journal_without_a_bulk_call(
    tmp_path: Path, env: dict[str, str], cli_emulator: Emulator
) -> None:
    source = orders_left_out_both_ways(tmp_path)
    first = await run_import(source, "--batch-size", "2", env=env)
    sent = imports(cli_emulator)
    rejects, failures = tmp_path / "rejects.jsonl", tmp_path / "failures.jsonl"
    files = ("--rejects", rejects, "--failures", failures)
    again = await run_import(source, "--batch-size", "2", *files, env=env)
    assert "run the same command again with --rejects PATH" in first.stdout
    assert imports(cli_emulator) == sent
    assert again.code == 1, again.output
    assert [order["source_id"] for order in read_jsonl(rejects)] == ["o-1"]
    assert [order["source_id"] for order in read_jsonl(failures)] == ["o-4"]


async def test_the_journal_lives_in_the_state_folder_and_the_summary_names_it(
    tmp_path: Path, env: dict[str, str], journals: Path
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(1))
    run = await run_import(source, env=env)
    (journal,) = journal_files(journals)
    assert f"The journal of this import is {journal}" in run.stdout


async def test_no_checkpoint_keeps_no_journal_and_says_a_rerun_sends_every_order(
    tmp_path: Path, env: dict[str, str], journals: Path, cli_emulator: Emulator
) -> None:
    source = orders_left_out_both_ways(tmp_path)
    first = await run_import(source, "--no-checkpoint", env=env)
    await run_import(source, "--no-checkpoint", env=env)
    assert journal_files(journals) == []
    assert imports(cli_emulator) == 2
    assert "running the command again would send every order again" in first.stdout
    assert "run the same command again" not in first.stdout


async def test_a_file_changed_under_its_name_is_refused_saying_how_to_start_afresh(
    tmp_path: Path, env: dict[str, str], cli_emulator: Emulator
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(4))
    await run_import(source, env=env)
    write_jsonl(source, make_orders(4, start=100))
    changed = await run_import(source, env=env)
    journal = re.search(r"remove the journal first \(rm (\S+)\)", changed.stderr)
    assert changed.code == 2, changed.output
    assert imports(cli_emulator) == 1
    assert journal is not None, changed.stderr
    await anyio.Path(journal[1]).unlink()
    afresh = await run_import(source, env=env)
    assert afresh.code == 0, afresh.output
    assert imports(cli_emulator) == 2


def test_one_file_into_two_projects_has_two_journals(tmp_path: Path) -> None:
    environ = {"XDG_STATE_HOME": str(tmp_path)}
    source = tmp_path / "orders.jsonl"
    first = default_journal(source, "https://api.voucherify.io#app-1", environ)
    second = default_journal(source, "https://api.voucherify.io#app-2", environ)
    assert first != second
    assert first.parent == second.parent == tmp_path / "voucherify-async" / "journals"


def test_a_file_named_by_a_relative_path_or_a_link_has_one_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = {"XDG_STATE_HOME": str(tmp_path / "state")}
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(1))
    (tmp_path / "link.jsonl").symlink_to(source)
    monkeypatch.chdir(tmp_path)
    names = [source, Path("orders.jsonl"), Path("link.jsonl")]
    assert len({default_journal(name, "p", environ) for name in names}) == 1


def test_a_relative_state_home_is_ignored(tmp_path: Path) -> None:
    folder = journal_folder({"XDG_STATE_HOME": "state", "HOME": str(tmp_path)})
    assert folder == tmp_path / ".local" / "state" / "voucherify-async" / "journals"
