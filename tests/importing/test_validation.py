from __future__ import annotations

import datetime
from typing import Any

import pytest

import voucherify_async as vf
from tests.importing.order_paths import paths, replaced
from voucherify_async.importing.report import OrderFailure
from voucherify_async.importing.sources import MalformedRecord
from voucherify_async.importing.validation import OrderRules, plain_order_is_valid, validate_order
from voucherify_async.models import to_wire as models_to_wire

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
    assert _reason(["o-1"]) == "order #7: expected an order object, got a list"


MODELS_RULES = OrderRules(to_wire=models_to_wire)  # as the batcher's default


@pytest.mark.parametrize(
    ("record", "found"),
    [
        (None, "null"),
        (42, "the number 42"),
        ("x", "the string 'x'"),
        (1.5, "the number 1.5"),
        (True, "true"),
        ([{"source_id": "o-1"}], "a list"),
    ],
)
def test_a_record_that_is_no_object_is_rejected_at_its_position_not_raised(
    record: object, found: str
) -> None:
    outcome = validate_order(record, 7, MODELS_RULES)
    assert outcome == OrderFailure(None, f"order #7: expected an order object, got {found}", 7)


def test_a_to_wire_that_raises_on_a_record_rejects_that_record() -> None:
    def to_wire(record: object) -> dict[str, Any]:
        raise ValueError(f"cannot read {record!r}")

    outcome = validate_order(("o", 1), 3, OrderRules(to_wire=to_wire))
    assert outcome == OrderFailure(
        None, "order #3: to_wire failed on a tuple: ValueError: cannot read ('o', 1)", 3
    )


def test_a_to_wire_that_returns_no_mapping_rejects_the_record() -> None:
    assert _reason(("o", 1), OrderRules(to_wire=lambda record: None)) == (
        "order #7: to_wire turned a tuple into null, not an order object"
    )


def test_every_rejection_carries_its_position() -> None:
    rejections = [
        validate_order(_order(amount=-1), 4, RULES),
        validate_order(MalformedRecord("line 5", "not valid JSON"), 5, RULES),
        validate_order(None, 6, RULES),
    ]
    assert [outcome.position for outcome in rejections if isinstance(outcome, OrderFailure)] == [4, 5, 6]


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"metadata": {"ratio": NAN}}, "not a finite number at .metadata.ratio, got nan"),
        ({"metadata": {"scores": [1.5, -INF]}}, "not a finite number at .metadata.scores[1], got -inf"),
        ({"metadata": {"a b": INF}}, 'not a finite number at .metadata["a b"], got inf'),
        (
            {"items": [{"quantity": 1, "product": {"name": "Tea", "price": NAN}}]},
            "not a finite number at .items[0].product.price, got nan",
        ),
        (
            {"items": [{"quantity": 1, "sku": {"price": INF}}]},
            "not a finite number at .items[0].sku.price, got inf",
        ),
        ({"amount": NAN}, "not a finite number at .amount, got nan"),
        (
            {"customer": {"metadata": {"score": INF}}},
            "not a finite number at .customer.metadata.score, got inf",
        ),
        ({"unknown_field": {"deep": [NAN]}}, "not a finite number at .unknown_field.deep[0], got nan"),
    ],
)
def test_a_number_that_is_not_finite_is_rejected_naming_its_path(
    fields: dict[str, Any], expected: str
) -> None:
    assert _reason(_order(**fields)) == f"order #7 (source_id 'o-1'): {expected}"


def test_a_number_that_is_not_finite_inside_a_model_is_rejected() -> None:
    item = vf.OrderItem(quantity=1, product=vf.OrderItemProduct(name="Tea", price=NAN))
    assert _reason(_order(items=[item])).endswith("not a finite number at .items[0].product.price, got nan")


@pytest.mark.parametrize(
    "fields",
    [
        {"metadata": {"ratio": NAN}},
        {"metadata": {"nested": {"list": [1, INF]}}},
        {"items": [{"quantity": 1, "product": {"price": NAN}}]},
        {"items": [{"quantity": 1, "product": {"price": INF}}]},
        {"items": [{"quantity": 1, "metadata": {"weight": -INF}}]},
        {"customer": {"address": {"city": "Oslo", "lat": NAN}}},
        {"unknown_field": INF},
    ],
)
def test_the_fast_path_does_not_pass_a_number_that_is_not_finite(fields: dict[str, Any]) -> None:
    assert not plain_order_is_valid(_order(**fields), require_source_id=True)


