"""The one clock that every wait in the SDK goes through.

Nothing in the SDK calls ``time.time``, ``time.monotonic`` or ``anyio.sleep`` directly: the transport's
backoff, rate-limit waits, polling schedules and the batcher's pacing all ask a :class:`Clock`. Tests swap in
a :class:`ManualClock`, whose sleeps return at once and move its time forward, so an hour-long
``Retry-After`` is exercised in milliseconds.
"""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable

import anyio


@runtime_checkable
class Clock(Protocol):
    """What the SDK needs to know about time."""

    def time(self) -> float:
        """Wall-clock time in seconds since the epoch (``X-Rate-Limit-Retry`` is an epoch time)."""
        ...

    def monotonic(self) -> float:
        """A clock that never goes back, for measuring elapsed time and deadlines."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (cancellable like any anyio checkpoint)."""
        ...


class SystemClock:
    """The real clock: the operating system's time and ``anyio.sleep``."""

    def time(self) -> float:
        """Return ``time.time()``."""
        return time.time()

    def monotonic(self) -> float:
        """Return ``time.monotonic()``."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep with ``anyio.sleep`` (a checkpoint even for zero seconds)."""
        await anyio.sleep(max(0.0, seconds))

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock for tests: ``sleep`` returns at once and advances the clock by the time asked for.

    Each sleep is still an anyio checkpoint, so cancellation and other tasks behave as with real time.

    Example:
        >>> clock = ManualClock(start=1_700_000_000.0)
        >>> # await clock.sleep(3600) returns at once; clock.time() is then one hour later
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._offset = 0.0
        self._start = start
        self.sleeps: list[float] = []
        """Every sleep asked for, in order (what tests assert on)."""

    def time(self) -> float:
        """The fake wall-clock time."""
        return self._start + self._offset

    def monotonic(self) -> float:
        """The fake monotonic time (starts at zero)."""
        return self._offset

    def advance(self, seconds: float) -> None:
        """Move time forward without sleeping."""
        self._offset += max(0.0, seconds)

    async def sleep(self, seconds: float) -> None:
        """Record the sleep, advance time, and yield to the event loop once."""
        seconds = max(0.0, seconds)
        self.sleeps.append(seconds)
        self._offset += seconds
        await anyio.lowlevel.checkpoint()

    def __repr__(self) -> str:
        return f"ManualClock(time={self.time():.3f})"


DEFAULT_CLOCK: Clock = SystemClock()
"""The clock used wherever none is passed in."""
