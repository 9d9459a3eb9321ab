"""Generated historical orders for the demo: a small shop's years of sales, with a few broken records.

The orders look like an export from another shop system: a few thousand returning customers, a catalogue of
products, one to five items per order, mostly fulfilled orders, dates spread over several years in order, and
the sales channel in metadata. A handful are deliberately broken the ways real exports are, so the demo shows
all three fates of an order: imported, rejected before sending, failed on the server.

Everything is drawn from one seeded :class:`random.Random`: the same seed gives the same orders.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

FIRST_NAMES = (
    "Anna", "Ben", "Chloe", "Daniel", "Emma", "Felix", "Greta", "Hugo", "Ines", "Jakub", "Klara", "Luca",
    "Maja", "Noah", "Olga", "Pablo", "Rosa", "Sami", "Tess", "Viktor", "Wanda", "Yusuf", "Zofia", "Marek",
)  # fmt: skip
LAST_NAMES = (
    "Nowak", "Müller", "Rossi", "Dubois", "García", "Jensen", "Kowalski", "Novák", "Silva", "Virtanen",
    "Schmidt", "Bianchi", "Martin", "López", "Horvat", "Larsen", "Meyer", "Ferrari", "Moreau", "Wiśniewski",
)  # fmt: skip
CITIES = (
    ("Warsaw", "PL"), ("Berlin", "DE"), ("Milan", "IT"), ("Lyon", "FR"), ("Madrid", "ES"), ("Aarhus", "DK"),
    ("Prague", "CZ"), ("Porto", "PT"), ("Helsinki", "FI"), ("Vienna", "AT"),
)  # fmt: skip
PRODUCTS = (
    ("Espresso beans 1 kg", 2490), ("Filter coffee 500 g", 1190), ("Green tea 100 g", 890),
    ("Ceramic mug", 1450), ("Pour-over kettle", 5900), ("Hand grinder", 7400), ("Paper filters x100", 490),
    ("Travel tumbler", 2290), ("Milk frother", 3990), ("Cold brew jug", 3290), ("Tea infuser", 790),
    ("Espresso machine", 42900), ("Descaler", 990), ("Gift card 50", 5000), ("Barista apron", 2790),
    ("Chai spice mix", 1290), ("Cocoa 250 g", 990), ("Glass teapot", 3490), ("Scale 0.1 g", 2990),
    ("Coffee subscription month", 3900),
)  # fmt: skip
STATUSES = ("FULFILLED", "PAID", "CANCELED", "CREATED")
STATUS_WEIGHTS = (70, 15, 10, 5)
CHANNELS = ("web", "store", "phone", "marketplace")

HISTORY_START = datetime(2019, 1, 1, tzinfo=timezone.utc)
HISTORY_END = datetime(2024, 12, 31, tzinfo=timezone.utc)

DEFECTS = ("zero_quantity", "negative_amount", "unknown_status", "missing_customer", "unknown_channel")
"""How the broken orders are broken. The first three break a documented rule (quantity >= 1, integer
non-negative amounts, the status enum) and are rejected before sending; ``missing_customer`` refers to a
customer id that does not exist, which only the server can tell: it fails inside the import action;
``unknown_channel`` breaks the demo project's metadata schema (:data:`CHANNEL_SCHEMA`), a rule only the
server knows: the server refuses the whole batch with a 400, and the batcher isolates the order."""

CHANNEL_SCHEMA = {"channel": CHANNELS}
"""The demo project's metadata schema: the allowed sales channels."""


@attrs.frozen
class DemoDataset:
    """What the generator was asked for, and which orders it broke on purpose.

    Attributes:
        count: How many orders it yields.
        seed: The seed of its random numbers.
        defects: ``source_id`` -> defect kind (one of :data:`DEFECTS`) for each order broken on purpose.
    """

    count: int
    seed: int
    defects: dict[str, str]


def plan_dataset(count: int, *, seed: int, defect_every: int = 1_000) -> DemoDataset:
    """Decide which orders to break: about one in ``defect_every``, cycling through :data:`DEFECTS`.

    Example:
        >>> plan_dataset(3000, seed=1).defects  # doctest: +SKIP
        {'hist-000517': 'zero_quantity', 'hist-001834': 'negative_amount', 'hist-002291': 'unknown_status'}
    """
    rng = random.Random(f"{seed}-defects")
    defects: dict[str, str] = {}
    for number, start in enumerate(range(0, count, defect_every)):
        index = start + rng.randrange(min(defect_every, count - start))
        defects[order_source_id(index)] = DEFECTS[number % len(DEFECTS)]
    return DemoDataset(count=count, seed=seed, defects=defects)


def order_source_id(index: int) -> str:
    """The ``source_id`` of the ``index``-th generated order (from 0)."""
    return f"hist-{index:06d}"


def generate_orders(dataset: DemoDataset) -> Iterator[dict[str, Any]]:
    """Yield the dataset's orders, oldest first, as the plain mappings a shop export would hold."""
    rng = random.Random(dataset.seed)
    customers = [_customer(rng, number) for number in range(max(1, dataset.count // 8))]
    span = (HISTORY_END - HISTORY_START).total_seconds()
    for index in range(dataset.count):
        # Dates grow with the index, with jitter, like a shop's history read in order.
        offset = span * (index + rng.random()) / dataset.count
        created_at = HISTORY_START + timedelta(seconds=round(offset))
        order = _order(rng, order_source_id(index), rng.choice(customers), created_at)
        defect = dataset.defects.get(order["source_id"])
        if defect is not None:
            _break(order, defect)
        yield order


def _customer(rng: random.Random, number: int) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    city, country = rng.choice(CITIES)
    email_name = f"{first}.{last}".lower().encode("ascii", "ignore").decode()
    return {
        "source_id": f"cust-{number:05d}",
        "name": f"{first} {last}",
        "email": f"{email_name}.{number}@example.com",
        "address": {"city": city, "country": country},
    }


def _order(
    rng: random.Random, source_id: str, customer: dict[str, Any], created_at: datetime
) -> dict[str, Any]:
    items = []
    for product_number in rng.sample(range(len(PRODUCTS)), k=rng.choice((1, 1, 1, 2, 2, 3, 4, 5))):
        name, price = PRODUCTS[product_number]
        quantity = rng.choice((1, 1, 1, 1, 2, 2, 3))
        items.append(
            {
                "source_id": f"prod-{product_number:03d}",
                "related_object": "product",
                "product": {"name": name},
                "quantity": quantity,
                "price": price,
                "amount": price * quantity,
            }
        )
    return {
        "source_id": source_id,
        "status": rng.choices(STATUSES, weights=STATUS_WEIGHTS)[0],
        "amount": sum(item["amount"] for item in items),
        "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "customer": dict(customer),
        "items": items,
        "metadata": {"channel": rng.choice(CHANNELS)},
    }


def _break(order: dict[str, Any], defect: str) -> None:
    if defect == "zero_quantity":
        order["items"][0]["quantity"] = 0
    elif defect == "negative_amount":
        order["amount"] = -order["amount"]
    elif defect == "unknown_status":
        order["status"] = "SHIPPED"
    elif defect == "missing_customer":
        order["customer"] = {"id": "cust_0000000000000deleted"}
    elif defect == "unknown_channel":
        order["metadata"]["channel"] = "fax"
    else:
        raise ValueError(f"unknown defect: {defect}")
