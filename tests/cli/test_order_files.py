from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pytest
from cli_process import APP_ID, make_orders, read_jsonl, run_import, summary_rows, write_jsonl

from voucherify_async.cli.order_files import (
    OrderFileError,
    count_records,
    file_format,
    read_records,
    write_left_out_orders,
)
from voucherify_async.emulator import Emulator
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


def test_rejected_record_without_source_id_is_found_by_its_position(tmp_path: Path) -> None:
    source = tmp_path / "o.jsonl"
    source.write_text('{"source_id": "a"}\n{"status": "PAID"}\n{"status": "SHIPPED"}\n')
    rejects = tmp_path / "rejects.jsonl"
    reasons = [OrderFailure(None, "order #3: source_id is missing", 3)]
    write_left_out_orders(source, "jsonl", rejects=(rejects, reasons), failures=None)
    assert read_jsonl(rejects) == [{"status": "SHIPPED", "_import_error": "order #3: source_id is missing"}]


# --- what the left-out files hold: each record as the file held it, found by its position -----------------

NOT_JSON = b'{"source_id": "o-x", "amount": 12,'


def reason_of(number: int, what: str) -> OrderFailure:
    return OrderFailure(None, f"order #{number} (line {number}): {what}", number)


def test_a_line_that_is_not_json_is_written_verbatim_after_a_line_of_its_reason(tmp_path: Path) -> None:
    source = tmp_path / "o.jsonl"
    source.write_bytes(b'{"source_id": "a"}\n' + NOT_JSON + b"\n")
    rejects = tmp_path / "rejects.jsonl"
    failure = reason_of(2, "not valid JSON")
    assert write_left_out_orders(source, "jsonl", rejects=(rejects, [failure]), failures=None) == (1, 0)
    assert (
        rejects.read_bytes() == b'{"_import_error":"order #2 (line 2): not valid JSON"}\n' + NOT_JSON + b"\n"
    )


def test_a_line_that_is_json_but_no_object_is_written_verbatim(tmp_path: Path) -> None:
    source = tmp_path / "o.jsonl"
    source.write_bytes(b'{"source_id": "a"}\r\n[1,  2]\r\n')
    rejects = tmp_path / "rejects.jsonl"
    write_left_out_orders(source, "jsonl", rejects=(rejects, [reason_of(2, "a list")]), failures=None)
    assert rejects.read_bytes().splitlines(keepends=True)[1] == b"[1,  2]\r\n"


def test_an_empty_object_is_written_after_a_line_of_its_reason(tmp_path: Path) -> None:
    # Inside the object, the reason would make it a line of a reason alone, which a re-import skips.
    source = tmp_path / "o.jsonl"
    source.write_bytes(b"{}\n")
    rejects = tmp_path / "rejects.jsonl"
    write_left_out_orders(source, "jsonl", rejects=(rejects, [reason_of(1, "no source_id")]), failures=None)
    assert read_jsonl(rejects) == [{"_import_error": "order #1 (line 1): no source_id"}, {}]


def test_a_fixed_rejects_file_skips_the_lines_of_reasons(tmp_path: Path) -> None:
    source = tmp_path / "o.jsonl"
    source.write_bytes(b'{"source_id": "a"}\n' + NOT_JSON + b"\n")
    rejects = tmp_path / "rejects.jsonl"
    write_left_out_orders(source, "jsonl", rejects=(rejects, [reason_of(2, "not valid JSON")]), failures=None)
    rejects.write_bytes(rejects.read_bytes().replace(NOT_JSON, b'{"source_id": "o-x", "amount": 12}'))
    assert list(read_records(rejects, "jsonl")) == [{"source_id": "o-x", "amount": 12}]


def test_a_rejects_file_imported_unfixed_gives_the_same_record_at_its_new_place(tmp_path: Path) -> None:
    source = tmp_path / "o.jsonl"
    source.write_bytes(b'{"source_id": "a"}\n' + NOT_JSON + b"\n")
    rejects = tmp_path / "rejects.jsonl"
    write_left_out_orders(source, "jsonl", rejects=(rejects, [reason_of(2, "not valid JSON")]), failures=None)
    (record,) = read_records(rejects, "jsonl")
    assert isinstance(record, MalformedRecord)
    assert record.location == "line 2"  # the line after the reason's


def test_progress_total_of_a_rejects_file_leaves_out_the_lines_of_reasons(tmp_path: Path) -> None:
    source = tmp_path / "o.jsonl"
    source.write_bytes(b'{"source_id": "a"}\n' + NOT_JSON + b"\n")
    rejects = tmp_path / "rejects.jsonl"
    failures = [OrderFailure("a", "bad", 1), reason_of(2, "not valid JSON")]
    write_left_out_orders(source, "jsonl", rejects=(rejects, failures), failures=None)
    assert count_records(rejects, "jsonl") == 2


