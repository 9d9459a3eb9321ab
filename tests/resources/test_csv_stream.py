"""CSV rows out of byte chunks: every way a chunk boundary can cut the text."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import pytest

from voucherify_async.resources._csv_stream import csv_records, csv_rows

pytestmark = pytest.mark.anyio

TRICKY = (
    "\ufeffID,Source ID,Metadata\r\n"
    'ord_1,"shop/2021,o-1","{""channel"": ""web""}"\r\n'
    'ord_2,"two\r\nlines",zażółć €\r\n'
    "\r\n"
    'ord_3,"",""""\r\n'
    "ord_4,last,no newline at the end"
).encode()


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def _split_at(data: bytes, cut: int) -> AsyncIterator[bytes]:
    yield data[:cut]
    yield data[cut:]


def _expected(text: str) -> list[list[str]]:
    return [record for record in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")) if record]


async def test_records_match_the_csv_module_for_one_chunk() -> None:
    records = [record async for record in csv_records(_chunks(TRICKY, len(TRICKY)))]

    assert records == _expected(TRICKY.decode())


async def test_records_are_the_same_wherever_one_chunk_boundary_falls() -> None:
    expected = _expected(TRICKY.decode())

    for cut in range(len(TRICKY) + 1):
        assert [record async for record in csv_records(_split_at(TRICKY, cut))] == expected, cut


@pytest.mark.parametrize("size", [1, 2, 3, 7])
async def test_records_are_the_same_in_tiny_chunks(size: int) -> None:
    records = [record async for record in csv_records(_chunks(TRICKY, size))]

    assert records == _expected(TRICKY.decode())


async def test_a_quoted_line_break_stays_inside_its_field() -> None:
    records = [record async for record in csv_records(_chunks(TRICKY, 5))]

    assert records[2] == ["ord_2", "two\r\nlines", "zażółć €"]


async def test_rows_map_the_header_to_each_value() -> None:
    rows = [row async for row in csv_rows(_chunks(b"ID,Status\nord_1,PAID\nord_2,CREATED\n", 4))]

    assert rows == [{"ID": "ord_1", "Status": "PAID"}, {"ID": "ord_2", "Status": "CREATED"}]


async def test_a_short_row_gets_empty_values() -> None:
    rows = [row async for row in csv_rows(_chunks(b"ID,Status\nord_1\n", 64))]

    assert rows == [{"ID": "ord_1", "Status": ""}]


async def test_a_header_alone_gives_no_rows() -> None:
    assert [row async for row in csv_rows(_chunks(b"ID,Status\n", 64))] == []


async def test_no_bytes_give_no_rows() -> None:
    assert [row async for row in csv_rows(_chunks(b"", 64))] == []


async def test_invalid_utf8_raises() -> None:
    with pytest.raises(UnicodeDecodeError):
        _ = [row async for row in csv_rows(_chunks(b"ID\n\xff\xfe\n", 64))]
