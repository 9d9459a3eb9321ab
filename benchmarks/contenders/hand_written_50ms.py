"""The hand-written loop as a careful engineer tunes it: aiohttp + orjson, polling every 50 ms.

The suite's own hand-written loop polls at the suite's interval (0.1 s client-bound, 1 s with server
processing time), which leaves it up to that long idle after each import finished. A user who cares about
speed polls far more often, spending polls to notice each end within 50 ms: this is that loop, the best a
fixed-interval hand loop does on wall time, and so the one the SDK's client CPU and wall time are compared
with. It is the loop of :mod:`benchmarks.contenders.hand_written`, its interval fixed at 50 ms whatever the
suite's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from benchmarks.contenders import API_BATCH_LIMIT, ImportOutcome
from benchmarks.contenders.hand_written import import_orders as import_with_interval
from benchmarks.contenders.hand_written import time_single_calls

__all__ = ["POLL_INTERVAL", "import_orders", "time_single_calls"]

POLL_INTERVAL = 0.05
"""Seconds before each poll, from the answer of the import (or of the previous poll)."""


async def import_orders(
    base_url: str,
    app_id: str,
    app_token: str,
    orders: Iterable[dict[str, Any]],
    *,
    batch_size: int = API_BATCH_LIMIT,
    random_phase: bool = False,
    **_suite_interval: Any,
) -> ImportOutcome:
    """Import ``orders`` chunk by chunk, polling each async action every :data:`POLL_INTERVAL` seconds (the
    suite's ``poll_interval`` is not this loop's)."""
    return await import_with_interval(
        base_url,
        app_id,
        app_token,
        orders,
        poll_interval=POLL_INTERVAL,
        batch_size=batch_size,
        random_phase=random_phase,
    )
