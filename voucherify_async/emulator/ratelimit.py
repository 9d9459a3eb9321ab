"""Rate limits with the API's headers.

Voucherify budgets general API calls per minute (or hour) and bulk calls (imports, exports) per hour, per
project. Every response then carries ``X-Rate-Limit-Limit``, ``X-Rate-Limit-Remaining``,
``X-Rate-Limit-Retry`` (epoch seconds when the window resets) and ``X-Rate-Limit-Type`` (``api_calls`` or
``bulk_api_calls``); a 429 adds ``Retry-After`` in seconds. Windows are fixed: one opens with the first call
after the previous one closed, and time comes from the emulator's time source.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RateLimits:
    """Budgets per project; ``None`` switches a budget off (both are off by default).

    Attributes:
        api_calls_per_minute: every authenticated API call counts (bulk calls too).
        bulk_calls_per_hour: POST /v1/orders/import and POST /v1/orders/export.
    """

    api_calls_per_minute: int | None = None
    bulk_calls_per_hour: int | None = None


@dataclass
class _Window:
    limit: int
    length: float
    opened: float = -math.inf
    used: int = 0

    def roll(self, now: float) -> None:
        if now >= self.opened + self.length:
            self.opened = now
            self.used = 0

    @property
    def reset_at(self) -> float:
        return self.opened + self.length


@dataclass(frozen=True)
class Verdict:
    """The outcome of counting one call: whether it may go, and the headers to send."""

    allowed: bool
    headers: dict[str, str]
    limit_type: str
    retry_after: int


@dataclass
class RateLimiter:
    """The windows of every project of one emulator."""

    limits: RateLimits
    time_source: Callable[[], float]
    _windows: dict[tuple[str, str], _Window] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        """Whether any budget is set."""
        return self.limits.api_calls_per_minute is not None or self.limits.bulk_calls_per_hour is not None

    def _window(self, project: str, limit_type: str) -> _Window | None:
        if limit_type == "api_calls":
            limit, length = self.limits.api_calls_per_minute, 60.0
        else:
            limit, length = self.limits.bulk_calls_per_hour, 3600.0
        if limit is None:
            return None
        key = (project, limit_type)
        if key not in self._windows:
            self._windows[key] = _Window(limit=limit, length=length)
        return self._windows[key]

    def count(self, project: str, *, bulk: bool) -> Verdict | None:
        """Count a call of ``project``; ``None`` when no budget is set."""
        if not self.enabled:
            return None
        now = self.time_source()
        checks = [("api_calls", self._window(project, "api_calls"))]
        if bulk:
            checks.insert(0, ("bulk_api_calls", self._window(project, "bulk_api_calls")))
        windows = [(kind, window) for kind, window in checks if window is not None]
        for _, window in windows:
            window.roll(now)
        for kind, window in windows:
            if window.used >= window.limit:
                retry_after = max(1, math.ceil(window.reset_at - now))
                headers = _headers(kind, window)
                headers["Retry-After"] = str(retry_after)
                return Verdict(False, headers, kind, retry_after)
        for _, window in windows:
            window.used += 1
        if not windows:
            return None
        kind, window = windows[0]
        return Verdict(True, _headers(kind, window), kind, 0)


def _headers(kind: str, window: _Window) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(window.limit),
        "X-Rate-Limit-Remaining": str(max(0, window.limit - window.used)),
        "X-Rate-Limit-Retry": str(math.ceil(window.reset_at)),
        "X-Rate-Limit-Type": kind,
    }