BROKEN_ELEMENT = b'{\n  "source_id": "j-2",\n  "amount": 7 "status": "PAID"\n}'


def test_a_broken_element_of_a_json_array_is_written_verbatim_in_a_json_array(tmp_path: Path) -> None:
    source = tmp_path / "o.json"
    source.write_bytes(b'[\n  {"source_id": "j-1", "amount": -1},\n  ' + BROKEN_ELEMENT + b",\n  null\n]\n")
    rejects = tmp_path / "rejects.json"
    failures = [
        OrderFailure("j-1", "amount below 0", 1),
        OrderFailure(None, "record 2 (line 3): not valid JSON", 2),
        OrderFailure(None, "record 3 (line 7): expected an order object, got null", 3),
    ]
    write_left_out_orders(source, "json", rejects=(rejects, failures), failures=None)
    assert BROKEN_ELEMENT in rejects.read_bytes()
    assert orjson.loads(rejects.read_bytes().replace(BROKEN_ELEMENT, b"{}")) == [
        {"source_id": "j-1", "amount": -1, "_import_error": "amount below 0"},
        {"_import_error": "record 2 (line 3): not valid JSON"},
        {},
        {"_import_error": "record 3 (line 7): expected an order object, got null"},
        None,
    ]


def test_a_fixed_json_array_rejects_file_imports_again(tmp_path: Path) -> None:
    source = tmp_path / "o.json"
    source.write_bytes(b"[" + BROKEN_ELEMENT + b"]")
    rejects = tmp_path / "rejects.json"
    failure = OrderFailure(None, "record 1 (line 1): not valid JSON", 1)
    write_left_out_orders(source, "json", rejects=(rejects, [failure]), failures=None)
    rejects.write_bytes(rejects.read_bytes().replace(b'7 "status"', b'7, "status"'))
    assert list(read_records(rejects, "json")) == [{"source_id": "j-2", "amount": 7, "status": "PAID"}]


CSV_SOURCE = 'source_id,amount,metadata.note\nc-1,5,"two\nlines"\nc-2,-3,x\nc-3,4,y,extra\nc-4,6,z\n'


def test_rejects_of_a_csv_file_are_a_csv_file_with_the_reason_first(tmp_path: Path) -> None:
    source = tmp_path / "o.csv"
    source.write_text(CSV_SOURCE)
    rejects = tmp_path / "rejects.csv"
    failures = [
        OrderFailure("c-2", "amount below 0", 2),
        OrderFailure(None, "order #3 (line 5): the row has more cells than the header", 3),
    ]
    assert write_left_out_orders(source, "csv", rejects=(rejects, failures), failures=None) == (2, 0)
    with rejects.open(newline="") as file:
        assert list(csv.reader(file)) == [
            ["_import_error", "source_id", "amount", "metadata.note"],
            ["amount below 0", "c-2", "-3", "x"],
            ["order #3 (line 5): the row has more cells than the header", "c-3", "4", "y", "extra"],
        ]


def test_a_csv_rejects_file_imports_again_without_its_reasons(tmp_path: Path) -> None:
    source = tmp_path / "o.csv"
    source.write_text(CSV_SOURCE)
    rejects = tmp_path / "rejects.csv"
    write_left_out_orders(source, "csv", rejects=(rejects, [OrderFailure("c-1", "x", 1)]), failures=None)
    assert list(read_records(rejects, "csv")) == [
        {"source_id": "c-1", "amount": 5, "metadata": {"note": "two\nlines"}}
    ]


def test_rejects_of_a_csv_rejects_file_have_one_column_of_reasons(tmp_path: Path) -> None:
    source = tmp_path / "o.csv"
    source.write_text("source_id,_import_error,amount\nc-1,old reason,-5\n")
    rejects = tmp_path / "rejects.csv"
    write_left_out_orders(source, "csv", rejects=(rejects, [OrderFailure("c-1", "new", 1)]), failures=None)
    assert rejects.read_text() == "_import_error,source_id,amount\nnew,c-1,-5\n"


def test_only_the_rejected_copy_of_a_repeated_source_id_is_written(tmp_path: Path) -> None:
    imported, rejected = make_orders(1)[0], {**make_orders(1)[0], "amount": -5}
    source = write_jsonl(tmp_path / "o.jsonl", [imported, rejected])
    rejects = tmp_path / "rejects.jsonl"
    failure = OrderFailure("o-0", "order #2 (source_id 'o-0'): amount below 0", 2)
    assert write_left_out_orders(source, "jsonl", rejects=(rejects, [failure]), failures=None) == (1, 0)
    assert read_jsonl(rejects) == [{**rejected, "_import_error": failure.reason}]


