from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from voucherify_async.importing.errors import SourceError
from voucherify_async.importing.sources import (
    MalformedRecord,
    iterate_source,
    parse_column,
    read_csv,
    read_json_array,
    read_jsonl,
    read_orders,
    source_length,
)


def test_jsonl_yields_each_line_and_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b'{"source_id": "a"}\n\n{"source_id": "b"}\n')
    assert list(read_jsonl(path)) == [{"source_id": "a"}, {"source_id": "b"}]


def test_jsonl_broken_line_becomes_a_malformed_record_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b'{"source_id": "a"}\n{"source_id": \n{"source_id": "c"}\n')
    records = list(read_jsonl(path))
    assert records[0] == {"source_id": "a"}
    assert isinstance(records[1], MalformedRecord)
    assert records[1].location == "line 2"
    assert records[2] == {"source_id": "c"}


def _write_array(tmp_path: Path, orders: list[Any]) -> Path:
    path = tmp_path / "orders.json"
    path.write_bytes(orjson.dumps(orders, option=orjson.OPT_INDENT_2))
    return path


def test_json_array_yields_every_element(tmp_path: Path) -> None:
    orders = [
        {"source_id": f"o-{i}", "metadata": {"note": 'a "quoted", [tricky] {text}\\'}} for i in range(5)
    ]
    assert list(read_json_array(_write_array(tmp_path, orders))) == orders


def test_json_array_streams_elements_across_read_chunks(tmp_path: Path) -> None:
    long_text = "x" * 70_000 + '\\"],{'
    orders = [{"source_id": f"o-{i}", "metadata": {"long": long_text}} for i in range(3)]
    assert list(read_json_array(_write_array(tmp_path, orders))) == orders


def test_json_array_is_read_lazily_one_element_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes(b'[{"source_id": "a"}, {"source_id": "b"}, BROKEN')
    records = read_json_array(path)
    assert next(records) == {"source_id": "a"}
    assert next(records) == {"source_id": "b"}


