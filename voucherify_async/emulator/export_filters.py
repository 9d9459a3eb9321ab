"""Export filters (``ExportOrderFilters`` in ``orders.json``): which orders an export contains.

Filters map a field to conditions, e.g. ``{"status": {"conditions": {"$in": ["PAID"]}}}``, joined by
``junction`` (``and``, the default, or ``or``). A condition's operands are a list (the spec's ``Any``) or,
as in the spec's own example (``"$more_than": 100000``), one value.

Which conditions: ``FiltersCondition`` lists 25, the API's own 400 for a bad filter (``orders.json``,
POST /v1/orders/export, example "Invalid payload") names 68 it accepts, the 25 among them. The emulator
accepts all 68 (:data:`CONDITIONS`) and applies those that mean something for an order's fields:

- values: ``$in``, ``$not_in``, ``$is``, ``$is_not``, ``$has_value``, ``$is_unknown``; text: ``$contains``,
  ``$not_contain``, ``$starts_with``, ``$ends_with``; numbers: ``$more_than``, ``$less_than``,
  ``$more_than_equal``, ``$less_than_equal``; lists (a metadata array; a missing value counts 0):
  ``$count``, ``$count_less``, ``$count_more``;
- dates (``created_at``, ``updated_at``, a date in metadata), on the emulator's clock, in UTC:
  ``$after``, ``$before``; ``$is_days_ago`` / ``$is_days_in_future`` (that calendar day);
  ``$more_than_ago``, ``$less_than_ago``, ``$more_than_future``, ``$less_than_future`` (in days from now);
  ``$today``, ``$tomorrow``, ``$yesterday``, ``$this_week``... ``$last_year`` (weeks start on Monday);
  ``$is_day_of_month``, ``$is_month``, ``$is_year``, ``$is_years_ago``.

The others (:data:`NOT_APPLIED`) are accepted and narrow nothing: locations, the states of vouchers and
campaigns (``$active``, ``$redeemed``...), which orders do not have; the yearly ``*_md`` conditions, made for
birthdays; and ``$is_day``, for which the spec does not say how days are numbered.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from voucherify_async.emulator.wire import parse_iso_time

CONDITIONS = (
    "$in", "$not_in", "$in_location", "$not_in_location", "$is", "$is_days_ago", "$is_days_in_future",
    "$is_not", "$has_value", "$is_unknown", "$contains", "$not_contain", "$starts_with", "$ends_with",
    "$more_than", "$less_than", "$more_than_ago", "$less_than_ago", "$more_than_future", "$less_than_future",
    "$more_than_equal", "$less_than_equal", "$after", "$before", "$count", "$count_less", "$count_more",
    "$today", "$tomorrow", "$yesterday", "$this_week", "$last_week", "$next_week", "$this_month",
    "$last_month", "$next_month", "$this_year", "$next_year", "$last_year", "$is_day_of_month", "$is_day",
    "$is_month", "$is_year", "$today_md", "$tomorrow_md", "$yesterday_md", "$this_week_md", "$last_week_md",
    "$next_week_md", "$this_month_md", "$last_month_md", "$next_month_md", "$is_days_ago_md",
    "$is_more_days_ago_md", "$is_less_days_ago_md", "$is_days_in_future_md", "$is_more_days_in_future_md",
    "$is_less_days_in_future_md", "$is_years_ago", "$active", "$failed", "$in_progress", "$expired",
    "$before_start", "$enabled", "$disabled", "$redeemed", "$redeemable",
)  # fmt: skip
"""Every condition the API accepts, in the order of its 400 (``orders.json``, POST /v1/orders/export)."""

_DAY = 86_400.0

ValueTest = Callable[[Any, list[Any]], bool]
DateTest = Callable[[_dt.datetime, list[Any], _dt.datetime], bool]
"""A test of a date against the operands and now (both UTC)."""


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("nan")


def _moment(value: Any) -> float:
    moment = parse_iso_time(value) if isinstance(value, str) else None
    return float("nan") if moment is None else moment


def _count(value: Any) -> float:
    if value is None:
        return 0
    return len(value) if isinstance(value, list) else float("nan")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


_VALUE_TESTS: dict[str, ValueTest] = {
    "$in": lambda value, operands: value in operands,
    "$not_in": lambda value, operands: value not in operands,
    "$is": lambda value, operands: value == operands[0],
    "$is_not": lambda value, operands: value != operands[0],
    "$has_value": lambda value, _: value not in (None, ""),
    "$is_unknown": lambda value, _: value in (None, ""),
    "$contains": lambda value, operands: _text(value) is not None and str(operands[0]) in value,
    "$not_contain": lambda value, operands: _text(value) is None or str(operands[0]) not in value,
    "$starts_with": lambda value, operands: _text(value) is not None and value.startswith(str(operands[0])),
    "$ends_with": lambda value, operands: _text(value) is not None and value.endswith(str(operands[0])),
    "$more_than": lambda value, operands: _number(value) > _number(operands[0]),
    "$less_than": lambda value, operands: _number(value) < _number(operands[0]),
    "$more_than_equal": lambda value, operands: _number(value) >= _number(operands[0]),
    "$less_than_equal": lambda value, operands: _number(value) <= _number(operands[0]),
    "$after": lambda value, operands: _moment(value) > _moment(operands[0]),
    "$before": lambda value, operands: _moment(value) < _moment(operands[0]),
    "$count": lambda value, operands: _count(value) == _number(operands[0]),
    "$count_less": lambda value, operands: _count(value) < _number(operands[0]),
    "$count_more": lambda value, operands: _count(value) > _number(operands[0]),
}


def _days(operands: list[Any]) -> float:
    return _number(operands[0]) * _DAY


def _whole(operand: Any) -> int | None:
    number = _number(operand)
    return int(number) if number == number and number == int(number) else None


def _day_shift(now: _dt.datetime, operands: list[Any], sign: int) -> _dt.date | None:
    days = _whole(operands[0])
    if days is None:
        return None
    try:
        return now.date() + _dt.timedelta(days=sign * days)
    except OverflowError:  # a day before year 1 or after 9999: no order's
        return None


def _month(now: _dt.datetime, shift: int) -> tuple[int, int]:
    index = now.year * 12 + now.month - 1 + shift
    return index // 12, index % 12 + 1


def _week(day: _dt.date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week


_DATE_TESTS: dict[str, DateTest] = {
    "$is_days_ago": lambda moment, operands, now: moment.date() == _day_shift(now, operands, -1),
    "$is_days_in_future": lambda moment, operands, now: moment.date() == _day_shift(now, operands, 1),
    "$more_than_ago": lambda moment, operands, now: (now - moment).total_seconds() > _days(operands),
    "$less_than_ago": lambda moment, operands, now: 0 <= (now - moment).total_seconds() < _days(operands),
    "$more_than_future": lambda moment, operands, now: (moment - now).total_seconds() > _days(operands),
    "$less_than_future": lambda moment, operands, now: 0 <= (moment - now).total_seconds() < _days(operands),
    "$today": lambda moment, _, now: moment.date() == now.date(),
    "$tomorrow": lambda moment, _, now: moment.date() == now.date() + _dt.timedelta(days=1),
    "$yesterday": lambda moment, _, now: moment.date() == now.date() - _dt.timedelta(days=1),
    "$this_week": lambda moment, _, now: _week(moment.date()) == _week(now.date()),
    "$last_week": lambda moment, _, now: _week(moment.date()) == _week(now.date() - _dt.timedelta(days=7)),
    "$next_week": lambda moment, _, now: _week(moment.date()) == _week(now.date() + _dt.timedelta(days=7)),
    "$this_month": lambda moment, _, now: (moment.year, moment.month) == _month(now, 0),
    "$last_month": lambda moment, _, now: (moment.year, moment.month) == _month(now, -1),
    "$next_month": lambda moment, _, now: (moment.year, moment.month) == _month(now, 1),
    "$this_year": lambda moment, _, now: moment.year == now.year,
    "$last_year": lambda moment, _, now: moment.year == now.year - 1,
    "$next_year": lambda moment, _, now: moment.year == now.year + 1,
    "$is_day_of_month": lambda moment, operands, _: moment.day == _whole(operands[0]),
    "$is_month": lambda moment, operands, _: moment.month == _whole(operands[0]),
    "$is_year": lambda moment, operands, _: moment.year == _whole(operands[0]),
    "$is_years_ago": lambda moment, operands, now: now.year - moment.year == _whole(operands[0]),
}

NOT_APPLIED = frozenset(CONDITIONS) - _VALUE_TESTS.keys() - _DATE_TESTS.keys()
"""Conditions the API accepts that the emulator accepts too but does not apply (see the module's text)."""


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
        if not isinstance(conditions, dict) or any(op not in CONDITIONS for op in conditions):
            # The API's wording (orders.json, POST /v1/orders/export, 400 example).
            return (
                "Property .parameters.filters should match either "
                "`filters[${field}][conditions][${condition}][${index}]` or "
                "`filters[${field}][conditions][${condition}]` format and condition must be one of: "
                + ", ".join(CONDITIONS)
            )
    return None


def _passes(value: Any, op: str, operands: list[Any], now: _dt.datetime) -> bool:
    if op in _VALUE_TESTS:
        return _VALUE_TESTS[op](value, operands)
    moment = _moment(value)
    if moment != moment:  # not a date: no date condition holds
        return False
    return _DATE_TESTS[op](_dt.datetime.fromtimestamp(moment, tz=_dt.timezone.utc), operands, now)


def matches(order: dict[str, Any], filters: dict[str, Any], now: float) -> bool:
    """Whether ``order`` passes the export's ``filters`` (``ExportOrderFilters``) at ``now`` (epoch seconds).

    Conditions in :data:`NOT_APPLIED` count neither for nor against an order, whatever the junction.
    """
    today = _dt.datetime.fromtimestamp(now, tz=_dt.timezone.utc)
    results = []
    for field, spec in filters.items():
        if field == "junction":
            continue
        value = field_value(order, field)
        for op, operands in spec["conditions"].items():
            if op in NOT_APPLIED:
                continue
            listed = operands if isinstance(operands, list) else [operands]
            results.append(_passes(value, op, listed or [None], today))
    if not results:
        return True
    return any(results) if filters.get("junction") == "or" else all(results)
