"""How far the server's clock is from ours, measured on the ``Date`` header of every answer.

The API's times are on its own clock: an async action's ``created_at``, an order's ``updated_at`` and the
epoch seconds of ``X-Rate-Limit-Retry``. Our clock may be off by seconds or by hours, so every rule that
compares one of those with our own time first moves our time onto the server's clock.

Every answer carries ``Date`` (RFC 9110, whole seconds). An answer stamped ``D`` was made at a server time in
``[D, D + 1)``, somewhere between our sending the request (``sent``) and reading the answer (``received``),
so the offset (server minus ours) lies in ``[D - received, D + 1 - sent]``. Each answer gives such an
interval; their intersection narrows down to the true offset. When a new interval does not meet the others,
one of the clocks was set (an NTP step, a suspended laptop): the older intervals are dropped.
"""

from __future__ import annotations

import email.utils
import math

__all__ = ["ServerClock", "earliest_offset", "move_onto_server_clock"]

Bounds = tuple[float, float]


class ServerClock:
    """The offset between the server's clock and ours, as bounds proven by the answers' ``Date`` headers.

    Example:
        >>> server = ServerClock()
        >>> server.observe("Sun, 06 Nov 1994 08:49:37 GMT", sent=784111717.2, received=784111717.4)
        >>> server.bounds
        (-0.4, 0.8)
    """

    def __init__(self) -> None:
        self._low = -math.inf
        self._high = math.inf

    def observe(self, date: str | None, *, sent: float, received: float) -> None:
        """Narrow the bounds with one answer's ``Date`` header (ignored when absent or unreadable).

        Args:
            date: The ``Date`` header's value.
            sent: Our time (epoch seconds) when the request was sent.
            received: Our time when its answer's headers were read.
        """
        stamp = _parse_http_date(date)
        if stamp is None:
            return
        low, high = stamp - received, stamp + 1.0 - sent
        if low > self._high or high < self._low:
            self._low, self._high = low, high  # one of the clocks was set: start afresh
        else:
            self._low, self._high = max(self._low, low), min(self._high, high)

    @property
    def known(self) -> bool:
        """Whether any answer carried a readable ``Date``."""
        return math.isfinite(self._low)

    @property
    def bounds(self) -> tuple[float, float] | None:
        """The lowest and highest offset (server minus ours, seconds) the answers allow, if any was seen."""
        if not self.known:
            return None
        return round(self._low, 6), round(self._high, 6)

    @property
    def offset(self) -> float | None:
        """The best estimate of (server clock - our clock) in seconds, ``None`` before any answer.

        ``0.0`` while the answers allow the clocks to agree: the ``Date`` header's whole seconds cannot tell
        a smaller difference, and rules on agreeing clocks stay as exact as they were.
        """
        if not self.known:
            return None
        if self._low <= 0.0 <= self._high:
            return 0.0
        return (self._low + self._high) / 2

    def lower_bound(self) -> float:
        """The smallest offset the answers allow (``0.0`` before any answer); see :func:`earliest_offset`."""
        return earliest_offset(self._raw_bounds())

    def server_time(self, ours: float) -> float:
        """``ours`` (epoch seconds on our clock) moved onto the server's clock, never past the server's time.

        Unchanged while the clocks may agree; else moved by :meth:`lower_bound`, so that a wait until one of
        the server's times (a rate limit's reset) never ends early, by at most a second too late.
        """
        return move_onto_server_clock(ours, self._raw_bounds())

    def _raw_bounds(self) -> Bounds | None:
        return (self._low, self._high) if self.known else None


def earliest_offset(bounds: Bounds | None) -> float:
    """The smallest offset (server minus ours) that ``bounds`` allow, ``0.0`` when nothing is known.

    Our time moved onto the server's clock with it never lands later than the server's own time: what a
    search for something the server created after one of our requests needs.
    """
    return bounds[0] if bounds is not None else 0.0


def move_onto_server_clock(ours: float, bounds: Bounds | None) -> float:
    """``ours`` (epoch seconds on our clock) moved onto the server's clock by the offset ``bounds`` prove.

    Unchanged while the bounds allow the clocks to agree (or nothing is known); else moved by the lower
    bound, so that a wait until one of the server's times never ends early (at most a second too late).
    """
    if bounds is None or bounds[0] <= 0.0 <= bounds[1]:
        return ours
    return ours + bounds[0]


def _parse_http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        stamp = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if stamp.tzinfo is None:  # RFC 9110 dates are always GMT
        return None
    return stamp.timestamp()
