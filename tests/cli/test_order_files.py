from __future__ import annotations

from pathlib import Path

import pytest
from cli_process import make_orders, read_jsonl, write_jsonl

from voucherify_async.cli.order_files import (
    OrderFileError,
    count_records,
    file_format,
    read_records,
    write_left_out_orders,
)
from voucherify_async.importing.report import OrderFailure
from voucherify_async.importing.sources import MalformedRecord


def test_format_comes_from_the_extension_unless_given(tmp_path: Path) -> None:
    ndjson, data = tmp_path / "a.ndjson", tmp_path / "a.txt"
    ndjson.touch()
    data.touch()
    assert (file_format(ndjson, None), file_format(data, "csv")) == ("jsonl", "csv")


def test_unknown_extension_asks_for_format(tmp_path: Path) -> None:
    (tmp_path / "orders.txt").touch()
    with pytest.raises(OrderFileError, match="--format"):
        file_format(tmp_path / "orders.txt", None)


def test_missing_file_is_an_order_file_error(tmp_path: Path) -> None:
    with pytest.raises(OrderFileError, match="no such file"):
        file_format(tmp_path / "absent.jsonl", None)


def test_jsonl_count_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    path.write_text('{"source_id": "a"}\n\n  \n{"source_id": "b"}\nnot json')
    assert count_records(path, "jsonl") == 3


def test_csv_count_knows_quoted_cells_spanning_lines(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text('source_id,metadata.note\na,"two\nlines"\nb,x\n')
    assert count_records(path, "csv") == 2


def test_json_array_count_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "o.json"
    path.write_text("[]")
    assert count_records(path, "json") is None


def test_reading_a_fixed_rejects_file_drops_the_reason_field(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "fixed.jsonl", [{"source_id": "a", "_import_error": "was broken"}])
    assert list(read_records(path, "jsonl")) == [{"source_id": "a"}]


def test_bad_json_line_is_a_malformed_record_and_the_next_lines_still_come(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    path.write_text('{"source_id": "a"}\n{"source_id": \n{"source_id": "c"}\n')
    records = list(read_records(path, "jsonl"))
    assert isinstance(records[1], MalformedRecord)
    assert (records[1].location, records[2]) == ("line 2", {"source_id": "c"})


def test_left_out_orders_are_written_whole_with_their_reasons(tmp_path: Path) -> None:
    orders = make_orders(4)
    source = write_jsonl(tmp_path / "o.jsonl", orders)
    rejects, failures = tmp_path / "rejects.jsonl", tmp_path / "failures.jsonl"
    counts = write_left_out_orders(
        source,
        "jsonl",
        rejects=(rejects, [OrderFailure("o-1", "bad amount")]),
        failures=(failures, [OrderFailure("o-3", "customer not found")]),
    )
    assert counts == (1, 1)
    assert read_jsonl(rejects) == [{**orders[1], "_import_error": "bad amount"}]
    assert read_jsonl(failures) == [{**orders[3], "_import_error": "customer not found"}]


def test_rejected_record_without_source_id_is_written_with_its_place(tmp_path: Path) -> None:
    source = tmp_path / "o.jsonl"
    source.write_text('{"source_id": "a"}\n{oops\n{"status": "PAID"}\n')
    rejects = tmp_path / "rejects.jsonl"
    reasons = [OrderFailure(None, "x"), OrderFailure(None, "y")]
    write_left_out_orders(source, "jsonl", rejects=(rejects, reasons), failures=None)
    lines = read_jsonl(rejects)
    assert lines[0]["_import_error"].startswith("order #2 (line 2): not valid JSON")
    assert lines[1]["status"] == "PAID"
    assert "source_id is missing" in lines[1]["_import_error"]
