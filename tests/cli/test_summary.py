"""The summary table that ends an import (:mod:`voucherify_async.cli.summary`), and where it is printed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TextIO

from cli_process import FAST_POLL, make_orders, write_jsonl

from voucherify_async.cli.import_command import run_import
from voucherify_async.cli.main import build_parser
from voucherify_async.cli.summary import reason_table, render_summary, summary_width
from voucherify_async.importing.report import BatchResult, ImportReport, OrderFailure

ACTION_ID = "aa_0a875d56c805df6601"


def three_batches() -> ImportReport:
    report = ImportReport(orders=6000, imported=6000, bulk_calls=3, polls=3, elapsed=4.0)
    for index in (1, 2, 3):
        batch = BatchResult(index=index, async_action_id=ACTION_ID, size=2000, status="DONE", imported=2000)
        report.batches.append(batch)
    return report


def batch_rows(summary: str) -> list[str]:
    lines = summary.splitlines()
    start = next(number for number, line in enumerate(lines) if line.lstrip().startswith("batch "))
    return lines[start : start + 4]


def test_summary_table_lists_totals_batches_and_common_reasons() -> None:
    report = ImportReport(orders=5, imported=3, bulk_calls=1, polls=2, elapsed=2.0)
    report.rejected.extend([OrderFailure("o-4", "quantity must be at least 1")] * 2)
    report.batches.append(BatchResult(index=1, async_action_id="aa_1", size=3, status="DONE", imported=3))
    summary = render_summary(report)
    assert "orders read            5" in summary
    assert "aa_1" in summary
    assert "2  quantity must be at least 1" in summary


def test_summary_of_a_stopped_run_names_its_unanswered_batch() -> None:
    report = ImportReport(orders=4000, imported=2000, unanswered_batch=2, in_flight_orders=2000)
    assert "unanswered batch       2 (the server may have queued it)" in render_summary(report)


def test_batch_table_on_a_60_column_terminal_fits_in_59() -> None:
    rows = batch_rows(render_summary(three_batches(), width=60))
    assert [len(row) < 60 for row in rows] == [True] * 4, rows


def test_batch_table_in_a_file_keeps_every_column() -> None:
    header = batch_rows(render_summary(three_batches(), width=None))[0].split()
    assert header == [
        "batch",
        "async",
        "action",
        "status",
        "orders",
        "imported",
        "failed",
        "rejected",
        "polls",
        "time",
    ]


def test_batch_table_column_of_action_ids_is_as_wide_as_the_ids() -> None:
    row = batch_rows(render_summary(three_batches()))[1]
    assert f"{ACTION_ID}  DONE" in row


def test_summary_width_of_a_file_or_pipe_is_none() -> None:
    assert summary_width(io.StringIO()) is None


def import_into_embedded_emulator(tmp_path: Path, stdout: TextIO, stderr: TextIO) -> int:
    source = write_jsonl(tmp_path / "orders.jsonl", make_orders(2))
    argv = ["import", str(source), "--emulator", "--progress", "plain", *FAST_POLL]
    return run_import(build_parser().parse_args(argv), argv, stdout=stdout, stderr=stderr)


def test_summary_sharing_a_file_with_the_progress_stands_apart_by_a_blank_line(tmp_path: Path) -> None:
    with (tmp_path / "both.txt").open("w+") as both:
        code = import_into_embedded_emulator(tmp_path, both, both)
        both.seek(0)
        lines = both.read().splitlines()
    assert code == 0
    assert lines[lines.index("Import summary") - 1] == ""
    assert lines[lines.index("Import summary") - 2].endswith("2/2 orders done, ETA 0:00")


def test_summary_in_a_file_of_its_own_starts_at_its_first_line(tmp_path: Path) -> None:
    with (tmp_path / "summary.txt").open("w+") as summary, (tmp_path / "progress.txt").open("w") as progress:
        code = import_into_embedded_emulator(tmp_path, summary, progress)
        summary.seek(0)
        first = summary.readline()
    assert (code, first) == (0, "Import summary\n")


def test_a_mappings_reasons_group_without_their_source_id_and_value() -> None:
    failures = [
        OrderFailure(
            None,
            f"order #{n} (row {n}, line {n + 1}): source_id '#{n}', column 'Total': '{v}' is not an amount",
            n,
        )
        for n, v in ((1, "abc"), (2, "1,5"), (3, "$3"))
    ] + [
        OrderFailure(
            None, "order #4 (row 9, line 10): column 'Name' is empty: the record belongs to no order", 4
        )
    ]
    lines = reason_table("rejected", failures)
    assert lines[2].split() == ["3", "column", "'Total':", "...", "is", "not", "an", "amount"]
    assert lines[3].split()[:3] == ["1", "column", "'Name'"]
