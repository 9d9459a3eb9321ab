"""Rate-limit bookkeeping: what the ``X-Rate-Limit-*`` and ``Retry-After`` headers say.

The API reports its budget on every answer (``X-Rate-Limit-Limit``, ``X-Rate-Limit-Remaining``,
``X-Rate-Limit-Retry`` in epoch seconds, ``X-Rate-Limit-Type``), and a 429 adds ``Retry-After`` in seconds.
The transport keeps the last values it saw as a :class:`RateLimitInfo` (``client.rate_limit``).
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Mapping

from attrs import frozen

__all__ = ["RateLimitInfo", "parse_retry_after"]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@frozen
class RateLimitInfo:
    """The rate-limit budget as the last answer of the API reported it.

    Attributes:
        limit: How many calls the current window allows (``X-Rate-Limit-Limit``).
        remaining: How many calls are left in the window (``X-Rate-Limit-Remaining``).
        reset_at: Epoch seconds when the window is renewed (``X-Rate-Limit-Retry``).
        limit_type: Which budget this is: ``api_calls``, ``bulk_api_calls`` or ``api_calls_cycle``
            (``X-Rate-Limit-Type``).

    Example:
        >>> info = client.rate_limit
        >>> if info.remaining == 0 and info.reset_at:
        ...     print(f"budget exhausted until {info.reset_at}")
    """

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    limit_type: str | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitInfo | None:
        """Read the ``X-Rate-Limit-*`` headers; ``None`` when the answer carries none of them."""
        limit = _number(_header(headers, "X-Rate-Limit-Limit"))
        remaining = _number(_header(headers, "X-Rate-Limit-Remaining"))
        reset_at = _number(_header(headers, "X-Rate-Limit-Retry"))
        limit_type = _header(headers, "X-Rate-Limit-Type")
        if limit is None and remaining is None and reset_at is None and limit_type is None:
            return None
        return cls(
            limit=None if limit is None else int(limit),
            remaining=None if remaining is None else int(remaining),
            reset_at=reset_at,
            limit_type=limit_type,
        )

    def seconds_until_reset(self, now: float) -> float | None:
        """Seconds from ``now`` (epoch) until the window is renewed, or ``None`` when unknown."""
        if self.reset_at is None:
            return None
        return max(0.0, self.reset_at - now)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header (delay in seconds or an HTTP date).

    Args:
        value: The header's value, or ``None`` when absent.
        now: The current epoch time, to turn an HTTP date into a delay.

    Returns:
        The delay in seconds (never negative), or ``None`` when the header is absent or unreadable.
    """
    if value is None or not value.strip():
        return None
    seconds = _number(value.strip())
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)
