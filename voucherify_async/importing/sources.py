"""Where orders come from: any (async) iterable, or a JSON Lines, JSON array or CSV file read as a stream.

Every reader yields one order at a time and keeps only a small read buffer in memory, whatever the size of
the file. A record that cannot be parsed (a broken JSON line, a CSV row with too many cells) does not stop the
import: it is yielded as a :class:`MalformedRecord` naming its line, which the validation turns into a
rejection, so that one bad line in a million costs neither the run nor a bulk call. So is a record that is
JSON but not an object (``null``, ``42``, ``"x"``, a list): it cannot be an order, and only the reader knows
its line. A file that is broken as a
whole (a JSON array cut short, a CSV file without a header) raises :class:`SourceError`.

CSV convention (:func:`read_csv`): the header names fields by their path in the order, dots for nested objects
and ``[i]`` for list items, e.g. ``source_id,status,amount,customer.source_id,items[0].sku_id,
items[0].quantity,metadata.channel``. An empty cell leaves its field out. Cells are typed as follows:

- fields the API types as integers (``amount``, ``initial_amount``, ``discount_amount`` and, in items,
  ``quantity``, ``discount_quantity``, ``initial_quantity``, ``amount``, ``discount_amount``,
  ``initial_amount``, ``price``) become ``int`` when they hold an integer (``"12"``); anything else stays a
  string, so the validation rejects the order with a clear reason instead of guessing;
- ``items[i].product.price`` and ``items[i].sku.price`` (numbers in the spec) become ``int`` or ``float``;
- ``override`` fields take ``true``/``false``;
- values under a ``metadata`` object: ``true``/``false`` become booleans and numbers written canonically
  (``42``, ``-3``, ``2.5``, but not ``007`` or ``1e3``) become numbers; everything else stays text;
- every other field is text (``source_id`` ``"00123"`` stays ``"00123"``).
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Sized
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import anyio.lowlevel
import attrs
import orjson

from voucherify_async.importing.errors import SourceError
from voucherify_async.importing.json_array import json_error_reason, split_json_array

__all__ = [
    "SOURCE_CHECKPOINT_EVERY",
    "MalformedRecord",
    "OrderSource",
    "iterate_source",
    "non_object_reason",
    "read_csv",
    "read_json_array",
    "read_jsonl",
    "read_orders",
    "source_length",
]

FORMAT_OF_SUFFIX = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv"}
"""The format of an order file by its extension (lower case): what :func:`read_orders`, the command line and
mappings go by when no format is given."""

OrderSource = Iterable[Any] | AsyncIterable[Any]
"""What :meth:`ImportBatcher.run` takes: an iterable or async iterable of ``vf.Order`` or mappings."""

_CHUNK = 1 << 16
SOURCE_CHECKPOINT_EVERY = 256
"""Reading a synchronous source never blocks the event loop for long: the pipeline lets the other tasks run
after every so many records."""


@attrs.frozen
class MalformedRecord:
    """A record of a file that could not be parsed into an order.

    Attributes:
        location: Where it is, e.g. ``"line 17"`` or ``"record 3 (line 9)"``.
        reason: What is wrong with it.
    """

    location: str
    reason: str


def non_object_reason(value: object) -> str:
    """Why ``value`` cannot be an order: ``"expected an order object, got null"`` (or the number, text...)."""
    if value is None or isinstance(value, bool):
        found = "null" if value is None else str(value).lower()
    elif isinstance(value, int | float):
        found = f"the number {value!r}"
    elif isinstance(value, str):
        found = f"the string {value[:40]!r}" + ("..." if len(value) > 40 else "")
    elif isinstance(value, list | tuple):
        found = "a list"
    else:
        found = f"a {type(value).__name__}"
    return f"expected an order object, got {found}"


def source_length(orders: OrderSource) -> int | None:
    """How many records ``orders`` holds, when it says so itself (a list, a tuple); ``None`` otherwise.

    The run's source_id tracker is sized for them: a filter that fits the processor's caches costs about
    0.4 µs an order less than the 2 MiB one of a source of unknown length, at 100,000 orders.
    """
    if isinstance(orders, Sized):
        with suppress(TypeError, ValueError, OverflowError):
            return len(orders)
    return None


async def iterate_source(orders: OrderSource) -> AsyncIterator[Any]:
    """Iterate a synchronous or asynchronous source as one async iterator.

    A synchronous source is read in the event loop's thread (file readers do small buffered reads), with a
    checkpoint every few hundred records so other tasks, timers and cancellation keep working.
    """
    if isinstance(orders, AsyncIterable):
        async for order in orders:
            yield order
        return
    for count, order in enumerate(orders, 1):
        yield order
        if count % SOURCE_CHECKPOINT_EVERY == 0:
            await anyio.lowlevel.checkpoint()


def read_orders(path: str | Path) -> Iterator[Any]:
    """Read orders from a file, choosing the format by its extension.

    ``.jsonl``/``.ndjson`` -> :func:`read_jsonl`, ``.json`` -> :func:`read_json_array`, ``.csv`` ->
    :func:`read_csv`.

    Raises:
        SourceError: For any other extension.
    """
    suffix = Path(path).suffix.lower()
    file_format = FORMAT_OF_SUFFIX.get(suffix)
    if file_format == "jsonl":
        return read_jsonl(path)
    if file_format == "json":
        return read_json_array(path)
    if file_format == "csv":
        return read_csv(path)
    raise SourceError(f"{path}: unknown file type {suffix!r}; expected .jsonl, .ndjson, .json or .csv")


@contextmanager
def file_errors(path: str | Path) -> Iterator[None]:
    """Report a file that cannot be opened or decoded as a :class:`SourceError` (a VoucherifyError)."""
    try:
        yield
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"{path}: cannot be read: {error}") from None


def read_jsonl(path: str | Path) -> Iterator[Any]:
    """Stream orders from a JSON Lines file: one JSON object per line; blank lines are skipped.

    Yields:
        Each line's JSON object, or a :class:`MalformedRecord` (``"line N"``) for a line that is not JSON or
        not a JSON object (``null``, a number, a string, a list).

    Raises:
        SourceError: When the file cannot be read.
    """
    with file_errors(path), open(path, "rb") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                yield MalformedRecord(f"line {number}", json_error_reason(error))
                continue
            if record.__class__ is dict:
                yield record
            else:
                yield MalformedRecord(f"line {number}", non_object_reason(record))


def read_json_array(path: str | Path) -> Iterator[Any]:
    """Stream the elements of a file holding one JSON array, without loading the file whole.

    The array is split into its elements incrementally (see ``json_array``); memory holds the read buffer
    and one element.

    Yields:
        Each element, or a :class:`MalformedRecord` (``"record N (line L)"``) for an element that is not JSON
        or not a JSON object.

    Raises:
        SourceError: When the file cannot be read, does not hold a JSON array or the array is cut short.
    """
    with file_errors(path), open(path, "rb") as file:
        yield from split_json_array(
            file,
            str(path),
            MalformedRecord,
            non_object=lambda location, value: MalformedRecord(location, non_object_reason(value)),
        )


# --- CSV ---------------------------------------------------------------------------------------------------

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_INT_FIELDS = frozenset({"amount", "initial_amount", "discount_amount"})
_ITEM_INT_FIELDS = frozenset(
    {
        "quantity",
        "discount_quantity",
        "initial_quantity",
        "amount",
        "discount_amount",
        "initial_amount",
        "price",
    }
)
_INTEGER = re.compile(r"-?\d+")
_CANONICAL_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")

PathPart = str | int


def parse_column(column: str) -> tuple[PathPart, ...]:
    """Split a CSV column name like ``items[0].quantity`` into ``("items", 0, "quantity")``.

    Raises:
        SourceError: When the name is not a path of field names and ``[index]`` parts.
    """
    parts: list[PathPart] = []
    position = 0
    for match in _PATH_PART.finditer(column):
        separator = column[position : match.start()]
        if separator not in ("", ".") or (separator == "." and match.group(2) is not None):
            break
        if separator == "" and parts and match.group(1) is not None:
            break
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        position = match.end()
    if not parts or position != len(column) or not isinstance(parts[0], str):
        raise SourceError(
            f"CSV column {column!r} is not a field path like 'customer.source_id' or 'items[0].quantity'"
        )
    return tuple(parts)


def _typed_cell(path: tuple[PathPart, ...], text: str) -> Any:
    field = path[-1]
    in_item = len(path) >= 3 and path[0] == "items"
    if (len(path) == 1 and field in _INT_FIELDS) or (
        len(path) == 3 and in_item and field in _ITEM_INT_FIELDS
    ):
        return int(text) if _INTEGER.fullmatch(text) else text
    if field == "price" and in_item and len(path) == 4 and path[2] in ("product", "sku"):
        return _number(text)
    if field == "override":
        return {"true": True, "false": False}.get(text.lower(), text)
    if "metadata" in path[:-1]:
        if text in ("true", "false"):
            return text == "true"
        return _number(text)
    return text


def _number(text: str) -> Any:
    if not _CANONICAL_NUMBER.fullmatch(text):
        return text
    return float(text) if "." in text else int(text)


def _place(order: dict[str, Any], path: tuple[PathPart, ...], value: Any) -> None:
    node: Any = order
    for part, next_part in itertools.pairwise(path):
        if isinstance(part, int):
            while len(node) <= part:
                node.append(None)
            if node[part] is None:
                node[part] = [] if isinstance(next_part, int) else {}
            node = node[part]
        else:
            node = node.setdefault(part, [] if isinstance(next_part, int) else {})
    last = path[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value


def row_to_order(paths: Mapping[str, tuple[PathPart, ...]], row: Mapping[str, str]) -> dict[str, Any]:
    """Build one order from a CSV row whose columns are field paths (see the module's convention)."""
    order: dict[str, Any] = {}
    for column, path in paths.items():
        text = row.get(column)
        if text is None or text == "":
            continue
        _place(order, path, _typed_cell(path, text))
    # Item slots left empty by a sparse row (items[2] filled, items[1] empty) are dropped.
    items = order.get("items")
    if isinstance(items, list):
        order["items"] = [item for item in items if item is not None]
    return order


def read_csv(path: str | Path, *, delimiter: str = ",", encoding: str = "utf-8-sig") -> Iterator[Any]:
    """Stream orders from a CSV file whose header names field paths (see the module's convention).

    Args:
        path: The file.
        delimiter: The cell separator.
        encoding: The text encoding (the default also accepts a byte order mark).

    Yields:
        One order per row, or a :class:`MalformedRecord` (``"line N"``) for a row with more cells than the
        header has columns.

    Raises:
        SourceError: When the file cannot be read or decoded, has no header, or a column name is not a
            field path.
    """
    with file_errors(path), open(path, newline="", encoding=encoding) as file:
        reader = csv.DictReader(file, delimiter=delimiter)
        if not reader.fieldnames:
            raise SourceError(f"{path}: the CSV file has no header row")
        try:
            paths = {column: parse_column(column) for column in reader.fieldnames}
        except SourceError as error:
            raise SourceError(f"{path}: {error}") from None
        for row in reader:
            if None in row:
                yield MalformedRecord(f"line {reader.line_num}", "the row has more cells than the header")
                continue
            yield row_to_order(paths, row)
