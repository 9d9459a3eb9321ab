"""Money as the API wants it: decimal units of a currency turned into its smallest unit, exactly.

Shop exports write money in units (``"12.50"`` dollars); Voucherify's amounts are integers in the smallest
unit of the currency (``1250`` cents). The conversion goes through :class:`decimal.Decimal`, never a float:
``0.1 + 0.2`` dollars are 30 cents, not 30.000000000000004. A value with more significant decimal places
than its currency has (``"12.345"`` US dollars) is refused, never rounded: a migration that rounds silently
changes the shop's books. Trailing zeros are no such places (``"12.500"`` is 1250 cents).

The number of decimal places of a currency is its ISO 4217 exponent (:data:`EXPONENTS`): 2 for most, 0 for
the yen or the won, 3 for the Kuwaiti or Bahraini dinar. A mapping may add or change exponents (a currency
the table does not know, a shop's own unit).
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Mapping

__all__ = ["DEFAULT_EXPONENT", "EXPONENTS", "MoneyError", "minor_units"]

DEFAULT_EXPONENT = 2

# ISO 4217 minor units of the currencies whose exponent is not 2 (the table's "minor unit" column).
_NOT_TWO = {
    **dict.fromkeys(
        (
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
            "VUV", "XAF", "XOF", "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4,
    "UYW": 4,
}  # fmt: skip

_TWO_TEXT = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF "
    "CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD "
    "HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT "
    "MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR "
    "SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU "
    "UZS VED VES WST XCD YER ZAR ZMW ZWG"
)
_TWO = _TWO_TEXT.split()

EXPONENTS: Mapping[str, int] = {**dict.fromkeys(_TWO, DEFAULT_EXPONENT), **_NOT_TWO}
"""The ISO 4217 exponent (decimal places of the smallest unit) of each currency code."""

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_CONTEXT = decimal.Context(prec=200, traps=[decimal.InvalidOperation])


class MoneyError(ValueError):
    """A value that is no exact amount of its currency (the message says why, for a person)."""


def minor_units(
    value: str | int | decimal.Decimal,
    currency: str,
    *,
    exponents: Mapping[str, int] = EXPONENTS,
    decimal_separator: str = ".",
) -> int:
    """Turn decimal units of ``currency`` into its smallest unit, exactly.

    Args:
        value: The amount in units: text such as ``"12.50"`` (surrounding spaces are ignored), an ``int``
            or a :class:`~decimal.Decimal`.
        currency: The ISO 4217 code (``"USD"``), case-insensitive.
        exponents: The exponent of each currency (default :data:`EXPONENTS`).
        decimal_separator: The character between units and decimals in text (``","`` in many European
            exports); no thousands separators are read.

    Returns:
        The amount in the smallest unit: ``minor_units("12.50", "USD") == 1250``,
        ``minor_units("1200", "JPY") == 1200``, ``minor_units("1.005", "KWD") == 1005``.

    Raises:
        MoneyError: The value is no decimal number, is negative, or has more significant decimal places than
            the currency; or the currency is unknown.

    Example:
        >>> minor_units("0.30", "EUR")
        30
    """
    code = currency.strip().upper()
    exponent = exponents.get(code)
    if exponent is None:
        raise MoneyError(f"unknown currency {currency!r} (give its exponent in [money] exponents)")
    amount = _decimal(value, decimal_separator)
    if amount < 0:
        raise MoneyError(f"{_shown(value)} is negative")
    scaled = amount.scaleb(exponent, _CONTEXT)
    if scaled != scaled.to_integral_value():
        places = "no decimal places" if exponent == 0 else f"at most {exponent} decimal places"
        raise MoneyError(f"{_shown(value)} is not an exact amount of {code} ({places})")
    return int(scaled)


def _decimal(value: str | int | decimal.Decimal, separator: str) -> decimal.Decimal:
    if isinstance(value, bool):
        raise MoneyError(f"{value!r} is not an amount")
    if isinstance(value, int):
        return decimal.Decimal(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise MoneyError(f"{_shown(value)} is not an amount")
        return value
    text = value.strip()
    if separator != ".":
        if "." in text:
            raise MoneyError(f"{_shown(value)} is not an amount written with {separator!r} before decimals")
        text = text.replace(separator, ".", 1)
    if not _DECIMAL.fullmatch(text):
        raise MoneyError(f"{_shown(value)} is not an amount")
    return decimal.Decimal(text)


def _shown(value: object) -> str:
    text = str(value)
    return repr(text[:40] + ("..." if len(text) > 40 else ""))
