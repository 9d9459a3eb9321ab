"""The order files of the ``import`` command: their reader, their size, and the files of orders left out.

Orders are parsed only by the batcher's readers (:mod:`voucherify_async.importing.sources`). The
``--rejects`` and ``--failures`` files hold each record left out as the order file held it, with the
reason, in the order file's format, so that the fixed file is imported again as it is:

- JSON Lines: an order is written with its fields and an ``_import_error`` field, the reason. A record that
  is no order (not JSON, JSON but not an object, or an empty object) is written byte for byte as its line
  was, after a line of its reason alone, ``{"_import_error": "order #7 (line 7): not valid JSON: ..."}``:
  the reason cannot go inside it, and the line that can be fixed in place is the line as it was.
- JSON array: the same entries as the elements of an array (a broken element as its text was, over as
  many lines as it took).
- CSV: the order file's header, with an ``_import_error`` column first, and each row's cells as they were
  (all of them: a row with more cells than the header stays so), after its reason.

When the command reads orders, it drops the ``_import_error`` field (or column), and skips a line (or an
element) of a reason alone: that is no record, and the records of a fixed file are counted without it.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import attrs
import orjson

from voucherify_async.cli.output_paths import replaced_atomically

# The reader's own splitter of JSON arrays, to find the text of each element where the reader finds it.
from voucherify_async.importing.json_array import split_json_array_texts
from voucherify_async.importing.report import OrderFailure
from voucherify_async.importing.sources import (
    FORMAT_OF_SUFFIX,
    MalformedRecord,
    read_csv,
    read_json_array,
    read_jsonl,
)

IMPORT_ERROR_FIELD = "_import_error"
"""The field (CSV: the column) of a ``--rejects`` / ``--failures`` file that holds the reason (dropped on
re-import; a JSON entry of this field alone is skipped)."""

_COUNT_CHUNK = 1 << 20
_CSV_ENCODING = "utf-8-sig"  # read_csv's own default: a byte order mark is no part of the first column
_REASON_KEY = b'"' + IMPORT_ERROR_FIELD.encode() + b'"'


class OrderFileError(Exception):
    """The order file cannot be used at all (missing, or of an unknown type): exit code 2."""


def file_format(path: Path, requested: str | None) -> str:
    """The format of ``path``: ``requested`` (``--format``) or the one its extension names.

    Raises:
        OrderFileError: the file does not exist, or its extension names no format and none was requested.
    """
    if not path.is_file():
        raise OrderFileError(f"{path}: no such file")
    if requested is not None:
        return requested
    try:
        return FORMAT_OF_SUFFIX[path.suffix.lower()]
    except KeyError:
        raise OrderFileError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; "
            "pass --format jsonl, json or csv"
        ) from None


def read_records(path: Path, file_format: str) -> Iterator[Any]:
    """Stream the records of the file: orders (mappings) and :class:`MalformedRecord` for unparsable ones.

    The file may be a fixed ``--rejects`` file: a leftover ``_import_error`` field is dropped from each order,
    and a JSON line (or array element) of that field alone, the reason of the record after it, is skipped.
    """
    readers = {"jsonl": read_jsonl, "json": read_json_array, "csv": read_csv}
    for record in readers[file_format](path):
        if not _holds_only_a_reason(record, file_format):
            yield _without_reason(record)


def _holds_only_a_reason(record: Any, file_format: str) -> bool:
    # CSV has a column of reasons, never a row of a reason alone: a row with only that cell is a record.
    return file_format != "csv" and record.__class__ is dict and record.keys() == {IMPORT_ERROR_FIELD}


def _without_reason(record: Any) -> Any:
    if isinstance(record, dict) and IMPORT_ERROR_FIELD in record:
        return {key: value for key, value in record.items() if key != IMPORT_ERROR_FIELD}
    return record


def count_records(path: Path, file_format: str) -> int | None:
    """How many records the file holds (the progress bar's total), or ``None`` when that is not cheap to tell.

    JSON Lines: the non-blank lines, counted on raw bytes (only a line naming ``_import_error`` is parsed, to
    leave out a line of a reason alone). CSV: the rows after the header (the csv module knows quoted cells
    spanning lines). A JSON array would need a full parse: unknown.
    """
    if file_format == "jsonl":
        return _count_jsonl_records(path)
    if file_format == "csv":
        with path.open(newline="", encoding=_CSV_ENCODING) as file:
            return max(0, sum(1 for row in csv.reader(file) if row) - 1)
    return None


def _count_jsonl_records(path: Path) -> int:
    count = 0
    with path.open("rb") as file:
        tail = b""
        while chunk := file.read(_COUNT_CHUNK):
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            count += sum(1 for line in lines if _is_jsonl_record(line))
        if _is_jsonl_record(tail):
            count += 1
    return count


def _is_jsonl_record(line: bytes) -> bool:
    if not line.strip():
        return False
    if _REASON_KEY not in line:
        return True
    try:
        return not _holds_only_a_reason(orjson.loads(line), "jsonl")
    except orjson.JSONDecodeError:
        return True


def write_left_out_orders(
    path: Path,
    file_format: str,
    *,
    rejects: tuple[Path, list[OrderFailure]] | None,
    failures: tuple[Path, list[OrderFailure]] | None,
    raw_rows: bool = False,
) -> tuple[int, int]:
    """Write the rejected and the failed records to their files, in one pass over the order file.

    The files have the order file's format (see the module's docstring). A record is found by its position
    (:attr:`OrderFailure.position`, counted as the import counts it), so the copies of a ``source_id`` the
    file holds twice are told apart. A failure without a position goes to the first record of its
    ``source_id`` that no failure names by position; one without either is not written. Each file is
    written beside its path and renamed into place once whole: on an error, the file there stays as it was.
    With ``raw_rows``, a CSV file's rows are records as they are (a mapped import's export, whose header names
    the export's columns, not order fields), and the positions count them.

    Returns:
        How many records were written to the rejects file and to the failures file.
    """
    wanted = _Wanted(rejects[1] if rejects else [], failures[1] if failures else [])
    with ExitStack() as stack:
        files = [
            _open_left_out_file(stack, target[0], path, file_format) if target else None
            for target in (rejects, failures)
        ]
        for position, read in enumerate(_records_as_read(path, file_format, raw_rows=raw_rows), 1):
            if not wanted:
                break  # every left-out record is written: the rest of the file need not be read
            for which, reason in wanted.take(position, read.record):
                file = files[which]
                if file is not None:
                    file.write(read, reason)
    return (files[0].count if files[0] else 0, files[1].count if files[1] else 0)


class _Wanted:
    """The records still to write: which file each goes to (0: rejects, 1: failures), and its reason."""

    def __init__(self, rejected: list[OrderFailure], failed: list[OrderFailure]) -> None:
        self.by_position: dict[int, list[tuple[int, str]]] = {}
        self.by_source_id: dict[str, deque[tuple[int, str]]] = {}
        for which, left_out in enumerate((rejected, failed)):
            for failure in left_out:
                if failure.position is not None:
                    self.by_position.setdefault(failure.position, []).append((which, failure.reason))
                elif failure.source_id is not None:
                    self.by_source_id.setdefault(failure.source_id, deque()).append((which, failure.reason))

    def __bool__(self) -> bool:
        return bool(self.by_position or self.by_source_id)

    def take(self, position: int, record: Any) -> list[tuple[int, str]]:
        """Where the record at ``position`` goes, and why (none: it was imported, or is not ours to tell)."""
        named = self.by_position.pop(position, None)
        if named is not None:
            return named
        source_id = record.get("source_id") if isinstance(record, Mapping) else None
        if not isinstance(source_id, str) or not (waiting := self.by_source_id.get(source_id)):
            return []
        # Without a position, the same rule as the batcher's matching of a batch's failures: in file order.
        found = waiting.popleft()
        if not waiting:
            del self.by_source_id[source_id]
        return [found]


@attrs.frozen
class _Read:
    """A record as the import read it, with what the order file holds for it."""

    record: Any  # an order or a MalformedRecord, as read_records yields it
    text: bytes = b""  # JSON Lines: the line, without its line break; JSON array: the element
    cells: list[str] = attrs.Factory(list)  # CSV: the row's cells


def _records_as_read(path: Path, file_format: str, *, raw_rows: bool = False) -> Iterator[_Read]:
    """The records of :func:`read_records`, each with its text (JSON) or its cells (CSV).

    The text and the cells are found by a second read of the file beside the batcher's reader, record by
    record, with the reader's own rule of what is a record (blank lines and rows are not). With
    ``raw_rows``, a CSV row is its record, its cells by the header's names.
    """
    if file_format == "csv" and raw_rows:
        header = _csv_header(path)
        for cells in _csv_rows(path):
            yield _Read(dict(zip(header, cells, strict=False)), cells=cells)
        return
    if file_format == "csv":
        for record, cells in zip(read_csv(path), _csv_rows(path), strict=True):
            yield _Read(_without_reason(record), cells=cells)
        return
    texts = _jsonl_lines(path) if file_format == "jsonl" else _json_array_elements(path)
    reader = read_jsonl(path) if file_format == "jsonl" else read_json_array(path)
    for record, text in zip(reader, texts, strict=True):
        if not _holds_only_a_reason(record, file_format):
            yield _Read(_without_reason(record), text=text)


def _jsonl_lines(path: Path) -> Iterator[bytes]:
    # The lines read_jsonl makes records of: the lines of the file that are not blank.
    with path.open("rb") as file:
        for line in file:
            if line.strip():
                yield line.removesuffix(b"\n")


def _json_array_elements(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        yield from split_json_array_texts(file, str(path), MalformedRecord)


def _csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding=_CSV_ENCODING) as file:
        return next(csv.reader(file), [])


def _csv_rows(path: Path) -> Iterator[list[str]]:
    # The rows read_csv makes records of: after the header, the rows that are not blank.
    with path.open(newline="", encoding=_CSV_ENCODING) as file:
        rows = csv.reader(file)
        next(rows, None)
        yield from (cells for cells in rows if cells)


def _open_left_out_file(
    stack: ExitStack, path: Path, source: Path, file_format: str
) -> _JsonEntries | _CsvRows:
    """The ``--rejects`` or ``--failures`` file at ``path``, in the format of the order file ``source``.

    It is written beside ``path`` and put in its place only once whole (when ``stack`` closes without an
    error): a crash leaves the file as it was before, never a part of the new one.
    """
    if file_format == "csv":
        out = stack.enter_context(replaced_atomically(path, "w", newline="", encoding="utf-8"))
        return _CsvRows(out, _csv_header(source))
    entries = _JsonEntries(stack.enter_context(replaced_atomically(path, "wb")), array=file_format == "json")
    stack.callback(entries.end)  # before the file is put in place (the stack closes in reverse order)
    return entries


class _JsonEntries:
    """A JSON Lines file, or a JSON array, of left-out records (nothing at all when there are none)."""

    def __init__(self, out: IO[bytes], *, array: bool) -> None:
        self.out = out
        self.array = array
        self.count = 0

    def end(self) -> None:
        """Close the array (a JSON Lines file needs no end)."""
        if self.array and self.count:
            self.out.write(b"\n]\n")

    def write(self, read: _Read, reason: str) -> None:
        record = read.record
        if isinstance(record, Mapping) and record:
            entries = [orjson.dumps({**record, IMPORT_ERROR_FIELD: reason})]
        else:
            # No object, or an empty one (the reason alone in it would make an entry the importer skips): the
            # record as the file holds it, after an entry of its reason alone.
            entries = [orjson.dumps({IMPORT_ERROR_FIELD: reason}), read.text]
        if self.array:
            self.out.write((b",\n" if self.count else b"[\n") + b",\n".join(entries))
        else:
            self.out.write(b"".join(entry + b"\n" for entry in entries))
        self.count += 1


class _CsvRows:
    """A CSV file of left-out rows: the order file's header and cells, the reason in a first column."""

    def __init__(self, out: IO[str], header: list[str]) -> None:
        self.rows = csv.writer(out, lineterminator="\n")
        # A fixed rejects file has a column of reasons already: the new reasons take its place.
        self.old_reasons = header.index(IMPORT_ERROR_FIELD) if IMPORT_ERROR_FIELD in header else None
        self.header = [IMPORT_ERROR_FIELD, *self._without_old_reason(header)]
        self.count = 0

    def write(self, read: _Read, reason: str) -> None:
        if not self.count:
            self.rows.writerow(self.header)
        self.rows.writerow([reason, *self._without_old_reason(read.cells)])
        self.count += 1

    def _without_old_reason(self, cells: list[str]) -> list[str]:
        drop = self.old_reasons
        return cells if drop is None else cells[:drop] + cells[drop + 1 :]


def describe_malformed(record: MalformedRecord) -> str:
    """``line 7: not valid JSON: ...``: where a malformed record is and what is wrong with it."""
    return f"{record.location}: {record.reason}"
