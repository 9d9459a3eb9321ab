"""CSV rows out of a stream of byte chunks, whatever the chunk boundaries.

A chunk may end in the middle of a UTF-8 character, of a ``\\r\\n``, of a quoted field, or of a record whose
quoted field holds a line break. Bytes go through an incremental UTF-8 decoder (which also drops a byte
order mark); text is cut at ``\\n`` into lines; lines are joined into whole records (a record is whole when
it holds an even number of ``"``: in CSV a quote inside a quoted field is written twice); each whole record
goes to the standard ``csv`` parser. So at most one record and one chunk are held in memory.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import AsyncIterator, Iterator

__all__ = ["csv_records", "csv_rows"]


class _Records:
    """Feeds whole records to one ``csv.reader`` (its dialect state stays with it)."""

    def __init__(self) -> None:
        self._next: str | None = None
        self.reader = csv.reader(self)

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        record, self._next = self._next, None
        if record is None:
            raise StopIteration
        return record

    def parse(self, record: str) -> list[str]:
        self._next = record
        return next(self.reader)


async def csv_records(chunks: AsyncIterator[bytes]) -> AsyncIterator[list[str]]:
    """Yield the records (lists of fields) of the CSV text that ``chunks`` carry; empty lines are skipped.

    Raises:
        UnicodeDecodeError: the bytes are not UTF-8.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    records = _Records()
    pending = ""  # the start of a record whose end has not come yet
    quotes = 0  # the number of '"' in `pending`
    tail = ""  # text after the last line break seen
    async for chunk in chunks:
        text = tail + decoder.decode(chunk)
        lines = text.split("\n")
        tail = lines.pop()
        for line in lines:
            pending += line + "\n"
            quotes += line.count('"')
            if quotes % 2 == 0:
                if pending.strip("\r\n"):
                    yield records.parse(pending)
                pending, quotes = "", 0
    rest = pending + tail + decoder.decode(b"", final=True)
    if rest.strip("\r\n"):
        yield records.parse(rest)


async def csv_rows(chunks: AsyncIterator[bytes]) -> AsyncIterator[dict[str, str]]:
    """Yield each row of a CSV with a header row as a dict from header to value.

    A row shorter than the header gets ``""`` for the missing columns; values past the header's columns
    are dropped (an export's rows always have the header's width).
    """
    header: list[str] | None = None
    async for record in csv_records(chunks):
        if header is None:
            header = record
            continue
        if len(record) < len(header):
            record = record + [""] * (len(header) - len(record))
        yield dict(zip(header, record, strict=False))
