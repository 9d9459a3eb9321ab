"""The clients under test, each driven the way its users would drive it.

- ``voucherify_async``: voucherify-async's ``ImportBatcher`` (and ``client.orders`` for single calls);
- ``official``: the official, synchronous ``voucherify`` package from PyPI: chunk by hand, ``import_orders``,
  poll ``get_async_action`` at a fixed interval;
- ``hand_written``: aiohttp + orjson, the floor a careful engineer writes without an SDK: chunk, post, poll
  at a fixed interval;
- ``hand_written_50ms``: the same loop polling every 50 ms, whatever the suite's interval (the throughput
  suites run it beside the others: the best a fixed-interval hand loop does).

Every contender returns an :class:`ImportOutcome` so the harness compares them the same way.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

CONTENDERS = ("voucherify_async", "official", "hand_written")
THROUGHPUT_CONTENDERS = (*CONTENDERS, "hand_written_50ms")
"""The contenders of the throughput suites (``client_bound``, ``realistic``)."""
HAND_WRITTEN = ("hand_written", "hand_written_50ms")
"""The hand-written loops (driven alike: a fixed polling interval, optionally at a random phase)."""
VARIANTS = {"official_1s": ("official", 1.0)}
"""Extra client-bound runs: name -> (contender module, its fixed polling interval). ``official_1s`` is the
official SDK polled every second, the interval the polling comparison of issue 7 takes as its reference."""
FINISHED = ("DONE", "FAILED")
API_BATCH_LIMIT = 2000  # POST /v1/orders/import takes at most 2000 orders (DESIGN.md, API facts)


@dataclass
class ImportOutcome:
    """What one import run did, as seen from the client."""

    orders: int = 0
    wall_seconds: float = 0.0
    action_ids: list[str] = field(default_factory=list)
    polls: dict[str, int] = field(default_factory=dict)
    """GET /v1/async-actions/{id} calls per action, up to the one that saw it finished."""
    noticed_at: dict[str, float] = field(default_factory=dict)
    """Epoch seconds at which the client received the answer saying the action was DONE or FAILED."""
    imported: int | None = None
    submit_seconds: float = 0.0
    """Time spent in ``POST /v1/orders/import`` calls, from sending to the answer."""
    calls: dict[str, int] = field(default_factory=dict)
    """Requests sent per route (``GET /v1/async-actions/{id}``), retries included; only voucherify-async
    counts them."""

    def as_dict(self) -> dict[str, Any]:
        """The outcome as plain JSON-ready data."""
        return {
            "orders": self.orders,
            "wall_seconds": self.wall_seconds,
            "action_ids": self.action_ids,
            "polls": self.polls,
            "noticed_at": self.noticed_at,
            "imported": self.imported,
            "submit_seconds": self.submit_seconds,
            "calls": self.calls,
        }


def chunked(orders: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Cut a stream of orders into lists of at most ``size`` (chunking by hand, as SDK-less users must)."""
    iterator = iter(orders)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
