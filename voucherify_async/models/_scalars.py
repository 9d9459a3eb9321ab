"""How single values are read from and written to the wire: integers, numbers, text, dates.

Each hook reads strictly what the API promises, so a value of another kind is refused (and named by
``from_wire``) rather than changed without a word: cattrs' own hooks would read ``10.5`` as the integer 10 and
a list as the text of its Python repr.
"""

from __future__ import annotations

import re
import typing
from datetime import date, datetime, timezone
from typing import Any

__all__ = [
    "date_to_wire",
    "datetime_to_wire",
    "is_number",
    "parse_date",
    "parse_datetime",
    "structure_int",
    "structure_number",
    "structure_str",
]


_FRACTION = re.compile(r"\.(\d+)")


def parse_datetime(value: Any, _: Any = None) -> datetime:
    """Read an ISO 8601 date-time (``Z`` or an offset; any number of fraction digits)."""
    if isinstance(value, datetime):
        return value
    text = str(value)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        # Python 3.10's fromisoformat takes only 3 or 6 fraction digits; the API's are 3, others vary.
        return datetime.fromisoformat(_FRACTION.sub(lambda m: "." + m[1][:6].ljust(6, "0"), text, count=1))


def datetime_to_wire(value: datetime | str) -> str:
    """Write a date-time as the API does: UTC with milliseconds (a naive one is taken as UTC)."""
    if isinstance(value, str):
        # An ISO 8601 string put in a datetime field (say, read from a file) goes out as it is.
        return value
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(timezone.utc)
    # %-formatting is about twice as fast as isoformat(timespec=...) and gives the API's own form.
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (  # noqa: UP031
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond // 1000,
    )


def parse_date(value: Any, _: Any = None) -> date:
    """Read a date (``YYYY-MM-DD``, or the date part of a date-time)."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def date_to_wire(value: date | str) -> str:
    """Write a date as ``YYYY-MM-DD`` (a string is sent as it is)."""
    return value if isinstance(value, str) else value.isoformat()


def is_number(tp: Any) -> bool:
    """Whether ``tp`` is the spec's ``number`` (``int | float``, optional or not)."""
    # `number` in the spec (product and SKU prices): keep ints as ints so a round trip sends back what came.
    return set(typing.get_args(tp)) - {type(None)} == {int, float}


def structure_number(value: Any, _: Any) -> int | float | None:
    """Read a ``number``, keeping an int an int."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    return float(value)


def structure_int(value: Any, _: Any) -> int:
    """Read an integer; a value with a fraction is refused, not truncated."""
    # cattrs' own int hook is int(value), which would turn a price of 10.5 into 10 without a word: an amount
    # is never changed on the way in. A whole float (10.0) or a decimal string ("10") is still read.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value)
    raise ValueError(f"expected an integer, got {value!r}")


def structure_str(value: Any, _: Any) -> str:
    """Read text; a list, an object or a boolean is refused."""
    # cattrs' own str hook is str(value): a list or an object where the API promised text would be read as
    # its Python repr, without a word. A number is still read as text (an id sent as a number).
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {type(value).__name__}")
