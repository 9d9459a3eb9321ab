from __future__ import annotations

import re
from typing import Any

import pytest

from voucherify_async.emulator.validation import validate_import, validate_order


@pytest.mark.parametrize(
    ("fields", "details"),
    [
        ({"status": "LOST"}, "Property .status should be equal to one of the allowed values "
         "[ CREATED, PAID, CANCELED, FULFILLED ]"),
        ({"amount": -1}, "Property .amount cannot be lower than 0"),
        ({"amount": 1.5}, "Property .amount must be an integer"),
        ({"amount": True}, "Property .amount must be an integer"),
        ({"source_id": 7}, "Property .source_id must be a string"),
        ({"metadata": []}, "Property .metadata must be an object"),
        ({"items": {}}, "Property .items must be an array"),
        ({"items": [{"quantity": 1}, {"quantity": 0}]}, "Property .items[1].quantity cannot be lower than 1"),
        ({"items": [{"price": -5}]}, "Property .items[0].price cannot be lower than 0"),
        ({"items": [{"related_object": "box"}]},
         "Property .items[0].related_object should be equal to one of the allowed values [ product, sku ]"),
        ({"items": [{"product": {"price": "x"}}]}, "Property .items[0].product.price must be a number"),
        ({"items": [{}] * 501}, "Property .items must contain at most 500 elements"),
        ({"customer": {"email": 5}}, "Property .customer.email must be a string"),
        ({"customer": {"address": {"city": 1}}}, "Property .customer.address.city must be a string"),
        ({"created_at": "last tuesday"},
         "Property .created_at cannot be recognized as a ISO-8601 compliant date"),
    ],
)  # fmt: skip
def test_malformed_orders_get_the_property_path(fields: dict[str, Any], details: str) -> None:
    assert validate_order({"source_id": "o-1", **fields}) == details


def test_a_well_formed_order_passes() -> None:
    body = {
        "source_id": "o-1",
        "status": "PAID",
        "amount": 100,
        "items": [{"source_id": "p", "quantity": 1, "price": 100, "product": {"name": "P", "price": 1.5}}],
        "metadata": {"a": [1, 2]},
        "customer": {"source_id": "c", "address": None},
        "referrer_id": None,
        "created_at": "2021-05-01T10:00:00.000Z",
    }
    assert validate_order(body) is None


def test_import_details_never_say_which_order_is_at_fault() -> None:
    details = validate_import([{"source_id": "a"}, {"source_id": "b", "amount": -1}])
    assert details == "Property .amount cannot be lower than 0"


@pytest.mark.parametrize("body", [{}, [], "orders"])
def test_an_import_body_must_be_a_non_empty_array(body: object) -> None:
    assert validate_import(body) is not None


def _value_at(order: Any, path: str) -> Any:
    """Follow a details path such as ``.items[1].quantity`` into an order."""
    value = order
    for name, index in re.findall(r"\.(\w+)|\[(\d+)\]", path):
        value = value[name] if name else value[int(index)]
    return value


@pytest.mark.parametrize(
    ("fields", "offender"),
    [
        ({"status": "LOST"}, "LOST"),
        ({"amount": -1}, -1),
        ({"items": [{"quantity": 1}, {"quantity": 0}]}, 0),
        ({"items": [{"product": {"price": "x"}}]}, "x"),
        ({"customer": {"address": {"city": 1}}}, 1),
        ({"metadata": {"channel": "fax"}}, "fax"),
    ],
)
def test_the_path_in_the_details_leads_to_the_offending_value(
    fields: dict[str, Any], offender: object
) -> None:
    body = {"source_id": "o-1", **fields}
    details = validate_order(body, {"channel": ["web"]})
    assert details is not None
    assert _value_at(body, details.split()[1]) == offender
