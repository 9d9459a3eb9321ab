"""Money: decimal units into the smallest unit of the currency, exactly, or refused, never rounded."""

from __future__ import annotations

import decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucherify_async.mapping.money import EXPONENTS, MoneyError, minor_units

CURRENCIES = sorted(EXPONENTS)


def written(minor: int, exponent: int, extra_zeros: int = 0) -> str:
    """How an export writes ``minor`` smallest units in decimal units (integer arithmetic only)."""
    if exponent == 0:
        return str(minor) + ("." + "0" * extra_zeros if extra_zeros else "")
    whole, part = divmod(minor, 10**exponent)
    return f"{whole}.{part:0{exponent}d}" + "0" * extra_zeros


@given(
    currency=st.sampled_from(CURRENCIES),
    minor=st.integers(min_value=0, max_value=10**30),
    zeros=st.integers(min_value=0, max_value=3),
)
def test_every_decimal_with_up_to_the_currencys_places_converts_exactly(
    currency: str, minor: int, zeros: int
) -> None:
    assert minor_units(written(minor, EXPONENTS[currency], zeros), currency) == minor


@given(
    currency=st.sampled_from(CURRENCIES),
    minor=st.integers(min_value=0, max_value=10**20),
    places=st.integers(min_value=0, max_value=4),
)
def test_fewer_places_than_the_currency_has_convert_exactly(currency: str, minor: int, places: int) -> None:
    exponent = EXPONENTS[currency]
    places = min(places, exponent)
    text = written(minor, places)
    assert minor_units(text, currency) == minor * 10 ** (exponent - places)


@given(
    currency=st.sampled_from(CURRENCIES),
    minor=st.integers(min_value=0, max_value=10**20),
    last=st.integers(min_value=1, max_value=9),
)
def test_one_significant_place_more_than_the_currency_has_is_refused(
    currency: str, minor: int, last: int
) -> None:
    exponent = EXPONENTS[currency]
    text = written(minor * 10 + last, exponent + 1)
    with pytest.raises(MoneyError, match="not an exact amount"):
        minor_units(text, currency)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.50", "USD", 1250),
        ("0.1", "EUR", 10),
        ("1200", "JPY", 1200),
        ("1.005", "KWD", 1005),
        ("0.001", "BHD", 1),
        ("7.250", "JOD", 7250),
        ("3.5", "OMR", 3500),
        ("2.125", "TND", 2125),
        ("  9.99 ", "usd", 999),
        (".5", "GBP", 50),
        ("5.", "GBP", 500),
    ],
)
def test_known_amounts(text: str, currency: str, minor: int) -> None:
    assert minor_units(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "reason"),
    [
        ("12.345", "USD", "not an exact amount of USD \\(at most 2 decimal places\\)"),
        ("1200.5", "JPY", "not an exact amount of JPY \\(no decimal places\\)"),
        ("1.0005", "KWD", "at most 3 decimal places"),
        ("-1.00", "USD", "is negative"),
        ("$12.00", "USD", "is not an amount"),
        ("1,234.00", "USD", "is not an amount"),
        ("1e3", "USD", "is not an amount"),
        ("NaN", "USD", "is not an amount"),
        ("", "USD", "is not an amount"),
        ("10.00", "XYZ", "unknown currency 'XYZ'"),
    ],
)
def test_values_that_are_no_exact_amount_are_refused(text: str, currency: str, reason: str) -> None:
    with pytest.raises(MoneyError, match=reason):
        minor_units(text, currency)


def test_a_comma_separator_reads_european_amounts() -> None:
    assert minor_units("12,50", "EUR", decimal_separator=",") == 1250
    with pytest.raises(MoneyError, match="not an amount written with ','"):
        minor_units("1.234,50", "EUR", decimal_separator=",")


def test_a_mappings_own_exponent_is_used() -> None:
    assert minor_units("0.00000001", "XBT", exponents={"XBT": 8}) == 1


def test_decimals_and_integers_are_taken_as_they_are() -> None:
    assert minor_units(decimal.Decimal("0.30"), "USD") == 30
    assert minor_units(3, "USD") == 300
    with pytest.raises(MoneyError):
        minor_units(decimal.Decimal("Infinity"), "USD")


def test_the_iso_exponents_of_the_table() -> None:
    assert (EXPONENTS["JPY"], EXPONENTS["KRW"], EXPONENTS["USD"], EXPONENTS["EUR"]) == (0, 0, 2, 2)
    assert all(EXPONENTS[code] == 3 for code in ("KWD", "BHD", "JOD", "OMR", "TND"))
