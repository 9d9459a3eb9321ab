"""How long a request may take: :class:`Timeout`, per client and per call."""

from __future__ import annotations

from attrs import frozen

__all__ = ["Timeout"]


@frozen
class Timeout:
    """How long a request may take, in seconds (``None`` = no limit).

    The defaults stay below the API load balancer's hard cut of 3 minutes, so a slow answer surfaces as an
    :class:`~voucherify_async.APITimeoutError` of ours rather than an anonymous 5xx of the balancer.

    Attributes:
        total: The whole request, from connecting to the last byte of the answer (for downloads: the longest
            pause between two chunks).
        connect: Getting a connection (a pooled one, or a new TCP connection).

    Example:
        >>> client = vf.AsyncVoucherify(app_id="...", app_token="...", timeout=vf.Timeout(20, connect=5))
        >>> quick = client.with_options(timeout=2)  # one call's timeout: a copy sharing the session
    """

    total: float | None = 60.0
    connect: float | None = 10.0

    @classmethod
    def coerce(cls, value: Timeout | float | None) -> Timeout:
        """Turn a number into ``Timeout(total=number)``; keep a :class:`Timeout` as is."""
        if isinstance(value, Timeout):
            return value
        return cls(total=value, connect=10.0 if value is None else min(float(value), 10.0))
