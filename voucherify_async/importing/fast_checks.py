"""The fields the rules know, and the fast path of the validation: yes or no for a plain dict, no reasons.

:func:`plain_order_fields_are_valid` makes no copies and words no reasons. Each check is a rule of
:mod:`~voucherify_async.importing.validation`, or a stricter one (exact types: an int subclass, a Mapping
that is not a dict... answer no, and the full checks decide), so that every order it passes, the full
checks pass too (``tests/importing/test_validation.py``). The tables hold every field the full checks look
at; in the other fields and in metadata, only floats are looked at closely (NaN and infinities): orders
rarely hold any, so the check costs a class test per value.

The batcher runs these checks as :mod:`~voucherify_async.importing.shape_checks` writes them out for each
shape of order; the functions here are the checks themselves, one per field, and the answer for any shape.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from math import inf, isfinite
from typing import Any

__all__ = [
    "ADDRESS_FIELDS",
    "ADDRESS_STRINGS",
    "CUSTOMER_STRINGS",
    "ITEM_AMOUNTS",
    "ITEM_AT_LEAST_ONE",
    "ITEM_FIELDS",
    "ITEM_STRINGS",
    "MAX_ITEMS",
    "ORDER_AMOUNTS",
    "ORDER_FIELDS",
    "PARTY_FIELDS",
    "PRODUCT_FIELDS",
    "PRODUCT_STRINGS",
    "SKU_STRINGS",
    "STATUSES",
    "address",
    "all_finite",
    "at_least_one",
    "fields_are_valid",
    "is_date_time",
    "items",
    "json_object",
    "non_negative",
    "nullable_string",
    "party",
    "plain_order_fields_are_valid",
    "price",
    "product",
    "status",
    "string",
]

MAX_ITEMS = 500
_FAST_DEPTH = 16  # metadata nested deeper goes to the full checks
STATUSES = ("CREATED", "PAID", "CANCELED", "FULFILLED")
ORDER_AMOUNTS = ("amount", "initial_amount", "discount_amount")
ITEM_AMOUNTS = ("amount", "discount_amount", "initial_amount", "price", "discount_quantity")
ITEM_AT_LEAST_ONE = ("quantity", "initial_quantity")
ITEM_STRINGS = ("sku_id", "product_id", "source_id")
# The spec names `name` for products and `sku` for SKUs; the server checks both names on both objects.
PRODUCT_STRINGS = ("id", "source_id", "name", "sku")
SKU_STRINGS = PRODUCT_STRINGS
CUSTOMER_STRINGS = ("id", "source_id", "name", "description", "email", "phone", "birthday", "birthdate")
ADDRESS_STRINGS = ("city", "state", "line_1", "line_2", "country", "postal_code")


def is_date_time(value: str) -> bool:
    """Whether ``value`` is an ISO 8601 date-time (with a ``Z`` or an offset, or none)."""
    # datetime.fromisoformat reads a trailing "Z" only from Python 3.11 on.
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        datetime.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def plain_order_fields_are_valid(order: dict[str, Any], require_source_id: bool) -> bool:
    """Whether ``order`` certainly passes every rule (``False``: maybe not; the full checks say why), its
    fields looked at one by one (:func:`~voucherify_async.importing.shape_checks.plain_order_is_valid` is the
    same answer, sooner)."""
    source_id = order.get("source_id")
    if source_id is None:
        if require_source_id:
            return False
    elif source_id.__class__ is not str or not source_id:
        return False
    return fields_are_valid(order, ORDER_FIELDS)


def fields_are_valid(obj: dict[str, Any], checks: Mapping[str, Callable[[Any], bool]]) -> bool:
    for name, value in obj.items():
        check = checks.get(name)
        if check is not None:
            if not check(value):
                return False
        elif value.__class__ is not str and not all_finite((value,), 0):
            return False
    return True


def all_finite(values: Iterable[Any], depth: int) -> bool:
    """Whether the JSON values hold no NaN or infinity (no: a value of a type that is not JSON's own, or
    containers nested deeper than ``_FAST_DEPTH``)."""
    for value in values:
        cls = value.__class__
        if cls is str or cls is int or cls is bool or value is None:
            continue
        if cls is float:
            if not isfinite(value):
                return False
        elif depth >= _FAST_DEPTH:
            return False
        elif cls is dict:
            if not all_finite(value.values(), depth + 1):
                return False
        elif cls is not list or not all_finite(value, depth + 1):
            return False
    return True


def string(value: Any) -> bool:
    return value.__class__ is str


def nullable_string(value: Any) -> bool:
    return value is None or value.__class__ is str


def non_negative(value: Any) -> bool:
    return value.__class__ is int and value >= 0


def at_least_one(value: Any) -> bool:
    return value.__class__ is int and value >= 1


def json_object(value: Any) -> bool:
    if value.__class__ is not dict:
        return False
    # `all_finite(value.values())`, with its first level inlined: this runs for every order's metadata.
    for item in value.values():
        cls = item.__class__
        if cls is str or cls is int or cls is bool or item is None:
            continue
        if cls is float:
            if not isfinite(item):
                return False
        elif not all_finite((item,), 0):
            return False
    return True


def status(value: Any) -> bool:
    return value.__class__ is str and value in STATUSES


def price(value: Any) -> bool:
    return value is None or ((value.__class__ is int or value.__class__ is float) and 0 <= value < inf)


def product(value: Any) -> bool:
    return value.__class__ is dict and fields_are_valid(value, PRODUCT_FIELDS)


def items(value: Any) -> bool:
    if value.__class__ is not list or len(value) > MAX_ITEMS:
        return False
    return all(item.__class__ is dict and fields_are_valid(item, ITEM_FIELDS) for item in value)


def party(value: Any) -> bool:
    return value is None or (value.__class__ is dict and fields_are_valid(value, PARTY_FIELDS))


def address(value: Any) -> bool:
    return value is None or (value.__class__ is dict and fields_are_valid(value, ADDRESS_FIELDS))


ORDER_FIELDS: dict[str, Callable[[Any], bool]] = {
    "id": string,
    "customer_id": nullable_string,
    "referrer_id": nullable_string,
    "status": status,
    **dict.fromkeys(ORDER_AMOUNTS, non_negative),
    "metadata": json_object,
    "created_at": lambda value: value.__class__ is str and is_date_time(value),
    "customer": party,
    "referrer": party,
    "items": items,
}
ITEM_FIELDS: dict[str, Callable[[Any], bool]] = {
    **dict.fromkeys(ITEM_AT_LEAST_ONE, at_least_one),
    **dict.fromkeys(ITEM_AMOUNTS, non_negative),
    **dict.fromkeys(ITEM_STRINGS, string),
    "related_object": lambda value: value == "product" or value == "sku",
    "metadata": json_object,
    "product": product,
    "sku": product,
}
PRODUCT_FIELDS: dict[str, Callable[[Any], bool]] = {
    **dict.fromkeys(PRODUCT_STRINGS, string),
    "price": price,
    "override": lambda value: value.__class__ is bool,
    "metadata": json_object,
}
PARTY_FIELDS: dict[str, Callable[[Any], bool]] = {
    **dict.fromkeys(CUSTOMER_STRINGS, string),
    "metadata": json_object,
    "address": address,
}
ADDRESS_FIELDS: dict[str, Callable[[Any], bool]] = dict.fromkeys(ADDRESS_STRINGS, string)
