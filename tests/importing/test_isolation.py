"""Finding the orders a server's 400 is about, from the property path and rule of its ``details``."""

from __future__ import annotations

from typing import Any

import pytest

from voucherify_async.importing.isolation import (
    MISSING,
    evaluate_path,
    find_offenders,
    parse_details,
    split_positions,
)

ORDERS: list[dict[str, Any]] = [
    {
        "source_id": "a",
        "amount": 100,
        "status": "PAID",
        "items": [{"quantity": 1}],
        "metadata": {"ch": "web"},
    },
    {"source_id": "b", "amount": -1, "status": "PAID", "items": [{"quantity": 0}], "metadata": {"ch": "fax"}},
    {"source_id": 7, "amount": "100", "status": "SHIPPED", "items": "none", "created_at": "yesterday"},
    {"amount": 5, "items": [{"quantity": 2}] * 3, "created_at": "2020-01-02T03:04:05Z"},
]


def test_details_are_split_into_path_and_rule() -> None:
    assert parse_details("Property .items[0].quantity cannot be lower than 1") == (
        ("items", 0, "quantity"),
        "cannot be lower than 1",
    )


def test_details_naming_the_order_itself_give_an_empty_path() -> None:
    assert parse_details("Property . must be an object") == ((), "must be an object")


def test_details_without_a_property_path_are_not_understood() -> None:
    assert parse_details("Something went wrong") is None


def test_a_path_an_order_lacks_evaluates_to_missing() -> None:
    assert evaluate_path(ORDERS[0], ("items", 3, "quantity")) is MISSING


@pytest.mark.parametrize(
    ("details", "offenders"),
    [
        ("Property .amount cannot be lower than 0", {1, 2}),
        ("Property .items[0].quantity cannot be lower than 1", {1}),
        ("Property .source_id must be a string", {2}),
        ("Property .amount must be an integer", {2}),
        ("Property .items must be an array", {2}),
        ("Property .items must contain at most 2 elements", {2, 3}),
        ("Property .metadata.ch must be one of: web, store", {1}),
        ("Property .status should be equal to one of the allowed values [ PAID, CREATED ]", {2}),
        ("Property .created_at cannot be recognized as a ISO-8601 compliant date", {2}),
        ("Property .source_id is required", {3}),
    ],
)
def test_the_orders_breaking_the_stated_rule_are_found(details: str, offenders: set[int]) -> None:
    assert find_offenders(ORDERS, details) == offenders


def test_a_rule_no_order_breaks_finds_no_offender() -> None:
    assert find_offenders(ORDERS[:1], "Property .amount cannot be lower than 0") is None


def test_a_rule_not_understood_finds_no_offender() -> None:
    assert find_offenders(ORDERS, "Property .amount is odd in a way nobody wrote down") is None


def test_a_split_keeps_orders_with_the_same_value_together() -> None:
    orders = [{"metadata": {"ch": value}} for value in ["web", "fax", "web", "fax", "web", "web"]]
    first, second = split_positions(orders, "Property .metadata.ch is not allowed here")
    values = [{orders[i]["metadata"]["ch"] for i in half} for half in (first, second)]
    assert sorted(map(sorted, values)) == [["fax"], ["web"]]


def test_a_split_without_a_path_halves_the_part_in_order() -> None:
    assert split_positions([{}, {}, {}, {}, {}], "?") == ([0, 1], [2, 3, 4])
