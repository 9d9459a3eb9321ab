"""Every place inside an order, and a copy of the order with one of them replaced: for the checks' tests."""

from __future__ import annotations

from copy import deepcopy
from typing import Any


def paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside ``value`` (dict keys and list indexes)."""
    found = [path] if path else []
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    )
    for key, child in children:
        found += paths(child, (*path, key))
    return found


def replaced(order: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``order`` with ``value`` at ``path``."""
    copy = deepcopy(order)
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy
