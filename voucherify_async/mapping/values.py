"""How a rule reads a raw value: text, a whole number, a number, money, a date, a boolean, or a value map.

A raw value is a CSV cell (text) or a JSON value. A value that cannot be read raises :class:`ValueRefused`
with a reason for a person; the caller adds the row and the column.
"""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Mapping
from typing import Any

from voucherify_async.importing.fast_checks import STATUSES
from voucherify_async.mapping.dates import DateError, iso_date_time
from voucherify_async.mapping.money import MoneyError, minor_units
from voucherify_async.mapping.rules import FieldRule

__all__ = ["MoneyContext", "ValueRefused", "is_empty", "read_value"]

_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


class ValueRefused(ValueError):
    """A raw value the rule cannot read (its message is the reason)."""


class MoneyContext:
    """What money is read with: the order's currency, the exponents and the decimal separator."""

    __slots__ = ("currency", "decimal_separator", "exponents", "zone")

    def __init__(
        self,
        currency: str | None,
        exponents: Mapping[str, int],
        decimal_separator: str,
        zone: datetime.tzinfo,
    ) -> None:
        self.currency = currency
        self.exponents = exponents
        self.decimal_separator = decimal_separator
        self.zone = zone


def is_empty(raw: Any) -> bool:
    """Whether a raw value counts as absent: missing, ``null``, or text of spaces only."""
    return raw is None or (raw.__class__ is str and not raw.strip())


def read_value(rule: FieldRule, raw: Any, context: MoneyContext) -> Any:
    """Read ``raw`` (not empty) as ``rule`` says.

    Raises:
        ValueRefused: Why it cannot be read.
    """
    if rule.values is not None:
        return _mapped(rule, _text(raw))
    kind = rule.type
    if kind == "text":
        text = _text(raw)
        if rule.target == ("status",) and text not in STATUSES:
            raise ValueRefused(
                f"{text[:40]!r} is no order status ({', '.join(STATUSES)}); map the export's statuses "
                "with values = ..."
            )
        return text
    if kind == "money":
        return _money(raw, context)
    if kind == "integer":
        return _integer(raw)
    if kind == "number":
        return _number(raw)
    if kind == "date":
        try:
            return iso_date_time(_text(raw), zone=context.zone, date_format=rule.date_format)
        except DateError as error:
            raise ValueRefused(str(error)) from None
    return _boolean(raw)


def _text(raw: Any) -> str:
    if raw.__class__ is str:
        return str(raw).strip()
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        return str(raw)
    raise ValueRefused(f"expected text, got {'an object' if isinstance(raw, dict) else 'a list'}")


def _mapped(rule: FieldRule, text: str) -> Any:
    assert rule.values is not None
    try:
        return rule.values[text.casefold()]
    except KeyError:
        known = ", ".join(repr(key) for key in list(rule.values)[:8])
        more = ", ..." if len(rule.values) > 8 else ""
        raise ValueRefused(f"{text[:40]!r} is not in {rule.values_name} ({known}{more})") from None


def _money(raw: Any, context: MoneyContext) -> int:
    if context.currency is None:
        raise ValueRefused("no currency: the record names none and the mapping gives no default")
    if isinstance(raw, float):
        # A JSON number: its shortest decimal form is the text the export wrote (orjson reads it as a float).
        raw = decimal.Decimal(repr(raw))
    elif not isinstance(raw, str | int | decimal.Decimal):
        raise ValueRefused(f"expected an amount, got {'an object' if isinstance(raw, dict) else 'a list'}")
    try:
        return minor_units(
            raw, context.currency, exponents=context.exponents, decimal_separator=context.decimal_separator
        )
    except MoneyError as error:
        raise ValueRefused(str(error)) from None


def _integer(raw: Any) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    text = _text(raw)
    if not _INTEGER.fullmatch(text):
        raise ValueRefused(f"{text[:40]!r} is not a whole number")
    return int(text)


def _number(raw: Any) -> int | float:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return raw
    text = _text(raw)
    if not _NUMBER.fullmatch(text):
        raise ValueRefused(f"{text[:40]!r} is not a number")
    return int(text) if _INTEGER.fullmatch(text) else float(text)


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(raw).casefold()
    if text not in _BOOLEANS:
        raise ValueRefused(f"{text[:40]!r} is not true or false")
    return _BOOLEANS[text]
