"""Dates of a shop's export, written as ISO 8601 date-times for an order's metadata.

Voucherify sets an imported order's ``created_at`` to the time of the import (DESIGN.md): an order's own
date survives only in metadata, where the docs advise keeping it in ISO 8601. Exports write dates in their
own ways: Shopify ``2023-01-05 10:11:12 -0500``, WooCommerce ``2023-01-05 10:11:12`` (the shop's time, no
offset), others ``2023-01-05T10:11:12Z``. All of these are read without being told; any other form is read
with a ``strptime`` format given in the mapping. A date without an offset is taken in the mapping's time zone
(UTC unless it says otherwise).

The result keeps the offset it was written with (``2023-01-05T10:11:12-05:00``), ``Z`` for UTC: the moment is
exact and the shop's local time stays readable.
"""

from __future__ import annotations

import datetime
import re

__all__ = ["DateError", "iso_date_time", "time_zone"]

_ISO_LIKE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?"
    r"\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?"
)


class DateError(ValueError):
    """A value that is no date of the expected form (the message says why, for a person)."""


def time_zone(name: str) -> datetime.tzinfo:
    """The time zone a mapping names: ``UTC``, a fixed offset ``+02:00`` or an IANA name (``Europe/Paris``).

    Raises:
        ValueError: For a name that is none of these.
    """
    if name.upper() in ("UTC", "Z"):
        return datetime.timezone.utc
    offset = _offset(name)
    if offset is not None:
        return offset
    import zoneinfo  # here: only a mapping naming a zone needs the time zone database

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (give UTC, an offset like +02:00, or an IANA name)"
        ) from None


def iso_date_time(text: str, *, zone: datetime.tzinfo, date_format: str | None = None) -> str:
    """Read a date of an export and write it as an ISO 8601 date-time with its offset.

    Args:
        text: The date as the export wrote it.
        zone: The time zone of a date written without an offset.
        date_format: A :func:`datetime.datetime.strptime` format; without one, the ISO-like forms of the
            module's docstring are read.

    Raises:
        DateError: The text is no date of the expected form.

    Example:
        >>> iso_date_time("2023-01-05 10:11:12 -0500", zone=datetime.timezone.utc)
        '2023-01-05T10:11:12-05:00'
    """
    value = text.strip()
    try:
        moment = _parsed(value, date_format)
    except ValueError:
        expected = f"the format {date_format!r}" if date_format else "a date like 2023-01-05 10:11:12"
        raise DateError(f"{value[:40]!r} is not {expected}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    written = moment.isoformat()
    return written[:-6] + "Z" if written.endswith("+00:00") else written


def _parsed(value: str, date_format: str | None) -> datetime.datetime:
    if date_format is not None:
        return datetime.datetime.strptime(value, date_format)
    match = _ISO_LIKE.fullmatch(value)
    if match is None:
        raise ValueError(value)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    zone = None if offset is None else _offset(offset)
    return datetime.datetime(
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        int((fraction or "0").ljust(6, "0")),
        tzinfo=zone,
    )


def _offset(text: str) -> datetime.timezone | None:
    if text.upper() in ("Z", "UTC"):
        return datetime.timezone.utc
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})?", text)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = datetime.timedelta(hours=int(hours), minutes=int(minutes or 0))
    if delta >= datetime.timedelta(hours=24):
        raise ValueError(text)
    return datetime.timezone(-delta if sign == "-" else delta)
