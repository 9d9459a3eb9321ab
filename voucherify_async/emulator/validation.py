"""Validation of orders as the real server does it, with its error details.

The API answers a malformed order with ``400 invalid_payload`` whose ``details`` name the property path
inside the order, e.g. ``Property .items[0].initial_quantity cannot be lower than 1`` (``orders.json``,
POST /v1/orders/import, 400 example "Invalid Payload"). For an import the details never say which order of
the array is at fault: the emulator keeps to that, so clients are tested against a server exactly as
unhelpful as the real one.

Every check returns the ``details`` text of the first problem found, or ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from voucherify_async.emulator.wire import parse_iso_time

MAX_IMPORT_ORDERS = 2000
"""Orders accepted by one POST /v1/orders/import (the API reference's limit)."""

MAX_ITEMS = 500
"""Items accepted in one order."""

ORDER_STATUSES = ("CREATED", "PAID", "CANCELED", "FULFILLED")
RELATED_OBJECTS = ("product", "sku")

_ORDER_AMOUNTS = ("amount", "initial_amount", "discount_amount")
_ITEM_AMOUNTS = ("amount", "discount_amount", "initial_amount", "price")
_ITEM_STRINGS = ("sku_id", "product_id", "source_id")
_PARTY_STRINGS = ("id", "source_id", "name", "email", "phone", "birthday", "birthdate")
_ADDRESS_STRINGS = ("city", "state", "line_1", "line_2", "country", "postal_code")
_PRODUCT_STRINGS = ("id", "source_id", "name", "sku")

MetadataSchema = Mapping[str, Sequence[object]]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _allowed(values: Sequence[object]) -> str:
    return ", ".join(str(value) for value in values)


def _check_string(value: object, path: str, *, nullable: bool = False) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        return f"Property {path} must be a string"
    return None


def _check_amount(value: object, path: str, minimum: int = 0) -> str | None:
    if not _is_int(value):
        return f"Property {path} must be an integer"
    if value < minimum:  # type: ignore[operator]
        return f"Property {path} cannot be lower than {minimum}"
    return None


def _check_metadata(value: object, path: str, schema: MetadataSchema | None) -> str | None:
    if not isinstance(value, dict):
        return f"Property {path} must be an object"
    if not schema:
        return None
    for key, allowed in schema.items():
        if key not in value:
            continue
        given = value[key]
        candidates = given if isinstance(given, list) else [given]
        if any(candidate not in allowed for candidate in candidates):
            return f"Property {path}.{key} must be one of: {_allowed(allowed)}"
    return None


def _check_product(value: object, path: str) -> str | None:
    if not isinstance(value, dict):
        return f"Property {path} must be an object"
    for name in _PRODUCT_STRINGS:
        if name in value and (problem := _check_string(value[name], f"{path}.{name}")):
            return problem
    if "price" in value and value["price"] is not None:
        if not _is_number(value["price"]):
            return f"Property {path}.price must be a number"
        if value["price"] < 0:
            return f"Property {path}.price cannot be lower than 0"
    if "override" in value and not isinstance(value["override"], bool):
        return f"Property {path}.override must be a boolean"
    if "metadata" in value:
        return _check_metadata(value["metadata"], f"{path}.metadata", None)
    return None


def _check_item(item: object, path: str) -> str | None:
    if not isinstance(item, dict):
        return f"Property {path} must be an object"
    for name in _ITEM_STRINGS:
        if name in item and (problem := _check_string(item[name], f"{path}.{name}")):
            return problem
    if "related_object" in item and item["related_object"] not in RELATED_OBJECTS:
        return (
            f"Property {path}.related_object should be equal to one of the allowed values "
            f"[ {_allowed(RELATED_OBJECTS)} ]"
        )
    for name in ("quantity", "initial_quantity"):
        if name in item and (problem := _check_amount(item[name], f"{path}.{name}", minimum=1)):
            return problem
    if "discount_quantity" in item and (
        problem := _check_amount(item["discount_quantity"], f"{path}.discount_quantity")
    ):
        return problem
    for name in _ITEM_AMOUNTS:
        if name in item and (problem := _check_amount(item[name], f"{path}.{name}")):
            return problem
    for name in ("product", "sku"):
        if name in item and (problem := _check_product(item[name], f"{path}.{name}")):
            return problem
    if "metadata" in item:
        return _check_metadata(item["metadata"], f"{path}.metadata", None)
    return None


def _check_party(value: object, path: str) -> str | None:
    """A customer or referrer given inline (``Customer`` schema)."""
    if not isinstance(value, dict):
        return f"Property {path} must be an object"
    for name in _PARTY_STRINGS:
        if name in value and (problem := _check_string(value[name], f"{path}.{name}")):
            return problem
    address = value.get("address")
    if address is not None:
        if not isinstance(address, dict):
            return f"Property {path}.address must be an object"
        for name in _ADDRESS_STRINGS:
            if name in address and (problem := _check_string(address[name], f"{path}.address.{name}")):
                return problem
    if "metadata" in value:
        return _check_metadata(value["metadata"], f"{path}.metadata", None)
    return None


def _check_items(items: object) -> str | None:
    if not isinstance(items, list):
        return "Property .items must be an array"
    if len(items) > MAX_ITEMS:
        return f"Property .items must contain at most {MAX_ITEMS} elements"
    for index, item in enumerate(items):
        if problem := _check_item(item, f".items[{index}]"):
            return problem
    return None


def validate_order(order: object, metadata_schema: MetadataSchema | None = None) -> str | None:
    """Check one order body (create, update or one element of an import).

    Args:
        order: the decoded JSON of the order.
        metadata_schema: the project's allowed metadata values, a rule only the server knows.

    Returns:
        The ``details`` of the API's 400 for the first problem, or ``None`` when the order is valid.
    """
    if not isinstance(order, dict):
        return "Property . must be an object"
    for name in ("id", "source_id", "customer_id", "referrer_id"):
        if name in order and (problem := _check_string(order[name], f".{name}", nullable=name != "id")):
            return problem
    if "status" in order and order["status"] not in ORDER_STATUSES:
        return f"Property .status should be equal to one of the allowed values [ {_allowed(ORDER_STATUSES)} ]"
    for name in _ORDER_AMOUNTS:
        if name in order and (problem := _check_amount(order[name], f".{name}")):
            return problem
    if "items" in order and (problem := _check_items(order["items"])):
        return problem
    if "metadata" in order and (problem := _check_metadata(order["metadata"], ".metadata", metadata_schema)):
        return problem
    if "created_at" in order and (
        not isinstance(order["created_at"], str) or parse_iso_time(order["created_at"]) is None
    ):
        return "Property .created_at cannot be recognized as a ISO-8601 compliant date"
    for name in ("customer", "referrer"):
        if order.get(name) is not None and (problem := _check_party(order[name], f".{name}")):
            return problem
    return None


def validate_import(body: object, metadata_schema: MetadataSchema | None = None) -> str | None:
    """Check a whole POST /v1/orders/import body: an array of at most 2000 valid orders.

    The first malformed order fails the whole request; its details carry the path inside that order only.
    """
    if not isinstance(body, list):
        return "Request body must be an array of orders"
    if not body:
        return "Request body must contain at least 1 order"
    if len(body) > MAX_IMPORT_ORDERS:
        return f"Request body must contain at most {MAX_IMPORT_ORDERS} orders"
    for order in body:
        if problem := validate_order(order, metadata_schema):
            return problem
    return None
