"""One rule of a mapping: which order field a value goes to, where it comes from and how it is read.

A rule is written in the mapping file as the column's name alone (``source_id = "Name"``) or as a table
(``amount = { column = "Total", type = "money" }``); see :mod:`voucherify_async.mapping.format` for the
file and ``docs/mapping.md`` for every key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs

from voucherify_async.mapping.access import Source

__all__ = ["FIELD_TYPES", "FieldRule", "FieldType", "default_type"]

FieldType = Literal["text", "integer", "number", "money", "date", "boolean"]
FIELD_TYPES: tuple[FieldType, ...] = ("text", "integer", "number", "money", "date", "boolean")

# The fields the API types as amounts in the smallest currency unit, or as counts: a rule that names no type
# reads them so. A mapping that reads an amount as plain text would send "12.50" where cents are due.
_MONEY = frozenset({"amount", "initial_amount", "discount_amount", "price"})
_INTEGER = frozenset({"quantity", "discount_quantity", "initial_quantity"})


def default_type(target: tuple[str, ...], *, in_item: bool) -> FieldType:
    """The type of a rule that names none: money for amounts (and an item's ``price``), integer for an
    item's quantities, date for ``created_at``, text otherwise."""
    if len(target) == 1:
        name = target[0]
        if name in _MONEY and (in_item or name != "price"):
            return "money"
        if in_item and name in _INTEGER:
            return "integer"
        if not in_item and name == "created_at":
            return "date"
    return "text"


@attrs.frozen
class FieldRule:
    """How one field of an order (or of an item) is filled.

    Attributes:
        target: The field, as its path in the order (``("customer", "email")``).
        source: Where the value is read; ``None`` for a constant.
        constant: The value of a rule without a source (``value = "shopify"``).
        type: How the raw value is read.
        values: A value map (keys casefolded): the raw text is looked up in it, and a text it lacks rejects
            the order.
        values_name: The map's name in the file, for reasons (``values.financial_status``).
        default: The value used when the source is empty (a raw value, read as the rule reads any).
        required: Whether an empty source rejects the order.
        date_format: A ``strptime`` format of a date (``None``: the ISO-like forms).
    """

    target: tuple[str, ...]
    source: Source | None = None
    constant: Any = None
    type: FieldType = "text"
    values: Mapping[str, Any] | None = None
    values_name: str | None = None
    default: Any = None
    required: bool = False
    date_format: str | None = None

    @property
    def target_text(self) -> str:
        """The target as the file writes it: ``customer.email``."""
        return ".".join(self.target)
