"""The records a mapping reads: a CSV file's rows as lists of cells, a JSON Lines or JSON array file's
objects, each with its place in the file.

The rows are read as they are: the header names the export's own columns (``Lineitem quantity``), not order
fields, so these readers are not the batcher's (``importing.sources``), whose CSV header holds field paths.
Like the batcher's, they stream: one record in memory at a time. A record that cannot be read (a broken JSON
line, a row with more cells than the header) is yielded as a :class:`MalformedRecord` in its place, and
becomes a rejection.

Records are numbered from 1 in the order read, as the import command's ``--rejects`` file counts them:
blank lines and rows are no records.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import orjson

from voucherify_async.importing.errors import SourceError
from voucherify_async.importing.json_array import json_error_reason
from voucherify_async.importing.sources import (
    FORMAT_OF_SUFFIX,
    MalformedRecord,
    file_errors,
    non_object_reason,
    read_json_array,
)

__all__ = ["FORMATS", "Place", "SourceRecords", "file_format_of", "open_records"]

FORMATS = ("csv", "jsonl", "json")


@attrs.frozen
class Place:
    """Where a record is: its number among the file's records, and the line it starts on (if known)."""

    number: int
    line: int | None
    kind: str = "row"

    @property
    def location(self) -> str:
        """``row 3, line 4`` (CSV), ``line 4`` (JSON Lines) or ``record 3`` (JSON array)."""
        if self.kind == "row":
            return f"row {self.number}, line {self.line}"
        if self.kind == "line":
            return f"line {self.line}"
        return f"record {self.number}"


@attrs.frozen
class SourceRecords:
    """An open file's records: the CSV header (``None`` for JSON) and the records with their places."""

    header: list[str] | None
    records: Iterator[tuple[Place, Any]]


def file_format_of(path: Path, requested: str | None = None) -> str:
    """The format of ``path``: ``requested``, else the one its extension names.

    Raises:
        SourceError: Neither tells the format.
    """
    if requested is not None:
        return requested
    try:
        return FORMAT_OF_SUFFIX[path.suffix.lower()]
    except KeyError:
        raise SourceError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; give csv, jsonl or json"
        ) from None


@contextmanager
def open_records(path: Path, file_format: str, *, encoding: str = "utf-8-sig") -> Iterator[SourceRecords]:
    """Open ``path`` and stream its records (see the module's docstring).

    Raises:
        SourceError: The file cannot be read, or a CSV file has no header.
    """
    with file_errors(path):
        if file_format == "csv":
            with open(path, newline="", encoding=encoding) as file:
                rows = csv.reader(file)
                header = next(rows, None)
                if not header:
                    raise SourceError(f"{path}: the CSV file has no header row")
                yield SourceRecords(header, _csv_records(rows, len(header)))
        elif file_format == "jsonl":
            with open(path, "rb") as file:
                yield SourceRecords(None, _jsonl_records(file))
        else:
            yield SourceRecords(None, _json_records(path))


def _csv_records(rows: Any, width: int) -> Iterator[tuple[Place, Any]]:
    number = 0
    line = 1 + rows.line_num  # the first row's line, after the header (which may span lines)
    for cells in rows:
        start, line = line, rows.line_num + 1
        if not cells:
            continue
        number += 1
        place = Place(number, start)
        if len(cells) > width:
            yield place, MalformedRecord(place.location, "the row has more cells than the header")
        else:
            yield place, cells


def _jsonl_records(file: Any) -> Iterator[tuple[Place, Any]]:
    number = 0
    for line_number, line in enumerate(file, 1):
        if not line.strip():
            continue
        number += 1
        place = Place(number, line_number, "line")
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            yield place, MalformedRecord(place.location, json_error_reason(error))
            continue
        if record.__class__ is dict:
            yield place, record
        else:
            yield place, MalformedRecord(place.location, non_object_reason(record))


def _json_records(path: Path) -> Iterator[tuple[Place, Any]]:
    for number, record in enumerate(read_json_array(path), 1):
        yield Place(number, None, "record"), record
