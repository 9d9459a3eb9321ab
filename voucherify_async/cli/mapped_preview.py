"""The dry run of a mapped import shows its first orders beside the rows they were made of.

Left: each row of the order, with the columns the mapping reads (those with a value); right: the order as it
would be sent, a line per value (``items[0].price: 32469``), or why the rows are rejected. So a user sees at
once whether ``12.50`` became ``1250``, which status ``paid`` became, and that the three rows of ``#1001``
are one order with three items.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from voucherify_async.cli.mapped_files import mapped_orders
from voucherify_async.cli.terminal_text import terminal_safe
from voucherify_async.mapping import MappedRecord, OrderMapping
from voucherify_async.mapping.access import Getter, Source
from voucherify_async.mapping.records import Place, open_records

__all__ = ["preview_lines"]

_DEFAULT_WIDTH = 120
_MAX_ROWS = 12  # of one order shown; the rest are counted


def preview_lines(
    path: Path, fmt: str, mapping: OrderMapping, *, orders: int = 3, width: int | None = None
) -> list[str]:
    """The lines showing the first ``orders`` orders beside their rows, for a terminal ``width`` wide."""
    results = list(islice(mapped_orders(path, fmt, mapping).results(), orders))
    if not results:
        return []
    width = max(60, width or _DEFAULT_WIDTH)
    half = (width - 3) // 2
    rows = _first_rows(path, fmt, mapping, results[-1].last)
    lines = [f"The first {len(results)} orders, beside the rows they are made of:"]
    for result in results:
        left = _row_lines(rows, result, half)
        right = [part for line in _order_lines(result) for part in _wrapped(line, width - half - 4)]
        lines.append("-" * min(width, 2 * half + 3))
        for number in range(max(len(left), len(right))):
            cell = left[number] if number < len(left) else ""
            other = right[number] if number < len(right) else ""
            lines.append(f"{cell:<{half}} | {other}"[: width - 1].rstrip())
    return lines


def _wrapped(line: str, width: int) -> list[str]:
    return textwrap.wrap(line, width, subsequent_indent="    ", break_on_hyphens=False) or [""]


def _sources(mapping: OrderMapping) -> list[Source]:
    found: dict[Source, None] = {}
    rules = [*mapping.order, *mapping.items, *([mapping.currency] if mapping.currency else [])]
    if mapping.group_by is not None:
        found[mapping.group_by] = None
    for rule in rules:
        if rule.source is not None:
            found[rule.source] = None
    return list(found)


def _first_rows(
    path: Path, fmt: str, mapping: OrderMapping, last: int
) -> dict[int, tuple[Place, list[tuple[str, str]]]]:
    """The records up to number ``last``: their place and the (column, value) pairs the mapping reads."""
    rows: dict[int, tuple[Place, list[tuple[str, str]]]] = {}
    with open_records(path, fmt) as source:
        getters: list[tuple[str, Getter]] = [
            (_name(item), item.getter(source.header)) for item in _sources(mapping)
        ]
        for number, (place, record) in enumerate(_records(source.records, fmt), 1):
            if number > last:
                break
            if not isinstance(record, list | dict):
                rows[number] = (place, [("(not read)", str(getattr(record, "reason", "")))])
                continue
            values = [(name, _shown(get(record))) for name, get in getters]
            rows[number] = (place, [(name, value) for name, value in values if value])
    return rows


def _records(records: Iterator[tuple[Place, Any]], fmt: str) -> Iterator[tuple[Place, Any]]:
    for place, record in records:
        if fmt == "csv" or not (isinstance(record, dict) and record.keys() == {"_import_error"}):
            yield place, record


def _name(source: Source) -> str:
    return source.column if source.column is not None else source.label.removeprefix("path ").strip("'")


def _shown(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return terminal_safe(text.strip())


def _row_lines(
    rows: dict[int, tuple[Place, list[tuple[str, str]]]], result: MappedRecord, half: int
) -> list[str]:
    lines = []
    numbers = range(result.first, result.last + 1)
    for number in islice(numbers, _MAX_ROWS):
        place, values = rows[number]
        lines.append(place.location)
        lines.extend(f"  {name}: {value}"[:half] for name, value in values)
    if len(numbers) > _MAX_ROWS:
        lines.append(f"... and {len(numbers) - _MAX_ROWS} more rows")
    return lines


def _order_lines(result: MappedRecord) -> list[str]:
    if result.order is None:
        assert result.rejection is not None
        return [terminal_safe(f"rejected ({result.rejection.location}): {result.rejection.reason}")]
    return [
        terminal_safe(f"{path}: {orjson.dumps(value).decode()}") for path, value in _leaves(result.order, "")
    ]


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """The order's values by their path (``items[1].price``), one line each: compact, and aligned with the
    rows' cells they come from."""
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            yield from _leaves(inner, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and value:
        for index, inner in enumerate(value):
            yield from _leaves(inner, f"{path}[{index}]")
    else:
        yield path, value
