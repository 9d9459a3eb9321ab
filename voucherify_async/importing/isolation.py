"""Find the orders that made the server refuse a batch with a 400, spending as few bulk calls as possible.

The server refuses the whole import when one order is malformed, and its ``details`` name a property path
inside an order but not which order of the array: ``Property .items[0].initial_quantity cannot be lower than
1`` (``orders.json``, POST /v1/orders/import, 400 example). Every probe the server accepts imports its orders
and spends a bulk call, and there is no validate-only call, so the batcher:

1. evaluates the named path on every order of the batch and, when it understands the rule of the details
   (a minimum, a list of allowed values, a type, a length), drops exactly the orders whose value breaks it and
   resends the rest once (one extra bulk call per refused batch);
2. only when the rule is not understood (or matches no order), splits the batch in two (keeping orders with
   the same value at the path together, so the offenders tend to end up in one half) and tries each half;
   a part of one order that is refused is rejected. When the first half is refused with the same details,
   the second half is tried before the first is split further;
3. never splits on a 400 that is no order's fault, and stops the run instead (``ImportInterruptedError``):
   details that name no property path (:func:`parse_details` gives ``None``: an account's or plan's refusal
   such as ``Order import is not available for this project``, or a gateway's page or empty body instead of
   the API's Error object), or details that both halves of a split meet alike while no part of the batch
   was imported (a rule every subset of the orders breaks). The server would answer them to any subset of
   the orders: splitting would spend a bulk call per probe and end by rejecting good orders.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from typing import Any

import orjson

__all__ = ["MISSING", "evaluate_path", "find_offenders", "parse_details", "split_positions"]

MISSING: Any = object()
"""The value of a path that an order does not have."""

_DETAILS = re.compile(r"Property (\.[^\s]*) (.+)$", re.DOTALL)
_PATH_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def parse_details(details: str) -> tuple[tuple[str | int, ...], str] | None:
    """Split ``"Property .items[0].quantity cannot be lower than 1"`` into its path parts and its rule.

    Returns:
        ``(("items", 0, "quantity"), "cannot be lower than 1")``, or ``None`` when the details do not name a
        property path (``Property .`` names the order itself and gives an empty path).
    """
    match = _DETAILS.match(details.strip())
    if match is None:
        return None
    text, rule = match.group(1), match.group(2).strip()
    if text == ".":
        return (), rule
    parts: list[str | int] = []
    position = 0
    for part in _PATH_PART.finditer(text):
        if part.start() != position:
            return None
        parts.append(part.group(1) if part.group(1) is not None else int(part.group(2)))
        position = part.end()
    if position != len(text):
        return None
    return tuple(parts), rule


def evaluate_path(order: Any, path: Sequence[str | int]) -> Any:
    """The value at ``path`` in ``order``, or :data:`MISSING`."""
    node = order
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return MISSING
        elif not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _not_iso_date(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        return True
    return False


def _allowed_values(listing: str) -> Callable[[Any], bool]:
    allowed = {item.strip() for item in listing.split(",") if item.strip()}

    def breaks(value: Any) -> bool:
        values = value if isinstance(value, list) else [value]
        return any(str(item) not in allowed for item in values)

    return breaks


_TYPE_RULES: dict[str, Callable[[Any], bool]] = {
    "must be a string": lambda v: not isinstance(v, str),
    "must be an integer": lambda v: not _is_int(v),
    "must be a number": lambda v: not _is_number(v),
    "must be an object": lambda v: not isinstance(v, dict),
    "must be a boolean": lambda v: not isinstance(v, bool),
    "must be an array": lambda v: not isinstance(v, list),
    "cannot be recognized as a ISO-8601 compliant date": _not_iso_date,
}


def _rule_breaker(rule: str) -> Callable[[Any], bool] | None:
    """A test telling whether a present value breaks the rule, for the rules the server is known to state."""
    rule = rule.rstrip(". ")
    if rule in _TYPE_RULES:
        return _TYPE_RULES[rule]
    if match := re.fullmatch(r"cannot be lower than (-?\d+(?:\.\d+)?)", rule):
        minimum = float(match.group(1))
        return lambda v: not _is_number(v) or v < minimum
    if match := re.fullmatch(r"must contain at most (\d+) elements", rule):
        most = int(match.group(1))
        return lambda v: not isinstance(v, list) or len(v) > most
    if match := re.fullmatch(r"must be one of: (.*)", rule, re.DOTALL):
        return _allowed_values(match.group(1))
    if match := re.fullmatch(r"should be equal to one of the allowed values \[(.*)\]", rule, re.DOTALL):
        return _allowed_values(match.group(1))
    return None


def find_offenders(orders: Sequence[Any], details: str) -> set[int] | None:
    """The positions of the orders that break the rule the server's ``details`` state.

    Args:
        orders: The refused batch's orders (parsed).
        details: The 400's ``details``.

    Returns:
        The positions of the offending orders, or ``None`` when the details or their rule are not understood
        or no order breaks the rule (then only splitting can find the offenders).
    """
    parsed = parse_details(details)
    if parsed is None:
        return None
    path, rule = parsed
    if rule in ("is required", "is missing", "must be present"):
        offenders = {i for i, order in enumerate(orders) if evaluate_path(order, path) in (MISSING, None)}
        return offenders or None
    breaks = _rule_breaker(rule)
    if breaks is None:
        return None
    offenders = set()
    for position, order in enumerate(orders):
        value = evaluate_path(order, path)
        if value is not MISSING and breaks(value):
            offenders.add(position)
    return offenders or None


def split_positions(orders: Sequence[Any], details: str) -> tuple[list[int], list[int]]:
    """Split a refused part in two halves for the last-resort search, keeping equal values together.

    Orders are grouped by their value at the details' path (when there is one); whole groups fill the first
    half until it holds about half of the orders, so an offending value tends to sit in one half only.

    Args:
        orders: The part's orders (at least two).
        details: The 400's ``details``.

    Returns:
        Two non-empty lists of positions, each in source order.
    """
    parsed = parse_details(details)
    groups: dict[bytes, list[int]] = {}
    for position, order in enumerate(orders):
        value = evaluate_path(order, parsed[0]) if parsed else MISSING
        key = b"\x00missing" if value is MISSING else orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        groups.setdefault(key, []).append(position)
    half = len(orders) // 2
    first: list[int] = []
    if len(groups) > 1:
        for members in sorted(groups.values(), key=len, reverse=True):
            if first and len(first) + len(members) > half + len(members) // 2:
                continue
            first.extend(members)
            if len(first) >= half:
                break
    if not first or len(first) == len(orders):
        first = list(range(half))
    chosen = set(first)
    return sorted(first), [p for p in range(len(orders)) if p not in chosen]
