"""Summaries the results are reported with: median with min and max, and ratios taken pair by pair."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """The median of some measurements with their range."""

    median: float
    low: float
    high: float
    count: int

    def format(self, digits: int = 2, scale: float = 1.0) -> str:
        """``median (min..max)``, each value multiplied by ``scale``."""
        if self.count == 0:
            return "n/a"
        median, low, high = (round(v * scale, digits) for v in (self.median, self.low, self.high))
        if self.count == 1:
            return f"{median:,.{digits}f}"
        return f"{median:,.{digits}f} ({low:,.{digits}f}..{high:,.{digits}f})"


def summarise(values: Sequence[float]) -> Summary:
    """Median, min and max of ``values`` (``count`` 0 when there are none)."""
    if not values:
        return Summary(float("nan"), float("nan"), float("nan"), 0)
    return Summary(statistics.median(values), min(values), max(values), len(values))


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> Summary:
    """Summarise ``a[i] / b[i]`` for runs paired by their round: noise shared by a round cancels out."""
    return summarise([a / b for a, b in zip(numerators, denominators, strict=False) if b])
