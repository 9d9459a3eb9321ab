"""Check each order before it costs a bulk call: a malformed order becomes a rejection with a reason.

One malformed order makes the server refuse the whole import request with a 400 (DESIGN.md), and the
refused request still spends a bulk call, so every rule the spec (``spec/orders.json``,
``OrdersImportCreateRequestBody`` and the ``OrderBase``/``OrderItem``/``Customer`` schemas) and the documented
server behaviour state is checked here:

- the order is a JSON object (a record that is not, ``null`` or ``42`` say, is rejected: so is one that
  ``to_wire`` cannot turn into an order, whatever it raises);
- no number anywhere in the order is NaN or infinite: orjson writes those as ``null``, so the server would
  store ``null`` where the source held a number;
- ``source_id`` is a non-empty string. The spec marks it nullable, but the batcher requires it: the server
  reports per-order failures only by ``source_id``, and without one an order can neither be accounted for nor
  found again after a restart (pass ``require_source_id=False`` to allow orders without one);
- ``id``, ``customer_id``, ``referrer_id`` are strings (the ids may be null);
- ``status`` is one of ``CREATED``, ``PAID``, ``CANCELED``, ``FULFILLED``;
- ``amount``, ``initial_amount``, ``discount_amount`` are non-negative integers (smallest currency unit);
- ``items`` is a list of at most 500 objects ("It can include up to 500 items"); in each item ``quantity``
  and ``initial_quantity`` are integers >= 1 (the server's own example 400: "Property
  .items[0].initial_quantity cannot be lower than 1"), ``discount_quantity`` and the amounts and ``price``
  are non-negative integers, ``related_object`` is ``product`` or ``sku``, ids are strings, ``product`` and
  ``sku`` are objects whose ``price`` is a non-negative number and ``override`` a boolean;
- ``customer`` and ``referrer`` are objects whose fields named in the spec are strings, ``address`` an object
  or null; every ``metadata`` is an object;
- ``created_at`` is an ISO 8601 date-time;
- a field given as ``null`` is refused wherever the server refuses it (everywhere but ``customer_id``,
  ``referrer_id``, ``customer``, ``referrer``, an address and a product's or SKU's ``price``).

``tests/importing/test_validation_against_server.py`` checks these rules against the emulator's own
validation: every order it refuses is rejected here, and nothing it accepts is, but an empty ``source_id``.

Optionally the order's own ``created_at`` moves into a metadata key (Voucherify sets ``created_at`` to the
import time, and its docs advise keeping the real date in metadata).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from math import isfinite
from typing import Any

import attrs
import orjson

from voucherify_async.importing.fast_checks import (
    ADDRESS_STRINGS,
    CUSTOMER_STRINGS,
    ITEM_AMOUNTS,
    ITEM_AT_LEAST_ONE,
    ITEM_STRINGS,
    MAX_ITEMS,
    ORDER_AMOUNTS,
    PRODUCT_STRINGS,
    SKU_STRINGS,
    STATUSES,
    is_date_time,
)
from voucherify_async.importing.report import OrderFailure
from voucherify_async.importing.shape_checks import plain_order_is_valid
from voucherify_async.importing.sources import MalformedRecord, non_object_reason
from voucherify_async.models import JSON_OPTIONS, json_default
from voucherify_async.models import to_wire as models_to_wire

__all__ = ["MAX_ITEMS", "OrderRules", "plain_order_is_valid", "validate_order"]

_JSON_DEPTH = 255  # orjson writes no deeper nesting (its "recursion limit")


class _Invalid(Exception):
    """One broken rule (internal: turned into an :class:`OrderFailure` at once)."""


class OrderRules:
    """The validation settings of a run.

    Args:
        require_source_id: Refuse orders without a ``source_id`` (default ``True``, see the module docs).
        created_at_metadata: When set, move each order's ``created_at`` into
            ``metadata[created_at_metadata]``.
        to_wire: Turns a non-mapping order (a ``vf.Order``) into its wire dict.
    """

    def __init__(
        self,
        *,
        require_source_id: bool = True,
        created_at_metadata: str | None = None,
        to_wire: Callable[[Any], dict[str, Any]] | None = None,
    ) -> None:
        self.require_source_id = require_source_id
        self.created_at_metadata = created_at_metadata
        self.to_wire = to_wire


def validate_order(order: object, number: int, rules: OrderRules) -> dict[str, Any] | OrderFailure:
    """Check one order of the source and return its wire dict, or the reason it is rejected.

    A well-formed plain ``dict`` takes a fast path that only says yes or no; any other order, or one the
    fast path is unsure of, goes through the full checks, which find the broken rule and word the reason.
    Models and dates inside a mapping (``{"customer": vf.Customer(...)}``, a ``datetime`` ``created_at``)
    are checked as the client writes them (``models.json_default``), as ``client.orders.create`` takes them.

    Args:
        order: What the source yielded: a mapping, a ``vf.Order`` or a :class:`MalformedRecord`.
        number: Its position in the source (from 1), named in the reason.
        rules: The run's settings.

    Returns:
        The wire dict, ready to serialise (the input itself when nothing had to change; the input is never
        modified), or an :class:`OrderFailure` (its ``position`` is ``number``) whose reason says which order
        and which rule, e.g. ``"order #7 (source_id 'o-7'): items[0].quantity must be an integer >= 1, got
        0"`` or ``"order #9 (line 9): expected an order object, got null"``.
    """
    if order.__class__ is not dict:
        if isinstance(order, MalformedRecord):
            return OrderFailure(None, f"order #{number} ({order.location}): {order.reason}", number)
        if not isinstance(order, Mapping):
            wire = _wire_form(order, rules)
            if isinstance(wire, str):
                return OrderFailure(None, f"order #{number}: {wire}", number)
            order = wire
    if order.__class__ is dict and plain_order_is_valid(order, rules.require_source_id):
        return _keep_created_at(order, rules)
    return _checked(order, number, rules)


def _wire_form(order: object, rules: OrderRules) -> Mapping[str, Any] | str:
    """An order that is no mapping, through ``rules.to_wire``; or why it cannot be an order.

    Whatever ``to_wire`` raises on one record rejects that record, never the run: the models' own
    ``to_wire`` raises on anything but a model (``None``, ``42``, a list), a user's on whatever it does not
    expect.
    """
    if rules.to_wire is None:
        return non_object_reason(order)
    try:
        wire: object = rules.to_wire(order)  # a user's may return anything
    except Exception as error:
        if rules.to_wire is models_to_wire:
            return non_object_reason(order)
        return f"to_wire failed on a {type(order).__name__}: {type(error).__name__}: {str(error)[:200]}"
    if isinstance(wire, Mapping):
        return wire
    return f"to_wire turned a {type(order).__name__} into {_kind(wire)}, not an order object"


def _checked(order: Mapping[str, Any], number: int, rules: OrderRules) -> dict[str, Any] | OrderFailure:
    """The full checks, which word the reason of a rejection."""
    wire = _json_form(order)
    source_id = wire.get("source_id")
    try:
        # On the order itself: in its JSON form, NaN and infinities already read as null.
        _check_finite(order)
        _check_order(wire, rules)
    except _Invalid as invalid:
        sid = source_id if isinstance(source_id, str) else None
        where = f"order #{number}" + (f" (source_id {sid!r})" if sid is not None else "")
        return OrderFailure(sid, f"{where}: {invalid}", number)
    return _keep_created_at(wire, rules)


def _check_finite(order: Mapping[str, Any]) -> None:
    path = _non_finite_at(order)
    if path is not None:
        raise _Invalid(f"not a finite number at {path[0]}, got {path[1]!r}")


def _non_finite_at(value: object, depth: int = 0) -> tuple[str, float] | None:
    """The path (``.metadata.ratio``) and value of the first NaN or infinity in ``value``, if any.

    Models met inside are looked at as the client writes them (``to_wire``). Nothing deeper than orjson
    writes is looked at: serialising such an order fails, which rejects it.
    """
    if isinstance(value, float):
        return None if isfinite(value) else ("", value)
    if depth > _JSON_DEPTH:
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = _non_finite_at(item, depth + 1)
            if found is not None:
                return _key_path(key) + found[0], found[1]
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _non_finite_at(item, depth + 1)
            if found is not None:
                return f"[{index}]{found[0]}", found[1]
    elif attrs.has(type(value)):
        try:
            wire = models_to_wire(value)
        except Exception:  # not the SDK's to write: serialising the order says so, and rejects it
            return None
        return _non_finite_at(wire, depth + 1)
    return None


def _key_path(key: object) -> str:
    if isinstance(key, str) and key.isidentifier():
        return f".{key}"
    return f"[{orjson.dumps(key).decode()}]" if isinstance(key, str) else f"[{key!r}]"


def _json_form(order: Mapping[str, Any]) -> dict[str, Any]:
    """The order as the server reads it: models and dates in it written as the client writes them.

    What cannot be written as JSON at all is left as it is: the checks may name the field, and otherwise
    the batch refuses the order when it serialises it.
    """
    try:
        wire = orjson.loads(orjson.dumps(order, default=json_default, option=JSON_OPTIONS))
    except TypeError:  # orjson.JSONEncodeError is one
        return dict(order)
    return wire if isinstance(wire, dict) else dict(order)


def _keep_created_at(order: dict[str, Any], rules: OrderRules) -> dict[str, Any]:
    """With ``created_at_metadata``, a copy of the order whose ``created_at`` moved into its metadata."""
    if rules.created_at_metadata is None or "created_at" not in order:
        return order
    wire = dict(order)
    metadata = dict(wire.get("metadata") or {})
    metadata[rules.created_at_metadata] = wire.pop("created_at")
    wire["metadata"] = metadata
    return wire


def _check_order(order: dict[str, Any], rules: OrderRules) -> None:
    source_id = order.get("source_id")
    if source_id is None:
        if rules.require_source_id:
            raise _Invalid("source_id is missing (needed to account for the order and to resume an import)")
    elif not isinstance(source_id, str) or not source_id:
        raise _Invalid(f"source_id must be a non-empty string, got {source_id!r}")
    _optional_string(order, "id", "id")
    for name in ("customer_id", "referrer_id"):
        _optional_string(order, name, name, nullable=True)
    if "status" in order and order["status"] not in STATUSES:
        raise _Invalid(f"status must be one of {', '.join(STATUSES)}, got {order['status']!r}")
    for name in ORDER_AMOUNTS:
        _integer(order, name, name, minimum=0)
    _metadata(order, "metadata")
    if "created_at" in order:
        _check_date_time(order["created_at"])
    for name in ("customer", "referrer"):
        if name in order and order[name] is not None:
            _check_customer(order[name], name)
    if "items" not in order:
        return
    items = order["items"]
    if not isinstance(items, list):
        raise _Invalid(f"items must be a list, got {_kind(items)}")
    if len(items) > MAX_ITEMS:
        raise _Invalid(f"an order can hold at most {MAX_ITEMS} items, this one has {len(items)}")
    for index, item in enumerate(items):
        _check_item(item, f"items[{index}]")


def _check_item(item: object, path: str) -> None:
    if not isinstance(item, Mapping):
        raise _Invalid(f"{path} must be an object, got {_kind(item)}")
    for name in ITEM_AT_LEAST_ONE:
        _integer(item, name, f"{path}.{name}", minimum=1)
    for name in ITEM_AMOUNTS:
        _integer(item, name, f"{path}.{name}", minimum=0)
    for name in ITEM_STRINGS:
        _optional_string(item, name, f"{path}.{name}")
    if "related_object" in item and item["related_object"] not in ("product", "sku"):
        related = item["related_object"]
        raise _Invalid(f"{path}.related_object must be 'product' or 'sku', got {related!r}")
    _metadata(item, f"{path}.metadata")
    for name, strings in (("product", PRODUCT_STRINGS), ("sku", SKU_STRINGS)):
        if name not in item:
            continue
        part = item[name]
        if not isinstance(part, Mapping):
            raise _Invalid(f"{path}.{name} must be an object, got {_kind(part)}")
        for field in strings:
            _optional_string(part, field, f"{path}.{name}.{field}")
        price = part.get("price")
        if price is not None and (not _is_number(price) or price < 0):
            raise _Invalid(f"{path}.{name}.price must be a non-negative number, got {price!r}")
        override = part.get("override", False)
        if not isinstance(override, bool):
            raise _Invalid(f"{path}.{name}.override must be true or false, got {override!r}")
        _metadata(part, f"{path}.{name}.metadata")


def _check_customer(customer: object, path: str) -> None:
    if not isinstance(customer, Mapping):
        raise _Invalid(f"{path} must be an object, got {_kind(customer)}")
    for name in CUSTOMER_STRINGS:
        _optional_string(customer, name, f"{path}.{name}")
    _metadata(customer, f"{path}.metadata")
    address = customer.get("address")
    if address is None:
        return
    if not isinstance(address, Mapping):
        raise _Invalid(f"{path}.address must be an object, got {_kind(address)}")
    for name in ADDRESS_STRINGS:
        _optional_string(address, name, f"{path}.address.{name}")


def _integer(obj: Mapping[str, Any], name: str, path: str, *, minimum: int) -> None:
    if name not in obj:
        return
    value = obj[name]
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        rule = "a non-negative integer" if minimum == 0 else f"an integer >= {minimum}"
        unit = " in the smallest currency unit (cents)" if "amount" in name or name == "price" else ""
        raise _Invalid(f"{path} must be {rule}{unit}, got {value!r}")


def _optional_string(obj: Mapping[str, Any], name: str, path: str, *, nullable: bool = False) -> None:
    value = obj.get(name)
    if value is None:
        if name in obj and not nullable:
            raise _Invalid(f"{path} must be a string, got null")
        return
    if not isinstance(value, str):
        raise _Invalid(f"{path} must be a string, got {_kind(value)} {value!r}")


def _metadata(obj: Mapping[str, Any], path: str) -> None:
    name = path.rpartition(".")[2]
    if name not in obj:
        return
    value = obj[name]
    if not isinstance(value, Mapping):
        raise _Invalid(f"{path} must be an object of key/value pairs, got {_kind(value)}")


def _check_date_time(value: object) -> None:
    if isinstance(value, str) and is_date_time(value):
        return
    raise _Invalid(f"created_at must be an ISO 8601 date-time like '2021-12-22T10:13:06.487Z', got {value!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number"}
    if value is None:
        return "null"
    for cls, name in names.items():
        if isinstance(value, cls):
            return name
    return "a number" if isinstance(value, float) else type(value).__name__
