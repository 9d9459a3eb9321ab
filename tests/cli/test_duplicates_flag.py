"""``--duplicates send|reject``: records whose source_id repeats an earlier one's, in the summary and the dry
run (run in this process, against the embedded emulator)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cli_process import FAST_POLL, make_orders, summary_rows, write_jsonl

from voucherify_async import OrderFailure
from voucherify_async.cli.import_command import run_import
from voucherify_async.cli.main import build_parser, main
from voucherify_async.cli.summary import render_summary
from voucherify_async.importing.report import DuplicateRecord, ImportReport


def _orders_with_a_repeat(tmp_path: Path) -> Path:
    """Three orders, then the second one's source_id again (record #4 repeats record #2)."""
    orders = make_orders(3)
    return write_jsonl(tmp_path / "orders.jsonl", [*orders, {**orders[1], "amount": 777}])


def _import(tmp_path: Path, *options: str) -> tuple[int, str]:
    argv = ["import", str(_orders_with_a_repeat(tmp_path)), "--emulator", "--progress", "none", *FAST_POLL]
    argv += options
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_import(build_parser().parse_args(argv), argv, stdout=stdout, stderr=stderr)
    return code, stdout.getvalue() + stderr.getvalue()


def test_by_default_a_repeat_is_sent_and_the_summary_counts_it_apart(tmp_path: Path) -> None:
    code, output = _import(tmp_path)
    rows = summary_rows(output)
    assert (code, rows["imported"]) == (0, "4")
    assert rows["repeated source_ids"] == "1 sent, each updating an earlier order: 3 distinct imported"


def test_with_reject_a_repeat_is_rejected_naming_the_first_record(tmp_path: Path) -> None:
    code, output = _import(tmp_path, "--duplicates", "reject")
    rows = summary_rows(output)
    assert (code, rows["imported"], rows["rejected as malformed"]) == (1, "3", "1")
    assert rows["repeated source_ids"] == "1 rejected, never sent"
    assert "repeats the source_id of an earlier order" in output  # the common reasons, grouped


def test_an_unknown_duplicates_value_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(_orders_with_a_repeat(tmp_path)), "--duplicates", "skip"])
    assert exit_.value.code == 2
    assert "invalid choice: 'skip'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "line"),
    [
        (
            (),
            "Repeated source_ids: 1; an import would send them and Voucherify keep the last copy of each: 3",
        ),
        (
            ("--duplicates", "reject"),
            "Repeated source_ids: 1, rejected (an import sends only the first record",
        ),
    ],
)
def test_the_dry_run_counts_the_repeats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: tuple[str, ...], line: str
) -> None:
    code = main(["import", str(_orders_with_a_repeat(tmp_path)), "--dry-run", *options])
    output = capsys.readouterr().out
    assert line in output
    assert code == (0 if not options else 1)


def test_the_dry_run_names_the_first_few_repeats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["import", str(_orders_with_a_repeat(tmp_path)), "--dry-run"])
    assert "  repeated: order #4 (source_id 'o-1') repeats order #2" in capsys.readouterr().out


def test_a_summary_without_repeats_says_0() -> None:
    assert summary_rows(render_summary(ImportReport()))["repeated source_ids"] == "0"


def test_a_summary_groups_repeats_rejected_whatever_record_they_repeat() -> None:
    report = ImportReport(orders=4, imported=2)
    for position, first in ((3, 1), (4, 2)):
        report.duplicates.append(DuplicateRecord(f"o-{first}", position, first, sent=False))
        reason = f"order #{position} (source_id 'o-{first}'): repeats the source_id of order #{first}, ..."
        report.rejected.append(OrderFailure(f"o-{first}", reason, position))
    assert "2  repeats the source_id of an earlier order, ..." in render_summary(report)
