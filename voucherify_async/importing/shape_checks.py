"""The fast path's checks, written out once for each shape of object a source holds.

Why: an order's fields are looked at one by one (:func:`~voucherify_async.importing.fast_checks.
fields_are_valid`: a table lookup and a call per field, a loop over the items, a call per nested object),
which costs about 2 µs an order, the largest part of preparing a batch (``benchmarks/RESULTS.md``,
section 12). But the orders of one source come in a handful of shapes (the same keys in the same order), so
for each shape a function is generated, once, that unpacks the object's values into locals and checks each in
line, the items' and the customer's shapes looked up the same way.

What is generated never holds anything of the data: a key only picks which of the fixed checks of
:mod:`~voucherify_async.importing.fast_checks` applies to the value at its place, and the keys are only ever
compared, never written into the code. Each answer is the answer of ``fields_are_valid`` for the same
object, check by check and in the same order (``tests/importing/test_shape_checks.py`` holds them to it).
An object whose keys are not all plain strings, or that has more than :data:`MAX_SHAPE_KEYS` keys, and every
shape past the :data:`MAX_SHAPES` first of a kind, is checked by ``fields_are_valid`` itself: a source whose
every record has its own shape costs what it did, and no more memory.
"""

from __future__ import annotations

from collections.abc import Callable
from math import isfinite
from typing import Any

from voucherify_async.importing import fast_checks as rules

__all__ = ["MAX_SHAPES", "MAX_SHAPE_KEYS", "ShapeChecks", "order_checks", "plain_order_is_valid"]

MAX_SHAPES = 128
"""Shapes of each kind (orders, items, customers) given a function of their own; the rest are checked field by
field."""

MAX_SHAPE_KEYS = 48
"""Keys an object may have to be given a function of its own."""

Check = Callable[[Any], bool]

# The checks written in line, ``{v}`` standing for the value; any other check is called.
_EXPRESSIONS: dict[Check, str] = {
    rules.string: "{v}.__class__ is str",
    rules.nullable_string: "({v} is None or {v}.__class__ is str)",
    rules.non_negative: "({v}.__class__ is int and {v} >= 0)",
    rules.at_least_one: "({v}.__class__ is int and {v} >= 1)",
    rules.status: "({v}.__class__ is str and {v} in _STATUSES)",
}
_ANY_FIELD = "({v}.__class__ is str or _all_finite(({v},), 0))"

# `rules.json_object(v)`, in line: this runs for every order's and item's metadata.
_OBJECT = """\
    if {v}.__class__ is not dict:
        return False
    for value in {v}.values():
        cls = value.__class__
        if cls is str or cls is int or cls is bool or value is None:
            continue
        if cls is float:
            if not _isfinite(value):
                return False
        elif not _all_finite((value,), 0):
            return False
"""
# `rules.items(v)`, in line, each item checked by the function of its shape.
_ITEMS = """\
    if {v}.__class__ is not list or len({v}) > _MAX_ITEMS:
        return False
    for item in {v}:
        if item.__class__ is not dict:
            return False
        keys = tuple(item)
        if not (_item_shapes.get(keys) or _item_shape(keys))(item):
            return False
"""
# `rules.party(v)`, in line: a customer or a referrer.
_PARTY = """\
    if {v} is not None:
        if {v}.__class__ is not dict:
            return False
        keys = tuple({v})
        if not (_party_shapes.get(keys) or _party_shape(keys))({v}):
            return False
"""
_STATEMENTS: dict[Check, str] = {rules.json_object: _OBJECT, rules.items: _ITEMS, rules.party: _PARTY}
_SOURCE_ID = "(({v}.__class__ is str and {v} != '') or ({v} is None and not require_source_id))"


