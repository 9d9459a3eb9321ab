"""Arguments checked before a request is sent, so that a call the API would refuse spends no API call."""

from __future__ import annotations

from voucherify_async._errors import InvalidArgumentError

__all__ = ["check_range", "check_wait_timeout"]


def check_range(name: str, value: object, highest: int) -> None:
    """Refuse ``value`` unless it is ``None`` or a whole number in ``1..highest``.

    Raises:
        InvalidArgumentError: ``value`` is out of the range, or not a whole number.
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= highest:
        raise InvalidArgumentError(f"{name} must be between 1 and {highest}, got {value!r}")


def check_wait_timeout(timeout: object) -> None:
    """Refuse a ``wait`` timeout unless it is ``None`` or a number of seconds above 0.

    Raises:
        InvalidArgumentError: ``timeout`` is not a number above 0.
    """
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise InvalidArgumentError(f"timeout must be a number of seconds above 0 or None, got {timeout!r}")