def test_metadata_nested_deeper_than_json_allows_is_looked_at_without_recursing_to_the_end() -> None:
    nested: dict[str, Any] = {"ratio": 0.5}
    for _ in range(5000):
        nested = {"a": nested}
    assert validate_order(_order(metadata=nested), 1, RULES) == _order(
        metadata=nested
    )  # serialising rejects it


def test_the_fast_path_still_passes_finite_floats_in_metadata() -> None:
    order = _order(metadata={"ratio": 0.25, "tags": ["a", 1, 2.5, None, True], "more": {"x": 1e300}})
    assert plain_order_is_valid(order, require_source_id=True)


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


def _rich_order() -> dict[str, Any]:
    """A well-formed order using every field the rules look at."""
    product = {"id": "p", "source_id": "p-1", "name": "Shoe", "price": 10.5, "override": True, "metadata": {}}
    return {
        "id": "ord_1",
        "source_id": "o-1",
        "customer_id": None,
        "referrer_id": "cust_2",
        "status": "PAID",
        "amount": 3000,
        "initial_amount": 3000,
        "discount_amount": 0,
        "metadata": {"channel": "web"},
        "created_at": "2021-03-04T05:06:07.123Z",
        "customer": {
            "source_id": "c-1",
            "email": "a@example.com",
            "metadata": {"tier": 1},
            "address": {"city": "Oslo", "country": "NO"},
        },
        "referrer": None,
        "items": [
            {
                "source_id": "sku-1",
                "related_object": "sku",
                "quantity": 2,
                "initial_quantity": 2,
                "discount_quantity": 0,
                "price": 1500,
                "amount": 3000,
                "discount_amount": 0,
                "initial_amount": 3000,
                "sku_id": "sku_1",
                "product_id": "prod_1",
                "metadata": {},
                "product": product,
                "sku": {**product, "sku": "S-1", "price": None},
            }
        ],
    }


class _NotPlain(dict):  # type: ignore[type-arg]
    """A dict subclass: the fast path leaves it to the full checks."""


_ODD_VALUES = [None, "", "x", "PAID", "sku", "2020-01-02", 0, 1, -1, 1.5, True, [], [{}], {}, {"a": 1}]
_ODD_VALUES += [float("nan"), float("inf"), -float("inf"), [float("nan")], {"a": float("inf")}]


def test_a_well_formed_order_takes_the_fast_path() -> None:
    assert plain_order_is_valid(_rich_order(), require_source_id=True)


def test_the_fast_path_passes_no_order_that_the_full_checks_reject() -> None:
    base = _rich_order()
    cases = [replaced(base, path, value) for path in paths(base) for value in _ODD_VALUES]
    verdicts = [
        (plain_order_is_valid(order, True), isinstance(validate_order(_NotPlain(order), 1, RULES), dict))
        for order in cases
    ]
    assert not [order for order, (fast, full) in zip(cases, verdicts, strict=True) if fast and not full]
    # Both answers occur, so the comparison above is not empty on either side.
    assert {fast for fast, _ in verdicts} == {True, False}


def test_the_fast_path_and_the_full_checks_return_the_same_order() -> None:
    rules = OrderRules(created_at_metadata="original_created_at")
    assert validate_order(_rich_order(), 1, rules) == validate_order(_NotPlain(_rich_order()), 1, rules)


def test_a_customer_model_inside_a_dict_is_checked_as_its_wire_form() -> None:
    order = _order(customer=vf.Customer(source_id="c-1", email="a@example.com"))
    assert validate_order(order, 1, RULES) == _order(customer={"source_id": "c-1", "email": "a@example.com"})


def test_a_datetime_created_at_moves_into_metadata_as_the_api_writes_it() -> None:
    rules = OrderRules(created_at_metadata="original_created_at")
    when = datetime.datetime(2021, 3, 4, 5, 6, 7, 123456, tzinfo=datetime.timezone.utc)
    outcome = validate_order(_order(created_at=when), 1, rules)
    assert outcome == _order(metadata={"original_created_at": "2021-03-04T05:06:07.123Z"})


def test_a_broken_rule_inside_a_model_is_named() -> None:
    order = _order(customer=vf.Customer(source_id="c-1"), amount=-5)
    assert "amount must be a non-negative integer" in _reason(order)