class ShapeChecks:
    """The functions of one kind of object (orders, items, customers), one per shape seen so far.

    Args:
        fields: The kind's checks by field name (a table of :mod:`fast_checks`).
        is_order: Orders take ``require_source_id`` too, and their ``source_id`` is checked.

    ``shapes`` maps each shape (``tuple(obj)``) to its function; :meth:`compile` makes the function of a
    shape not seen yet (and keeps it, up to :data:`MAX_SHAPES`).
    """

    def __init__(self, fields: dict[str, Check], *, is_order: bool = False) -> None:
        self.fields = fields
        self.is_order = is_order
        self.shapes: dict[tuple[Any, ...], Callable[..., bool]] = {}
        self.namespace: dict[str, Any] = {
            "_all_finite": rules.all_finite,
            "_isfinite": isfinite,
            "_STATUSES": rules.STATUSES,
            "_MAX_ITEMS": rules.MAX_ITEMS,
        }
        if is_order:
            self._any_shape: Callable[..., bool] = self._field_by_field_order
        else:
            self._any_shape = self._field_by_field

    def compile(self, keys: tuple[Any, ...]) -> Callable[..., bool]:
        """The function that checks an object whose keys are ``keys``, in this order."""
        if (
            len(self.shapes) >= MAX_SHAPES
            or len(keys) > MAX_SHAPE_KEYS
            or not all(key.__class__ is str for key in keys)
        ):
            return self._any_shape
        namespace = dict(self.namespace)
        lines = ["def check(obj, require_source_id):" if self.is_order else "def check(obj):"]
        names = [f"v{index}" for index in range(len(keys))]
        if names:
            lines.append(f"    {', '.join(names)}, = obj.values()")
        if self.is_order and "source_id" not in keys:
            lines.append("    if require_source_id:\n        return False")
        for index, (key, v) in enumerate(zip(keys, names, strict=True)):
            lines.append(self._statement(key, v, index, namespace))
        lines.append("    return True")
        code = compile("\n".join(lines), f"<fast check of a shape with {len(keys)} keys>", "exec")
        # Made of the fixed templates above only: the keys chose among them, and none is written in.
        exec(code, namespace)
        function: Callable[..., bool] = namespace["check"]
        self.shapes[keys] = function
        return function

    def _statement(self, key: str, v: str, index: int, namespace: dict[str, Any]) -> str:
        if self.is_order and key == "source_id":
            return f"    if not {_SOURCE_ID.format(v=v)}:\n        return False"
        check = self.fields.get(key)
        if check is None:
            return f"    if not {_ANY_FIELD.format(v=v)}:\n        return False"
        statement = _STATEMENTS.get(check)
        if statement is not None:
            return statement.format(v=v)
        expression = _EXPRESSIONS.get(check)
        if expression is None:
            name = f"_check_{index}"
            namespace[name] = check
            expression = f"{name}({v})"
        return f"    if not {expression.format(v=v)}:\n        return False"

    def _field_by_field(self, obj: dict[str, Any]) -> bool:
        return rules.fields_are_valid(obj, self.fields)

    def _field_by_field_order(self, obj: dict[str, Any], require_source_id: bool) -> bool:
        return rules.plain_order_fields_are_valid(obj, require_source_id)


def order_checks() -> ShapeChecks:
    """A fresh set of shape functions for orders, with their own for items and customers."""
    orders = ShapeChecks(rules.ORDER_FIELDS, is_order=True)
    items = ShapeChecks(rules.ITEM_FIELDS)
    parties = ShapeChecks(rules.PARTY_FIELDS)
    for kind in (orders, items, parties):
        kind.namespace.update(
            _item_shapes=items.shapes,
            _item_shape=items.compile,
            _party_shapes=parties.shapes,
            _party_shape=parties.compile,
        )
    return orders


_ORDERS = order_checks()
_order_shapes = _ORDERS.shapes
_order_shape = _ORDERS.compile


def plain_order_is_valid(order: dict[str, Any], require_source_id: bool) -> bool:
    """Whether ``order`` certainly passes every rule (``False``: maybe not; the full checks say why).

    The answer of :func:`~voucherify_async.importing.fast_checks.plain_order_fields_are_valid`, by the
    function of the order's shape.
    """
    keys = tuple(order)
    return (_order_shapes.get(keys) or _order_shape(keys))(order, require_source_id)
