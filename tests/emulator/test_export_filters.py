"""Export filters: every condition the spec lists is accepted; those with a meaning for orders apply."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tests.emulator.conftest import Api, order
from tests.spec_schemas import SCHEMA_FILE
from voucherify_async.emulator.export_filters import CONDITIONS, NOT_APPLIED, matches

NOW = dt.datetime(2024, 5, 15, 12, 0, tzinfo=dt.timezone.utc)
"""A Wednesday."""


def _spec_conditions() -> list[str]:
    schemas = json.loads(SCHEMA_FILE.read_text())["components"]["schemas"]
    return list(schemas["FiltersCondition"]["properties"])


def _at(days: float = 0.0, **delta: float) -> str:
    moment = NOW + dt.timedelta(days=days, **delta)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _passes(value: Any, condition: str, operands: Any = None, field: str = "created_at") -> bool:
    record = {"metadata": {"tags": value}} if field.startswith("metadata.") else {field: value}
    filters = {field: {"conditions": {condition: operands}}}
    return matches(record, filters, NOW.timestamp())


def test_the_emulator_knows_every_condition_of_the_spec_schema() -> None:
    assert set(_spec_conditions()) <= set(CONDITIONS)


def test_every_condition_of_the_spec_schema_is_applied() -> None:
    assert not set(_spec_conditions()) & NOT_APPLIED


@pytest.mark.anyio
async def test_every_condition_the_api_lists_is_accepted(api: Api) -> None:
    refused = []
    for condition in CONDITIONS:
        filters = {"status": {"conditions": {condition: ["PAID"]}}}
        status, _, _ = await api.call("POST", "/v1/orders/export", json={"parameters": {"filters": filters}})
        if status != 200:
            refused.append(condition)
    assert refused == []


@pytest.mark.anyio
@pytest.mark.parametrize("days", [10**12, -(10**12), 1e300, 2.5, "3"])
async def test_odd_day_counts_are_answered_not_a_500(api: Api, days: object) -> None:
    await api.call("POST", "/v1/orders", json=order("o-1"))
    filters = {"created_at": {"conditions": {"$is_days_ago": [days], "$less_than_future": [days]}}}
    parameters = {"fields": ["source_id"], "filters": filters}
    status, export, _ = await api.call("POST", "/v1/orders/export", json={"parameters": parameters})
    assert status == 200, export


@pytest.mark.anyio
async def test_an_unknown_condition_is_the_api_400_naming_every_condition(api: Api) -> None:
    filters = {"status": {"conditions": {"$resembles": ["PAID"]}}}
    status, error, _ = await api.call("POST", "/v1/orders/export", json={"parameters": {"filters": filters}})
    assert (status, error["key"]) == (400, "invalid_payload")
    assert error["details"].endswith("condition must be one of: " + ", ".join(CONDITIONS))


@pytest.mark.anyio
async def test_not_contain_keeps_the_orders_without_the_text(api: Api) -> None:
    for source_id in ("web-1", "shop-2", "web-3"):
        await api.call("POST", "/v1/orders", json=order(source_id))
    filters = {"source_id": {"conditions": {"$not_contain": ["web"]}}}
    parameters = {"fields": ["source_id"], "filters": filters}
    _, export, _ = await api.call("POST", "/v1/orders/export", json={"parameters": parameters})
    _, fetched, _ = await api.call("GET", f"/v1/exports/{export['id']}")
    async with api.session.get(fetched["result"]["url"]) as response:
        assert (await response.text()).splitlines() == ["Source ID", "shop-2"]


@pytest.mark.parametrize(
    ("value", "operands", "expected"),
    [("web-1", ["web"], False), ("shop-2", ["web"], True), (None, ["web"], True), ("shop", "web", True)],
)
def test_not_contain(value: Any, operands: Any, expected: bool) -> None:
    assert _passes(value, "$not_contain", operands, field="source_id") is expected


@pytest.mark.parametrize(
    ("moment", "days", "expected"),
    [
        (_at(-3), [3], True),
        (_at(-3, hours=-11), [3], True),  # the same calendar day, earlier
        (_at(-2), [3], False),
        (_at(-4), [3], False),
        (_at(-3), 3, True),  # one operand, not a list
        ("not a date", [3], False),
    ],
)
def test_is_days_ago_is_that_calendar_day(moment: str, days: Any, expected: bool) -> None:
    assert _passes(moment, "$is_days_ago", days) is expected


@pytest.mark.parametrize(
    ("tags", "operand", "expected"),
    [(["a", "b", "c"], [2], True), (["a", "b"], [2], False), (None, [0], False), ("a,b,c", [1], False)],
)
def test_count_more_counts_a_list(tags: Any, operand: Any, expected: bool) -> None:
    assert _passes(tags, "$count_more", operand, field="metadata.tags") is expected


@pytest.mark.parametrize(
    ("condition", "tags", "operand", "expected"),
    [
        ("$count", ["a", "b"], [2], True),
        ("$count", None, [0], True),
        ("$count_less", ["a"], [2], True),
        ("$count_less", ["a", "b"], [2], False),
    ],
)
def test_count_and_count_less(condition: str, tags: Any, operand: Any, expected: bool) -> None:
    assert _passes(tags, condition, operand, field="metadata.tags") is expected


@pytest.mark.parametrize(
    ("condition", "moment", "expected"),
    [
        ("$is_days_in_future", _at(2), True),
        ("$is_days_in_future", _at(1), False),
        ("$more_than_ago", _at(-2, hours=-1), True),
        ("$more_than_ago", _at(-1), False),
        ("$less_than_ago", _at(-1), True),
        ("$less_than_ago", _at(-3), False),
        ("$less_than_ago", _at(1), False),  # in the future: not "ago" at all
        ("$more_than_future", _at(3), True),
        ("$more_than_future", _at(1), False),
        ("$less_than_future", _at(1), True),
        ("$less_than_future", _at(-1), False),
    ],
)
def test_days_from_now(condition: str, moment: str, expected: bool) -> None:
    assert _passes(moment, condition, [2]) is expected


@pytest.mark.parametrize(
    ("condition", "moment", "expected"),
    [
        ("$today", _at(hours=-11), True),
        ("$today", _at(-1), False),
        ("$yesterday", _at(-1), True),
        ("$tomorrow", _at(1), True),
        ("$this_week", _at(-2), True),  # Monday of the same week
        ("$this_week", _at(-3), False),  # the Sunday before
        ("$last_week", _at(-3), True),
        ("$next_week", _at(5), True),  # the Monday after
        ("$this_month", _at(-14), True),
        ("$last_month", _at(-15), True),
        ("$next_month", _at(17), True),
        ("$this_year", _at(-100), True),
        ("$last_year", _at(-200), True),
        ("$next_year", _at(300), True),
    ],
)
def test_calendar_conditions(condition: str, moment: str, expected: bool) -> None:
    assert _passes(moment, condition, []) is expected


@pytest.mark.parametrize(
    ("condition", "operand", "expected"),
    [
        ("$is_day_of_month", [15], True),
        ("$is_day_of_month", [14], False),
        ("$is_month", [5], True),
        ("$is_year", [2024], True),
        ("$is_years_ago", [0], True),
        ("$is_years_ago", [1], False),
    ],
)
def test_parts_of_a_date(condition: str, operand: Any, expected: bool) -> None:
    assert _passes(_at(), condition, operand) is expected


@pytest.mark.parametrize(
    ("condition", "operands", "expected"),
    [
        ("$after", [_at(-1)], True),
        ("$after", ["2024-05-16"], False),
        ("$before", ["2024-05-16"], True),
    ],
)
def test_after_and_before_take_dates_and_date_times(condition: str, operands: Any, expected: bool) -> None:
    assert _passes(_at(), condition, operands) is expected


@pytest.mark.parametrize("junction", ["and", "or"])
def test_conditions_not_applied_narrow_nothing(junction: str) -> None:
    filters = {
        "junction": junction,
        "status": {"conditions": {"$redeemed": [], "$in_location": ["x"]}},
        "source_id": {"conditions": {"$is": ["o-1"]}},
    }
    assert matches({"status": "PAID", "source_id": "o-1"}, filters, NOW.timestamp())
    assert not matches({"status": "PAID", "source_id": "o-2"}, filters, NOW.timestamp())


def test_not_applied_are_those_without_a_meaning_for_orders() -> None:
    assert {"$in_location", "$active", "$redeemed", "$today_md", "$is_day"} <= NOT_APPLIED
    assert "$today" not in NOT_APPLIED
