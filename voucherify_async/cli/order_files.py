"""The order files of the ``import`` command: their reader, their size, and the files of orders left out.

Orders are parsed only by the batcher's readers (:mod:`voucherify_async.importing.sources`). The
``--rejects`` and ``--failures`` files are JSON Lines holding each order exactly as it was read, plus an
``_import_error`` field saying why it was not imported: fix the orders and import the file again (the
command drops ``_import_error`` when it reads orders). A record that was not even JSON is written as
``{"_import_error": "order #7 (line 7): not valid JSON: ..."}`` so the place to fix is known.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import orjson

from voucherify_async.importing.report import OrderFailure
from voucherify_async.importing.sources import MalformedRecord, read_csv, read_json_array, read_jsonl
from voucherify_async.importing.validation import OrderRules, validate_order

IMPORT_ERROR_FIELD = "_import_error"
"""The field of a ``--rejects`` / ``--failures`` line that holds the reason (dropped on re-import)."""

_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv"}
_COUNT_CHUNK = 1 << 20


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
        return _EXTENSIONS[path.suffix.lower()]
    except KeyError:
        raise OrderFileError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; "
            "pass --format jsonl, json or csv"
        ) from None


def read_records(path: Path, file_format: str) -> Iterator[Any]:
    """Stream the records of the file: orders (mappings) and :class:`MalformedRecord` for unparsable ones.

    A leftover ``_import_error`` field (the file is a fixed ``--rejects`` file) is dropped from each order.
    """
    readers = {"jsonl": read_jsonl, "json": read_json_array, "csv": read_csv}
    for record in readers[file_format](path):
        if isinstance(record, dict) and IMPORT_ERROR_FIELD in record:
            record = {key: value for key, value in record.items() if key != IMPORT_ERROR_FIELD}
        yield record


def count_records(path: Path, file_format: str) -> int | None:
    """How many records the file holds (the progress bar's total), or ``None`` when that is not cheap to tell.

    JSON Lines: the non-blank lines, counted on raw bytes. CSV: the rows after the header (the csv module
    knows quoted cells spanning lines). A JSON array would need a full parse: unknown.
    """
    if file_format == "jsonl":
        return _count_non_blank_lines(path)
    if file_format == "csv":
        with path.open(newline="", encoding="utf-8-sig") as file:
            return max(0, sum(1 for row in csv.reader(file) if row) - 1)
    return None


def _count_non_blank_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as file:
        tail = b""
        while chunk := file.read(_COUNT_CHUNK):
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            count += sum(1 for line in lines if line.strip())
        if tail.strip():
            count += 1
    return count


def write_left_out_orders(
    path: Path,
    file_format: str,
    *,
    rejects: tuple[Path, list[OrderFailure]] | None,
    failures: tuple[Path, list[OrderFailure]] | None,
) -> tuple[int, int]:
    """Write the rejected and the failed orders to their JSON Lines files, in one pass over the order file.

    Orders with a ``source_id`` are found by it. A record without one (or not even JSON) was rejected by the
    batcher's validation, which is asked again for its reason; it names the record's place in the file.

    Returns:
        How many lines were written to the rejects file and to the failures file.
    """
    rejected = {f.source_id: f.reason for f in rejects[1] if f.source_id is not None} if rejects else {}
    failed = {f.source_id: f.reason for f in failures[1] if f.source_id is not None} if failures else {}
    counts = [0, 0]
    with ExitStack() as stack:
        outs = [
            stack.enter_context(target[0].open("wb")) if target else None for target in (rejects, failures)
        ]
        if not (rejects and rejects[1]) and not (failures and failures[1]):
            return (0, 0)
        rules = OrderRules()
        for number, record in enumerate(read_records(path, file_format), 1):
            source_id = record.get("source_id") if isinstance(record, Mapping) else None
            if not isinstance(source_id, str) or not source_id:
                outcome = validate_order(record, number, rules)
                found = [(0, outcome.reason)] if isinstance(outcome, OrderFailure) else []
            else:
                found = [
                    (n, table[source_id]) for n, table in enumerate((rejected, failed)) if source_id in table
                ]
            for which, reason in found:
                out = outs[which]
                if out is not None:
                    fields = dict(record) if isinstance(record, Mapping) else {}
                    out.write(orjson.dumps({**fields, IMPORT_ERROR_FIELD: reason}) + b"\n")
                    counts[which] += 1
    return (counts[0], counts[1])


def describe_malformed(record: MalformedRecord) -> str:
    """``line 7: not valid JSON: ...``: where a malformed record is and what is wrong with it."""
    return f"{record.location}: {record.reason}"
