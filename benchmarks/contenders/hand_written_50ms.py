"""The hand-written floor polling every 50 ms: what a careful user writes to notice each import's end soon.

The very loop of ``hand_written`` (aiohttp + orjson, chunk, post, poll), with its interval fixed at 0.05 s
whatever the suite asks: the best fixed-interval loop to compare the batcher's client cost with.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from benchmarks.contenders import API_BATCH_LIMIT, ImportOutcome, hand_written

POLL_INTERVAL = 0.05


async def import_orders(
    base_url: str,
    app_id: str,
    app_token: str,
    orders: Iterable[dict[str, Any]],
    *,
    batch_size: int = API_BATCH_LIMIT,
    **options: Any,
) -> ImportOutcome:
    """Import ``orders`` chunk by chunk, polling each async action every 50 ms."""
    return await hand_written.import_orders(
        base_url, app_id, app_token, orders, poll_interval=POLL_INTERVAL, batch_size=batch_size
    )
