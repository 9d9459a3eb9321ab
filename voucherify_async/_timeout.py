"""How long a request may take: :class:`Timeout`, per client and per call."""

from __future__ import annotations

import math
from typing import Any

from attrs import Attribute, field, frozen

from voucherify_async._errors import InvalidArgumentError

__all__ = ["Timeout"]


def _positive_or_none(_: object, attribute: Attribute[Any], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or math.isnan(value):
        raise InvalidArgumentError(
            f"Timeout.{attribute.name} must be a number of seconds above 0 or None, got {value!r}"
        )


@frozen
class Timeout:
    """How long a request may take, in seconds (``None`` = no limit).

    Wherever the SDK takes a timeout (the client, ``with_options``, a resource method's ``timeout=``), a plain
    number means ``Timeout(total=number)`` and ``None`` means "the default here" (the client's own, for a
    call), never "no limit": pass ``Timeout(total=None)`` for that.

    The defaults stay below the API load balancer's hard cut of 3 minutes, so a slow answer surfaces as an
    :class:`~voucherify_async.APITimeoutError` of ours rather than an anonymous 5xx of the balancer.

    Attributes:
        total: The whole request, from connecting to the last byte of the answer (for downloads: the longest
            pause between two chunks).
        connect: Getting a connection (a pooled one, or a new TCP connection).

    Raises:
        InvalidArgumentError: a limit is not a number above 0 (nor ``None``).

    Example:
        >>> client = vf.AsyncVoucherify(app_id="...", app_token="...", timeout=vf.Timeout(20, connect=5))
        >>> order = await client.orders.get("o-1", timeout=2)  # this call only
        >>> quick = client.with_options(timeout=2)  # a copy sharing the session, for many calls
    """

    total: float | None = field(default=60.0, validator=_positive_or_none)
    connect: float | None = field(default=10.0, validator=_positive_or_none)

    @classmethod
    def coerce(cls, value: Timeout | float | None) -> Timeout:
        """Turn a number into a :class:`Timeout` of that ``total``; keep a :class:`Timeout` as is.

        A number also bounds ``connect`` (to at most 10 s); ``None`` means no total limit.

        Raises:
            InvalidArgumentError: ``value`` is neither a :class:`Timeout`, a number above 0, nor ``None``.
        """
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(total=None, connect=10.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidArgumentError(
                f"timeout must be seconds (a number), a vf.Timeout or None, got {type(value).__name__}"
            )
        return cls(total=value, connect=min(float(value), 10.0) if value > 0 else 10.0)
