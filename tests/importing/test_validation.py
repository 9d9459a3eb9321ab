from __future__ import annotations

from typing import Any

import pytest

from voucherify_async.importing.report import OrderFailure
from voucherify_async.importing.sources import MalformedRecord
from voucherify_async.importing.validation import OrderRules, validate_order

RULES = OrderRules()


def _order(**fields: Any) -> dict[str, Any]:
    order: dict[str, Any] = {"source_id": "o-1", "status": "PAID", "amount": 1000}
    order.update(fields)
    return order


def _reason(order: object, rules: OrderRules = RULES) -> str:
    outcome = validate_order(order, 7, rules)
    assert isinstance(outcome, OrderFailure), outcome
    return outcome.reason


def test_a_valid_order_comes_back_as_its_wire_dict() -> None:
    order = _order(items=[{"sku_id": "s", "quantity": 2, "price": 500}], customer={"source_id": "c"})
    assert validate_order(order, 1, RULES) == order


def test_validation_does_not_modify_the_input() -> None:
    order = _order(created_at="2020-01-02T03:04:05Z")
    validate_order(order, 1, OrderRules(created_at_metadata="original_created_at"))
    assert order == _order(created_at="2020-01-02T03:04:05Z")


def test_reason_names_the_order_number_source_id_and_rule() -> None:
    assert _reason(_order(amount=-1)) == (
        "order #7 (source_id 'o-1'): amount must be a non-negative integer in the smallest currency unit "
        "(cents), got -1"
    )


def test_rejection_keeps_the_source_id() -> None:
    outcome = validate_order(_order(status="SHIPPED"), 1, RULES)
    assert isinstance(outcome, OrderFailure)
    assert outcome.source_id == "o-1"


def test_missing_source_id_is_rejected_by_default() -> None:
    assert "source_id is missing" in _reason({"amount": 1})


def test_missing_source_id_is_allowed_when_not_required() -> None:
    assert validate_order({"amount": 1}, 1, OrderRules(require_source_id=False)) == {"amount": 1}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"source_id": ""}, "source_id must be a non-empty string"),
        ({"source_id": 12}, "source_id must be a non-empty string"),
        ({"status": "SHIPPED"}, "status must be one of CREATED, PAID, CANCELED, FULFILLED"),
        ({"amount": 10.5}, "amount must be a non-negative integer"),
        ({"amount": True}, "amount must be a non-negative integer"),
        ({"discount_amount": "5"}, "discount_amount must be a non-negative integer"),
        ({"metadata": ["a"]}, "metadata must be an object"),
        ({"created_at": "yesterday"}, "created_at must be an ISO 8601 date-time"),
        ({"customer": "c-1"}, "customer must be an object"),
        ({"customer": {"email": 5}}, "customer.email must be a string"),
        ({"customer": {"address": {"city": 1}}}, "customer.address.city must be a string"),
        ({"referrer": {"metadata": 3}}, "referrer.metadata must be an object"),
        ({"items": {"sku_id": "s"}}, "items must be a list"),
        ({"items": ["s"]}, "items[0] must be an object"),
        ({"items": [{"quantity": 0}]}, "items[0].quantity must be an integer >= 1, got 0"),
        (
            {"items": [{"quantity": 1}, {"initial_quantity": 0}]},
            "items[1].initial_quantity must be an integer >= 1",
        ),
        ({"items": [{"price": -100}]}, "items[0].price must be a non-negative integer"),
        ({"items": [{"discount_quantity": -1}]}, "items[0].discount_quantity must be a non-negative integer"),
        ({"items": [{"related_object": "voucher"}]}, "items[0].related_object must be 'product' or 'sku'"),
        ({"items": [{"product": {"price": -1}}]}, "items[0].product.price must be a non-negative number"),
        ({"items": [{"sku": {"override": "yes"}}]}, "items[0].sku.override must be true or false"),
        ({"items": [{"sku_id": None}]}, "items[0].sku_id must be a string, got null"),
    ],
)
def test_broken_rule_is_named_in_the_reason(fields: dict[str, Any], expected: str) -> None:
    assert expected in _reason(_order(**fields))


def test_more_than_500_items_are_rejected() -> None:
    assert "at most 500 items, this one has 501" in _reason(_order(items=[{"quantity": 1}] * 501))


def test_500_items_are_accepted() -> None:
    assert isinstance(validate_order(_order(items=[{"quantity": 1}] * 500), 1, RULES), dict)


def test_a_non_object_is_rejected() -> None:
    assert _reason(["o-1"]) == "order #7: expected an order object, got list"


def test_a_malformed_record_is_rejected_with_its_location() -> None:
    assert _reason(MalformedRecord("line 3", "not valid JSON")) == "order #7 (line 3): not valid JSON"


def test_created_at_moves_into_the_named_metadata_key() -> None:
    rules = OrderRules(created_at_metadata="original_created_at")
    outcome = validate_order(_order(created_at="2020-01-02T03:04:05Z", metadata={"a": 1}), 1, rules)
    assert outcome == _order(metadata={"a": 1, "original_created_at": "2020-01-02T03:04:05Z"})


def test_created_at_stays_when_no_metadata_key_is_named() -> None:
    outcome = validate_order(_order(created_at="2020-01-02T03:04:05Z"), 1, RULES)
    assert outcome == _order(created_at="2020-01-02T03:04:05Z")


def test_objects_that_are_not_mappings_go_through_to_wire() -> None:
    rules = OrderRules(to_wire=lambda obj: {"source_id": obj})
    assert validate_order("o-9", 1, rules) == {"source_id": "o-9"}
