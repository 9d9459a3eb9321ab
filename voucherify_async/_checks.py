"""Arguments and settings checked before a request is sent, so that a call the API would refuse, or a setting
that would misbehave later (a batch of 1.5 orders, a NaN pause), spends no API call.

Whole numbers are ``int`` and nothing else: ``True`` is an ``int`` to Python but not a count to a reader, and
a batch of 1.5 orders is never full. Other numbers (seconds, factors) are an ``int`` or a finite ``float``: a
NaN compares false with everything, so it slips through ``min``, ``max`` and every bound, and a pause of NaN
seconds polls at once, over and over; a setting that can have no limit documents ``None`` for it.

The resources' arguments, the batcher's settings and both poll policies (``voucherify_async._polling``) are
checked here. It sits beside them at the top of the package and imports nothing of the SDK but its errors, so
that any of them can be imported first (``voucherify_async`` loads its names on first use, in any order).
"""

from __future__ import annotations

import math
from typing import TypeGuard

from voucherify_async._errors import InvalidArgumentError

__all__ = [
    "check_number",
    "check_range",
    "check_wait_timeout",
    "check_whole_number",
    "is_finite_number",
    "is_whole_number",
]


def is_whole_number(value: object) -> TypeGuard[int]:
    """Whether ``value`` is an ``int`` (a ``bool`` is not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_finite_number(value: object) -> TypeGuard[float]:
    """Whether ``value`` is an ``int`` or a finite ``float`` (a ``bool``, NaN or an infinity is not)."""
    if isinstance(value, bool):
        return False
    # An int is always finite; `math.isfinite` would raise OverflowError on one too large for a float.
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def check_whole_number(name: str, value: object, lowest: int, highest: int | None = None) -> None:
    """Refuse ``value`` unless it is a whole number in ``lowest..highest`` (no upper bound when ``None``).

    Raises:
        InvalidArgumentError: ``value`` is not an ``int`` (or is a ``bool``), or it is out of the range.

    Example:
        >>> check_whole_number("batch_size", 1.5, 1, 2000)
        >>> # InvalidArgumentError: batch_size must be a whole number between 1 and 2000, got 1.5
    """
    if highest is None:
        kind, bounds = f"a whole number, {lowest} or more", f"{lowest} or more"
    else:
        kind, bounds = f"a whole number between {lowest} and {highest}", f"between {lowest} and {highest}"
    if not is_whole_number(value):
        raise InvalidArgumentError(f"{name} must be {kind}, got {value!r}")
    if value < lowest or (highest is not None and value > highest):
        raise InvalidArgumentError(f"{name} must be {bounds}, got {value!r}")


def check_number(
    name: str,
    value: object,
    *,
    at_least: float = 0.0,
    above: float | None = None,
    unit: str = "",
    none_allowed: bool = False,
) -> None:
    """Refuse ``value`` unless it is a finite number of at least ``at_least`` (or more than ``above``).

    Args:
        name: The setting, as the error names it.
        value: Its value.
        at_least: The smallest value allowed (when ``above`` is not given).
        above: The value must be more than this (instead of ``at_least``).
        unit: What the number counts (``"seconds"``), for the error.
        none_allowed: ``None`` is allowed too (the setting documents it, say as "no limit").

    Raises:
        InvalidArgumentError: ``value`` is not an ``int`` or ``float``, is a ``bool``, NaN or infinite, or is
            out of the range.

    Example:
        >>> check_number("lost_ack_margin", float("nan"), unit="seconds")
        >>> # InvalidArgumentError: lost_ack_margin must be a finite number of seconds, 0 or more, got nan
    """
    if value is None and none_allowed:
        return
    number = f"a finite number of {unit}" if unit else "a finite number"
    if above is None:
        kind, bounds = f"{number}, {at_least:g} or more", f"{at_least:g} or more"
    else:
        kind, bounds = f"{number} above {above:g}", f"above {above:g}"
    alternative = ", or None" if none_allowed else ""
    if not is_finite_number(value):
        raise InvalidArgumentError(f"{name} must be {kind}{alternative}, got {value!r}")
    if not (value > above if above is not None else value >= at_least):
        raise InvalidArgumentError(f"{name} must be {bounds}{alternative}, got {value!r}")


def check_range(name: str, value: object, highest: int) -> None:
    """Refuse ``value`` unless it is ``None`` or a whole number in ``1..highest``.

    Raises:
        InvalidArgumentError: ``value`` is out of the range, or not a whole number.
    """
    if value is not None:
        check_whole_number(name, value, 1, highest)


def check_wait_timeout(timeout: object) -> None:
    """Refuse a ``wait`` timeout unless it is ``None`` or a number of seconds above 0.

    An infinite timeout is allowed here (it waits as ``None`` does); NaN is not.

    Raises:
        InvalidArgumentError: ``timeout`` is not a number above 0.
    """
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise InvalidArgumentError(f"timeout must be a number of seconds above 0 or None, got {timeout!r}")
