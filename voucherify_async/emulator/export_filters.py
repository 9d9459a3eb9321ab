"""Export filters (``ExportOrderFilters`` in ``orders.json``): which orders an export contains.

Filters map a field to conditions, e.g. ``{"status": {"conditions": {"$in": ["PAID"]}}}``, joined by
``junction`` (``and``, the default, or ``or``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voucherify_async.emulator.wire import parse_iso_time

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "$in": lambda value, operands: value in operands,
    "$not_in": lambda value, operands: value not in operands,
    "$is": lambda value, operands: value == operands[0],
    "$is_not": lambda value, operands: value != operands[0],
    "$has_value": lambda value, _: value not in (None, ""),
    "$is_unknown": lambda value, _: value in (None, ""),
    "$contains": lambda value, operands: isinstance(value, str) and str(operands[0]) in value,
    "$starts_with": lambda value, operands: isinstance(value, str) and value.startswith(str(operands[0])),
    "$ends_with": lambda value, operands: isinstance(value, str) and value.endswith(str(operands[0])),
    "$more_than": lambda value, operands: _number(value) > _number(operands[0]),
    "$less_than": lambda value, operands: _number(value) < _number(operands[0]),
    "$more_than_equal": lambda value, operands: _number(value) >= _number(operands[0]),
    "$less_than_equal": lambda value, operands: _number(value) <= _number(operands[0]),
    "$after": lambda value, operands: _moment(value) > _moment(operands[0]),
    "$before": lambda value, operands: _moment(value) < _moment(operands[0]),
}
"""The filter conditions the emulator evaluates (the API knows more; others are answered 400)."""


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("nan")


def _moment(value: Any) -> float:
    moment = parse_iso_time(value) if isinstance(value, str) else None
    return float("nan") if moment is None else moment


def field_value(order: dict[str, Any], field: str) -> Any:
    """The value of an export field (``metadata.<key>`` reads the order's metadata)."""
    if field.startswith("metadata."):
        return order.get("metadata", {}).get(field.split(".", 1)[1])
    return order.get(field)


def filter_problem(filters: Any) -> str | None:
    """The ``details`` of the 400 for malformed ``filters``, or ``None``."""
    if not isinstance(filters, dict):
        return "Property .parameters.filters must be an object"
    if filters.get("junction", "and") not in ("and", "or"):
        allowed = "[ and, or ]"
        return f"Property .parameters.filters.junction should be equal to one of the allowed values {allowed}"
    for field, spec in filters.items():
        if field == "junction":
            continue
        conditions = spec.get("conditions") if isinstance(spec, dict) else None
        if not isinstance(conditions, dict) or any(op not in _COMPARISONS for op in conditions):
            # The API's wording (orders.json, POST /v1/orders/export, 400 example), shortened.
            return (
                "Property .parameters.filters should match either "
                "`filters[${field}][conditions][${condition}][${index}]` or "
                "`filters[${field}][conditions][${condition}]` format and condition must be one of: "
                + ", ".join(_COMPARISONS)
            )
    return None


def matches(order: dict[str, Any], filters: dict[str, Any]) -> bool:
    """Whether ``order`` passes the export's ``filters`` (``ExportOrderFilters``)."""
    results = []
    for field, spec in filters.items():
        if field == "junction":
            continue
        value = field_value(order, field)
        for op, operands in spec["conditions"].items():
            listed = operands if isinstance(operands, list) else [operands]
            results.append(_COMPARISONS[op](value, listed or [None]))
    if not results:
        return True
    return any(results) if filters.get("junction") == "or" else all(results)