def test_json_array_cut_short_raises_source_error(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes(b'[{"source_id": "a"}, {"source_id": "b"')
    with pytest.raises(SourceError, match="ends early"):
        list(read_json_array(path))


def test_json_file_that_is_not_an_array_raises_source_error(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes(b'{"source_id": "a"}')
    with pytest.raises(SourceError, match="expected a JSON array"):
        list(read_json_array(path))


def test_empty_json_array_yields_nothing(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes(b" [ ] ")
    assert list(read_json_array(path)) == []


def test_json_array_bad_element_names_record_and_line(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes(b'[\n{"source_id": "a"},\n{"source_id": tru},\n{"source_id": "c"}\n]')
    records = list(read_json_array(path))
    assert records[1] == MalformedRecord("record 2 (line 3)", records[1].reason)
    assert records[2] == {"source_id": "c"}


def test_jsonl_line_that_is_json_but_no_object_becomes_a_malformed_record_naming_its_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b'{"source_id": "a"}\nnull\n\n42\n"x"\n[{"source_id": "b"}]\ntrue\n1.5\n')
    assert list(read_jsonl(path))[1:] == [
        MalformedRecord("line 2", "expected an order object, got null"),
        MalformedRecord("line 4", "expected an order object, got the number 42"),
        MalformedRecord("line 5", "expected an order object, got the string 'x'"),
        MalformedRecord("line 6", "expected an order object, got a list"),
        MalformedRecord("line 7", "expected an order object, got true"),
        MalformedRecord("line 8", "expected an order object, got the number 1.5"),
    ]


def test_json_array_element_that_is_no_object_becomes_a_malformed_record_naming_record_and_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes(b'[\n{"source_id": "a"},\n null,\n{"source_id": "c"}, 7, ["d"]\n]')
    assert list(read_json_array(path)) == [
        {"source_id": "a"},
        MalformedRecord("record 2 (line 3)", "expected an order object, got null"),
        {"source_id": "c"},
        MalformedRecord("record 4 (line 4)", "expected an order object, got the number 7"),
        MalformedRecord("record 5 (line 4)", "expected an order object, got a list"),
    ]


@pytest.mark.parametrize("content", [b"", b" \n\t\n"])
def test_an_empty_json_file_is_said_to_be_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes(content)
    with pytest.raises(SourceError, match="the file is empty or blank; expected a JSON array"):
        list(read_json_array(path))


def test_csv_dotted_and_indexed_columns_build_nested_orders(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "source_id,amount,customer.source_id,items[0].sku_id,items[0].quantity,items[1].sku_id,metadata.vip\n"
        "00123,1500,c-1,sku-1,2,sku-2,true\n"
    )
    assert list(read_csv(path)) == [
        {
            "source_id": "00123",
            "amount": 1500,
            "customer": {"source_id": "c-1"},
            "items": [{"sku_id": "sku-1", "quantity": 2}, {"sku_id": "sku-2"}],
            "metadata": {"vip": True},
        }
    ]


def test_csv_empty_cells_leave_fields_out(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("source_id,amount,customer.source_id\no-1,,\n")
    assert list(read_csv(path)) == [{"source_id": "o-1"}]


def test_csv_non_integer_amount_stays_text_for_validation(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("source_id,amount\no-1,12.50\n")
    assert list(read_csv(path)) == [{"source_id": "o-1", "amount": "12.50"}]


def test_csv_metadata_numbers_are_typed_only_when_canonical(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("source_id,metadata.a,metadata.b,metadata.c\no-1,42,2.5,007\n")
    assert list(read_csv(path)) == [{"source_id": "o-1", "metadata": {"a": 42, "b": 2.5, "c": "007"}}]


def test_csv_row_with_extra_cells_is_a_malformed_record(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("source_id,amount\no-1,1\no-2,2,3\n")
    records = list(read_csv(path))
    assert records[1] == MalformedRecord("line 3", "the row has more cells than the header")


def test_csv_bad_column_name_raises_source_error(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("source_id,items[x].sku_id\no-1,a\n")
    with pytest.raises(SourceError, match=r"items\[x\]"):
        list(read_csv(path))


def test_parse_column_splits_dots_and_indexes() -> None:
    assert parse_column("items[0].product.price") == ("items", 0, "product", "price")


def test_read_orders_refuses_an_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="unknown file type"):
        read_orders(tmp_path / "orders.xml")


@pytest.mark.anyio
async def test_iterate_source_takes_a_sync_iterable() -> None:
    assert [order async for order in iterate_source(iter([{"source_id": "a"}]))] == [{"source_id": "a"}]


@pytest.mark.anyio
async def test_iterate_source_takes_an_async_iterable() -> None:
    async def orders() -> AsyncIterator[dict[str, str]]:
        yield {"source_id": "a"}

    assert [order async for order in iterate_source(orders())] == [{"source_id": "a"}]


@pytest.mark.parametrize("reader", [read_jsonl, read_json_array, read_csv])
def test_a_missing_file_raises_source_error(tmp_path: Path, reader: Any) -> None:
    with pytest.raises(SourceError, match="cannot be read"):
        list(reader(tmp_path / "missing"))


def test_a_csv_file_in_another_encoding_raises_source_error(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes("source_id,status\nçà-1,PAID\n".encode("latin-1"))
    with pytest.raises(SourceError, match="cannot be read"):
        list(read_csv(path))


def test_jsonl_broken_line_reason_places_the_error_within_the_record_not_at_line_1(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b'{"source_id": "a"}\n{"source_id": "b",,}\n')
    broken = list(read_jsonl(path))[1]
    assert isinstance(broken, MalformedRecord)
    assert broken.location == "line 2"
    assert broken.reason.startswith("not valid JSON: unexpected character")
    assert broken.reason.endswith(" at character 19 of the record")  # the second comma
    assert "line 1" not in broken.reason


def test_json_array_bad_element_reason_places_the_error_within_the_record(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes(b'[\n{"source_id": "a"},\n{"source_id": tru}\n]')
    broken = list(read_json_array(path))[1]
    assert isinstance(broken, MalformedRecord)
    assert broken.reason.startswith("not valid JSON: ")
    assert broken.reason.endswith(" of the record")
    assert "line 1" not in broken.reason


class _LengthThatFails:
    def __init__(self, error: type[Exception]) -> None:
        self.error = error

    def __len__(self) -> int:
        raise self.error("no length")

    def __iter__(self) -> Any:
        return iter(())


@pytest.mark.anyio
async def test_source_length_is_known_only_for_a_source_that_tells_it() -> None:
    async def orders() -> AsyncIterator[dict[str, str]]:
        yield {"source_id": "a"}

    assert source_length([{"source_id": "a"}] * 3) == 3
    assert source_length(({"source_id": "a"},)) == 1
    assert source_length([]) == 0
    assert source_length(iter([{"source_id": "a"}])) is None
    assert source_length(order for order in [{"source_id": "a"}]) is None
    assert source_length(orders()) is None


@pytest.mark.parametrize("error", [TypeError, ValueError, OverflowError])
def test_source_length_of_a_source_whose_length_fails_is_unknown(error: type[Exception]) -> None:
    assert source_length(_LengthThatFails(error)) is None
