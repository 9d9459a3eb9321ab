"""The checks written out per shape answer as the field-by-field checks do, for any object."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.importing.order_paths import paths, replaced
from voucherify_async.importing import fast_checks
from voucherify_async.importing.fast_checks import plain_order_fields_are_valid
from voucherify_async.importing.shape_checks import (
    MAX_SHAPE_KEYS,
    MAX_SHAPES,
    ShapeChecks,
    order_checks,
    plain_order_is_valid,
)

FIELD_NAMES = sorted(
    {"source_id"}
    | set(fast_checks.ORDER_FIELDS)
    | set(fast_checks.ITEM_FIELDS)
    | set(fast_checks.PARTY_FIELDS)
    | set(fast_checks.PRODUCT_FIELDS)
    | set(fast_checks.ADDRESS_FIELDS)
)
# Names that read like the generated code's own: none of them may change what it does.
CODE_LIKE = ["obj", "v0", "v1", "keys", "item", "value", "require_source_id", "_STATUSES", "return True", "'"]
KEYS = st.one_of(st.sampled_from(FIELD_NAMES), st.sampled_from(CODE_LIKE), st.text(max_size=4))
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-2, max_value=3),
    st.floats(),
    st.text(max_size=3),
    st.sampled_from([*fast_checks.STATUSES, "product", "sku", "2020-01-02T03:04:05Z", "2020-13-40"]),
)
JSON = st.recursive(
    LEAVES,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=16,
)
ITEM = st.dictionaries(st.sampled_from(sorted(fast_checks.ITEM_FIELDS)), JSON, max_size=6)
ORDERS = st.dictionaries(
    KEYS,
    st.one_of(JSON, st.lists(ITEM, max_size=3), st.dictionaries(KEYS, LEAVES, max_size=4)),
    max_size=8,
)


def _rich_order() -> dict[str, Any]:
    return {
        "source_id": "o-1",
        "status": "PAID",
        "amount": 3000,
        "customer": {"source_id": "c-1", "address": {"city": "Oslo"}, "metadata": {"tier": 1}},
        "items": [
            {"source_id": "sku-1", "related_object": "sku", "quantity": 2, "price": 1500, "metadata": {}},
            {"product": {"name": "Tea", "price": 2.5, "override": True}, "quantity": 1},
        ],
        "metadata": {"channel": "web", "ratio": 0.5, "tags": ["a", 1]},
        "created_at": "2021-03-04T05:06:07Z",
    }


@settings(max_examples=400)
@given(order=ORDERS, require_source_id=st.booleans())
def test_a_shape_function_answers_as_the_fields_one_by_one(
    order: dict[str, Any], require_source_id: bool
) -> None:
    checks = order_checks()  # fresh: every example gets a function of its own shape
    compiled = checks.compile(tuple(order))
    expected = plain_order_fields_are_valid(order, require_source_id)
    assert compiled(order, require_source_id) is expected
    assert plain_order_is_valid(order, require_source_id) is expected


@settings(max_examples=200)
@given(
    order=st.permutations(list(_rich_order().items())).map(dict),
    replace=st.sampled_from(sorted(_rich_order())),
    value=st.one_of(LEAVES, JSON),
)
def test_a_rich_order_with_a_field_replaced_gets_the_same_answer(
    order: dict[str, Any], replace: str, value: Any
) -> None:
    order[replace] = value
    for require_source_id in (True, False):
        expected = plain_order_fields_are_valid(order, require_source_id)
        assert order_checks().compile(tuple(order))(order, require_source_id) is expected


BOUNDARY_VALUES: list[Any] = [None, "", "x", "PAID", "sku", "product", "2020-01-02T03:04:05Z", 0, 1, -1, 2]
BOUNDARY_VALUES += [1.5, -0.5, math.nan, math.inf, True, False, [], [{}], {}, {"a": math.nan}, [math.inf]]
BOUNDARY_VALUES += [[{"quantity": 1}] * (fast_checks.MAX_ITEMS + 1), {"city": "Oslo"}]


def test_every_field_of_a_rich_order_at_every_boundary_gets_the_same_answer() -> None:
    cases = [
        replaced(_rich_order(), path, value) for path in paths(_rich_order()) for value in BOUNDARY_VALUES
    ]
    answers = set()
    for order in cases:
        for require_source_id in (True, False):
            expected = plain_order_fields_are_valid(order, require_source_id)
            assert order_checks().compile(tuple(order))(order, require_source_id) is expected, order
            answers.add(expected)
    assert answers == {True, False}


def test_the_rich_order_passes_and_each_broken_field_fails() -> None:
    assert plain_order_is_valid(_rich_order(), True)
    broken = [
        ("status", "SHIPPED"),
        ("amount", -1),
        ("source_id", ""),
        ("customer", {"address": {"city": 7}}),
        ("items", [{"quantity": 0}]),
        ("items", [{"product": {"price": math.inf}}]),
        ("metadata", {"deep": [{"x": math.nan}]}),
        ("created_at", "yesterday"),
        ("unknown", -math.inf),
    ]
    for field, value in broken:
        assert not plain_order_is_valid({**_rich_order(), field: value}, True), field


def test_an_order_without_source_id_passes_only_when_none_is_required() -> None:
    order = {key: value for key, value in _rich_order().items() if key != "source_id"}
    assert plain_order_is_valid(order, False)
    assert not plain_order_is_valid(order, True)
    assert plain_order_is_valid({}, False)
    assert not plain_order_is_valid({}, True)


def test_keys_that_are_not_strings_are_checked_field_by_field() -> None:
    checks = order_checks()
    order: dict[Any, Any] = {"source_id": "o-1", 1: math.nan}
    assert checks.compile(tuple(order))(order, True) is False
    assert checks.shapes == {}  # no function of its own
    assert plain_order_is_valid({"source_id": "o-1", 1: 2.5}, True)  # type: ignore[dict-item]


def test_an_object_with_too_many_keys_is_checked_field_by_field() -> None:
    checks = order_checks()
    order = {"source_id": "o-1", **{f"k{index}": index for index in range(MAX_SHAPE_KEYS)}}
    assert checks.compile(tuple(order))(order, True) is True
    order["k3"] = math.nan
    assert checks.compile(tuple(order))(order, True) is False
    assert checks.shapes == {}


def test_shapes_past_the_limit_are_checked_field_by_field_and_not_kept() -> None:
    checks = ShapeChecks(fast_checks.ITEM_FIELDS)
    for index in range(MAX_SHAPES + 20):
        item = {f"extra_{index}": 1.5, "quantity": 1}
        assert checks.compile(tuple(item))(item) is True
        bad = {f"extra_{index}": math.nan, "quantity": 1}
        assert checks.compile(tuple(bad))(bad) is False
    assert len(checks.shapes) == MAX_SHAPES


@pytest.mark.parametrize("key", CODE_LIKE)
def test_a_key_that_reads_like_code_is_only_a_key(key: str) -> None:
    checks = order_checks()
    good = {"source_id": "o-1", key: "text", "amount": 5}
    bad = {"source_id": "o-1", key: math.nan, "amount": 5}
    assert checks.compile(tuple(good))(good, True) is True
    assert checks.compile(tuple(bad))(bad, True) is False


def test_the_same_keys_in_another_order_are_another_shape() -> None:
    checks = order_checks()
    first = {"source_id": "o-1", "amount": 5}
    second = {"amount": -5, "source_id": "o-1"}
    assert checks.compile(tuple(first))(first, True) is True
    assert checks.compile(tuple(second))(second, True) is False
    assert len(checks.shapes) == 2
