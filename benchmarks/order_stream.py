"""The orders every contender imports: generated deterministically, or read back from a JSON Lines file.

Every contender gets the same orders (same seed, same count), so differences in the results come from the
clients, not from the data. An order looks like a historical order of a small shop: a customer, one to three
items whose amounts add up to the order's amount, and the real creation date kept in metadata (Voucherify
stamps imported orders with the import time, so its docs advise keeping the original date in metadata).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

DEFAULT_SEED = 7
_EPOCH = datetime(2019, 1, 1, tzinfo=timezone.utc)
_STATUSES = ("PAID", "PAID", "PAID", "FULFILLED", "CANCELED")


def generate_orders(count: int, seed: int = DEFAULT_SEED) -> Iterator[dict[str, Any]]:
    """Yield ``count`` orders, one at a time (a generator: nothing is kept in memory).

    Args:
        count: how many orders to yield.
        seed: the random seed; the same seed and count always give the same orders.
    """
    rng = random.Random(seed)
    for index in range(count):
        items = []
        for _ in range(rng.randint(1, 3)):
            quantity = rng.randint(1, 4)
            price = rng.randrange(199, 25_000, 100)
            items.append(
                {
                    "source_id": f"sku-{rng.randint(1, 500):04d}",
                    "related_object": "sku",
                    "quantity": quantity,
                    "price": price,
                    "amount": quantity * price,
                }
            )
        created = _EPOCH + timedelta(seconds=rng.randint(0, 5 * 365 * 86_400))
        yield {
            "source_id": f"bench-{seed}-{index:08d}",
            "status": rng.choice(_STATUSES),
            "amount": sum(item["amount"] for item in items),
            "items": items,
            "customer": {"source_id": f"customer-{rng.randint(1, 50_000):06d}"},
            "metadata": {"original_created_at": created.isoformat().replace("+00:00", "Z")},
        }


def write_jsonl(path: Path, count: int, seed: int = DEFAULT_SEED) -> Path:
    """Write ``count`` generated orders to ``path`` as JSON Lines (one order per line) and return the path."""
    with path.open("wb") as file:
        for order in generate_orders(count, seed):
            file.write(orjson.dumps(order))
            file.write(b"\n")
    return path


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the orders of a JSON Lines file one at a time, the way a streaming reader must."""
    with path.open("rb") as file:
        for line in file:
            if line.strip():
                yield orjson.loads(line)
