"""Where a mapping reads a value: a CSV column by its header name, or a key or path of a JSON record.

A CSV record is the list of its row's cells; a JSON record the object of its line. A :class:`Source` is
compiled once, against the file's header for CSV, into a getter that takes a record and returns its raw value
(``None`` when the record has none): reading a million rows looks up a list index per value, never a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import attrs

__all__ = ["Getter", "PathPart", "Source", "parse_path"]

PathPart = str | int
Getter = Callable[[Any], Any]

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(text: str) -> tuple[PathPart, ...]:
    """Split a JSON path like ``billing.email`` or ``line_items[0].sku`` into its keys and indexes.

    Raises:
        ValueError: When ``text`` is no such path.
    """
    parts: list[PathPart] = []
    position = 0
    for match in _PART.finditer(text):
        separator = text[position : match.start()]
        key, index = match.groups()
        if (separator == "." and (index is not None or not parts)) or separator not in ("", "."):
            break
        if separator == "" and parts and key is not None:
            break
        parts.append(key if key is not None else int(index))
        position = match.end()
    if not parts or position != len(text) or not isinstance(parts[0], str):
        raise ValueError(f"{text!r} is not a path like 'billing.email' or 'line_items[0].sku'")
    return tuple(parts)


@attrs.frozen
class Source:
    """Where a value comes from: a ``column`` (a CSV header name, or a JSON record's top-level key) or a
    ``path`` into a JSON record."""

    column: str | None = None
    path: tuple[PathPart, ...] | None = None

    @property
    def label(self) -> str:
        """How a reason names it: ``column 'Total'`` or ``path 'billing.email'``."""
        if self.column is not None:
            return f"column {self.column!r}"
        return f"path {_path_text(self.path or ())!r}"

    def getter(self, header: Sequence[str] | None) -> Getter:
        """The function reading this source's raw value from a record.

        Args:
            header: The CSV file's header (the records are lists of cells), or ``None`` for JSON records.

        Raises:
            LookupError: The column is not in the header, or a path is given for a CSV file.
        """
        if header is None:
            if self.column is not None:
                column = self.column
                return lambda record: record.get(column)
            return _path_getter(self.path or ())
        if self.column is None:
            raise LookupError(f"{self.label}: a CSV file has columns, not paths (give column = NAME)")
        try:
            index = list(header).index(self.column)
        except ValueError:
            raise LookupError(f"{self.label} is not in the file's header") from None
        return lambda cells: cells[index] if index < len(cells) else None


def _path_getter(path: tuple[PathPart, ...]) -> Getter:
    def get(record: Any) -> Any:
        node = record
        for part in path:
            if isinstance(part, int):
                if not isinstance(node, list) or part >= len(node):
                    return None
            elif not isinstance(node, dict):
                return None
            node = node[part] if isinstance(part, int) else node.get(part)
        return node

    return get


def _path_text(path: tuple[PathPart, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
