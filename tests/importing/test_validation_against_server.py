"""The local validation catches every order the server would refuse: no bulk call goes to a foreseeable 400.

Seeded random damage to valid orders, checked against the emulator's own validation (an independent
implementation written from the spec and the server's documented behaviour).
"""

from __future__ import annotations

import copy
import random
from typing import Any

from voucherify_async.emulator.validation import validate_order as server_refuses
from voucherify_async.importing.report import OrderFailure
from voucherify_async.importing.validation import OrderRules, validate_order

ODD_VALUES: list[Any] = [None, -1, 0, 1, 2.5, True, "", "x", "2021-12-22T10:13:06Z", {}, [], {"a": 1}, [1]]


def _valid_order(n: int) -> dict[str, Any]:
    return {
        "source_id": f"o-{n}",
        "id": f"ord_{n}",
        "status": "PAID",
        "amount": 2000,
        "initial_amount": 2000,
        "discount_amount": 0,
        "created_at": "2021-12-22T10:13:06.487Z",
        "customer_id": "cust_1",
        "customer": {
            "source_id": "c-1",
            "name": "Ann",
            "email": "ann@example.com",
            "address": {"city": "Oslo", "country": "NO"},
            "metadata": {"tier": "gold"},
        },
        "referrer": {"source_id": "r-1"},
        "items": [
            {
                "source_id": "sku-1",
                "related_object": "sku",
                "quantity": 2,
                "initial_quantity": 2,
                "discount_quantity": 0,
                "price": 1000,
                "amount": 2000,
                "product": {"source_id": "p-1", "name": "Tea", "price": 1000, "override": True},
                "sku": {"source_id": "sku-1", "sku": "Green", "price": 1000, "metadata": {}},
                "metadata": {"gift": False},
            }
        ],
        "metadata": {"channel": "web"},
    }


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _damaged(rng: random.Random, n: int) -> dict[str, Any]:
    order = _valid_order(n)
    for _ in range(rng.randint(1, 2)):
        path = rng.choice(_paths(order))
        parent = order
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
    return order


def test_the_valid_order_is_valid_on_both_sides() -> None:
    assert server_refuses(_valid_order(1)) is None
    assert isinstance(validate_order(_valid_order(1), 1, OrderRules()), dict)


def test_every_order_the_server_refuses_is_rejected_locally() -> None:
    rng = random.Random(5)
    missed = []
    for n in range(3000):
        order = _damaged(rng, n)
        details = server_refuses(order)
        if details is not None and not isinstance(validate_order(order, n, OrderRules()), OrderFailure):
            missed.append((details, order))
    assert missed[:3] == []


def test_nothing_the_server_accepts_is_rejected_locally_but_an_empty_source_id() -> None:
    rng = random.Random(7)
    refused = []
    for n in range(3000):
        order = _damaged(rng, n)
        outcome = validate_order(order, n, OrderRules())
        if server_refuses(order) is None and isinstance(outcome, OrderFailure):
            refused.append(outcome.reason)
    assert [reason for reason in refused if "source_id" not in reason] == []