def test_only_the_failed_copy_of_a_repeated_source_id_is_written(tmp_path: Path) -> None:
    first, second = make_orders(1)[0], {**make_orders(1)[0], "customer": {"id": "cust_nobody"}}
    source = write_jsonl(tmp_path / "o.jsonl", [first, second])
    failures = tmp_path / "failures.jsonl"
    failure = OrderFailure("o-0", "customer not found", 2)
    assert write_left_out_orders(source, "jsonl", rejects=None, failures=(failures, [failure])) == (0, 1)
    assert read_jsonl(failures) == [{**second, "_import_error": "customer not found"}]


def test_a_failure_without_a_position_goes_to_the_first_copy_no_other_failure_names(tmp_path: Path) -> None:
    orders = [{**make_orders(1)[0], "amount": amount} for amount in (-5, 1, 2)]
    source = write_jsonl(tmp_path / "o.jsonl", orders)
    rejects, failures = tmp_path / "rejects.jsonl", tmp_path / "failures.jsonl"
    counts = write_left_out_orders(
        source,
        "jsonl",
        rejects=(rejects, [OrderFailure("o-0", "amount below 0", 1)]),
        failures=(failures, [OrderFailure("o-0", "customer not found")]),
    )
    assert counts == (1, 1)
    assert [line["amount"] for line in read_jsonl(failures)] == [1]


# --- the command: the files it leaves behind, and importing them again ------------------------------------


def repeated_ids_file(path: Path) -> Path:
    """x imported, x rejected (amount -5), a line that is not JSON, y failing, y imported."""
    x, y = make_orders(2)
    lines = [
        orjson.dumps(x),
        orjson.dumps({**x, "amount": -5}),
        NOT_JSON,
        orjson.dumps({**y, "customer": {"id": "cust_nobody"}}),
        orjson.dumps(y),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.mark.anyio
async def test_the_command_writes_only_the_left_out_copies_of_repeated_ids(
    tmp_path: Path, env: dict[str, str]
) -> None:
    source = repeated_ids_file(tmp_path / "o.jsonl")
    rejects, failures = tmp_path / "rejects.jsonl", tmp_path / "failures.jsonl"
    run = await run_import(source, "--batch-size", "1", "--rejects", rejects, "--failures", failures, env=env)
    assert run.code == 1, run.output
    assert [(line["source_id"], line.get("customer")) for line in read_jsonl(failures)] == [
        ("o-1", {"id": "cust_nobody"})
    ]
    x_rejected, not_json_reason = read_jsonl(_parsable(rejects))
    assert (x_rejected["amount"], "amount" in x_rejected["_import_error"]) == (-5, True)
    assert not_json_reason["_import_error"].startswith("order #3 (line 3): not valid JSON")
    assert rejects.read_bytes().endswith(b"\n" + NOT_JSON + b"\n")


def _parsable(path: Path) -> Path:
    """A copy of a rejects file without its raw lines that are not JSON."""
    kept = path.with_name(path.name + ".parsable")
    kept.write_bytes(path.read_bytes().replace(NOT_JSON + b"\n", b""))
    return kept


@pytest.mark.anyio
async def test_a_fixed_rejects_file_of_the_command_imports_every_order(
    tmp_path: Path, env: dict[str, str], cli_emulator: Emulator
) -> None:
    source = repeated_ids_file(tmp_path / "o.jsonl")
    rejects = tmp_path / "rejects.jsonl"
    await run_import(source, "--rejects", rejects, env=env)
    fixed = (
        rejects.read_bytes().replace(b'"amount":-5', b'"amount":5').replace(NOT_JSON, NOT_JSON[:-1] + b"}")
    )
    rejects.write_bytes(fixed)
    again = await run_import(rejects, env=env)
    assert again.code == 0, again.output
    assert summary_rows(again.stdout)["imported"] == "2"
    assert "_import_error" not in cli_emulator.project(APP_ID).orders["o-x"]


@pytest.mark.anyio
async def test_a_fixed_csv_rejects_file_of_the_command_imports_every_order(
    tmp_path: Path, env: dict[str, str], cli_emulator: Emulator
) -> None:
    source = tmp_path / "o.csv"
    source.write_text("source_id,status,amount\nc-1,PAID,5\nc-2,PAID,-3\nc-3,PAID,4,extra\n")
    rejects = tmp_path / "rejects.csv"
    first = await run_import(source, "--rejects", rejects, env=env)
    assert first.code == 1, first.output
    rejects.write_text(rejects.read_text().replace(",-3", ",3").replace(",extra", ""))
    again = await run_import(rejects, env=env)
    assert again.code == 0, again.output
    orders = cli_emulator.project(APP_ID).orders
    assert sorted(orders) == ["c-1", "c-2", "c-3"]
    assert "_import_error" not in orders["c-2"]
