"""Dates of an export, written as ISO 8601 date-times with their offset."""

from __future__ import annotations

import datetime

import pytest

from voucherify_async.importing.fast_checks import is_date_time
from voucherify_async.mapping.dates import DateError, iso_date_time, time_zone

UTC = datetime.timezone.utc


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2023-01-05 10:11:12 -0500", "2023-01-05T10:11:12-05:00"),  # Shopify
        ("2023-01-05 10:11:12 +0000", "2023-01-05T10:11:12Z"),
        ("2023-01-05 10:11:12", "2023-01-05T10:11:12Z"),  # WooCommerce, in the mapping's zone
        ("2023-01-05T10:11:12.5+05:30", "2023-01-05T10:11:12.500000+05:30"),
        ("2023-01-05T10:11:12Z", "2023-01-05T10:11:12Z"),
        ("2023-01-05", "2023-01-05T00:00:00Z"),
        ("2023-01-05 10:11", "2023-01-05T10:11:00Z"),
    ],
)
def test_export_dates_are_read(text: str, iso: str) -> None:
    written = iso_date_time(text, zone=UTC)
    assert written == iso
    assert is_date_time(written)


def test_a_date_without_offset_takes_the_mappings_zone() -> None:
    assert (
        iso_date_time("2023-07-01 12:00:00", zone=time_zone("Europe/Berlin")) == "2023-07-01T12:00:00+02:00"
    )
    assert iso_date_time("2023-01-01 12:00:00", zone=time_zone("+01:30")) == "2023-01-01T12:00:00+01:30"


def test_a_format_reads_other_forms() -> None:
    assert (
        iso_date_time("9/6/2016 6:29:00", zone=UTC, date_format="%m/%d/%Y %H:%M:%S") == "2016-09-06T06:29:00Z"
    )


@pytest.mark.parametrize(
    "text", ["05/01/2023", "2023-13-01 00:00:00", "yesterday", "2023-01-05 10:11:12 +2500"]
)
def test_other_text_is_refused(text: str) -> None:
    with pytest.raises(DateError, match="is not a date like"):
        iso_date_time(text, zone=UTC)


def test_unknown_zones_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        time_zone("Mars/Olympus")
