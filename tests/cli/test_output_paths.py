"""The command never writes over a file it reads: output paths are checked, and output files written whole."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_process import APP_ID, journal_files, make_orders, run_import, write_jsonl

from voucherify_async.cli import order_files
from voucherify_async.cli.order_files import write_left_out_orders
from voucherify_async.cli.output_paths import OutputPathError, refuse_shared_paths, replaced_atomically
from voucherify_async.emulator import Emulator
from voucherify_async.importing.report import OrderFailure

pytestmark = pytest.mark.anyio


def orders_with_a_malformed_one(folder: Path) -> Path:
    orders = make_orders(4)
    orders[1]["items"][0]["quantity"] = 0  # rejected before sending
    return write_jsonl(folder / "orders.jsonl", orders)


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry run"])
async def test_rejects_naming_the_order_file_is_refused_and_the_file_kept(
    tmp_path: Path, env: dict[str, str], cli_emulator: Emulator, dry_run: bool
) -> None:
    source = orders_with_a_malformed_one(tmp_path)
    before = source.read_bytes()
    run = await run_import(source, "--rejects", source, *(["--dry-run"] if dry_run else []), env=env)
    assert run.code == 2, run.output
    assert "--rejects" in run.stderr
    assert "names the order file itself" in run.stderr
    assert source.read_bytes() == before
    assert cli_emulator.project(APP_ID).import_requests == 0


def same_file_by_a_relative_path(source: Path) -> Path:
    return Path(os.path.relpath(source.parent / "sub" / ".." / source.name))


def same_file_by_a_symbolic_link(source: Path) -> Path:
    link = source.parent / "link.jsonl"
    link.symlink_to(source)
    return link


def same_file_by_a_hard_link(source: Path) -> Path:
    link = source.parent / "hard.jsonl"
    os.link(source, link)
    return link


@pytest.mark.parametrize(
    "other_name",
    [same_file_by_a_relative_path, same_file_by_a_symbolic_link, same_file_by_a_hard_link],
    ids=["relative path", "symbolic link", "hard link"],
)
async def test_the_order_file_under_another_name_is_refused_as_rejects(
    tmp_path: Path, env: dict[str, str], other_name: Callable[[Path], Path]
) -> None:
    source = orders_with_a_malformed_one(tmp_path)
    (tmp_path / "sub").mkdir()
    before = source.read_bytes()
    run = await run_import(source, "--dry-run", "--failures", other_name(source), env=env)
    assert run.code == 2, run.output
    assert "names the order file itself" in run.stderr
    assert source.read_bytes() == before


async def test_rejects_naming_the_checkpoint_is_refused_and_a_rerun_sends_nothing(
    tmp_path: Path, env: dict[str, str], cli_emulator: Emulator
) -> None:
    source = orders_with_a_malformed_one(tmp_path)
    journal = tmp_path / "orders.journal"
    first = await run_import(source, "--checkpoint", journal, env=env)
    kept = journal.read_bytes()
    refused = await run_import(source, "--checkpoint", journal, "--rejects", journal, env=env)
    after_refusal = journal.read_bytes()
    again = await run_import(source, "--checkpoint", journal, env=env)
    assert first.code == 1, first.output  # one order rejected
    assert refused.code == 2, refused.output
    assert "names the checkpoint journal" in refused.stderr
    assert after_refusal == kept
    assert again.code == 1, again.output
    assert cli_emulator.project(APP_ID).import_requests == 1  # the first run's batch, never sent again


async def test_rejects_naming_the_default_journal_is_refused(
    tmp_path: Path, env: dict[str, str], journals: Path, cli_emulator: Emulator
) -> None:
    source = orders_with_a_malformed_one(tmp_path)
    await run_import(source, env=env)
    (journal,) = journal_files(journals)
    kept = journal.read_bytes()
    refused = await run_import(source, "--rejects", journal, env=env)
    assert refused.code == 2, refused.output
    assert "names the checkpoint journal" in refused.stderr
    assert journal.read_bytes() == kept


async def test_rejects_and_failures_naming_one_file_are_refused(tmp_path: Path, env: dict[str, str]) -> None:
    source = orders_with_a_malformed_one(tmp_path)
    files = ("--rejects", "out.jsonl", "--failures", "./out.jsonl")
    run = await run_import(source, "--dry-run", *files, env=env)
    assert run.code == 2, run.output
    assert "--rejects and --failures name the same file" in run.stderr


async def test_a_checkpoint_naming_the_order_file_is_refused(tmp_path: Path, env: dict[str, str]) -> None:
    source = orders_with_a_malformed_one(tmp_path)
    before = source.read_bytes()
    run = await run_import(source, "--checkpoint", source, env=env)
    assert run.code == 2, run.output
    assert "--checkpoint" in run.stderr
    assert "names the order file itself" in run.stderr
    assert source.read_bytes() == before


def test_an_output_in_a_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputPathError, match="does not exist"):
        refuse_shared_paths(tmp_path / "orders.jsonl", None, {"--rejects": tmp_path / "nowhere" / "r.jsonl"})


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(3))
    rejects = tmp_path / "rejects.jsonl"
    rejects.write_bytes(b"the user's old rejects\n")

    def crash(self: object, read: object, reason: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(order_files._JsonEntries, "write", crash)
    left_out = [OrderFailure("o-1", "bad", 2)]
    with pytest.raises(OSError, match="disk full"):
        write_left_out_orders(source, "jsonl", rejects=(rejects, left_out), failures=None)
    assert rejects.read_bytes() == b"the user's old rejects\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["orders.jsonl", "rejects.jsonl"]


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "rejects.jsonl"
    target.write_bytes(b"old")
    target.chmod(0o640)
    with replaced_atomically(target) as file:
        file.write(b"new")
    assert (target.read_bytes(), stat.S_IMODE(target.stat().st_mode)) == (b"new", 0o640)


def test_a_symbolic_link_stays_and_the_file_it_names_is_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.jsonl"
    real.write_bytes(b"old")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    with replaced_atomically(link) as file:
        file.write(b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"
