"""Validate JSON against the official Voucherify schemas (responses and request bodies).

``tests/schemas/voucherify.json`` holds the structure of the schemas of the official OpenAPI files
(``orders.json``, ``async-actions.json``, ``exports.json`` of voucherifyio/voucherify-openapi; regenerate
with ``tests/schemas/extract.py``). This module loads them, turns OpenAPI 3.0's ``nullable`` into JSON
Schema, and corrects the places where the spec disagrees with the real API (each with its evidence):

1. ``ORDERS.IMPORT`` result ``failed`` (``17_res_obj_get_async_action_result_orders_import``): typed an
   object, but the API sends a list of ``{source_id, reason}`` (the full spec's own example of an
   ``ORDERS.IMPORT`` action: ``"failed": [{"source_id": null, "reason": "Internal error"}]``), and
   ``source_id`` may be null.
2. ``AsyncAction.result`` is a ``oneOf`` of 22 result schemas whose properties are all optional, so a real
   result matches several of them and can never satisfy ``oneOf``; it is narrowed to the ``ORDERS.IMPORT``
   result, the only async action this project deals with.
3. ``OrderItem`` requires ``object``, but request items never carry it (the spec's own request examples of
   POST /v1/orders and POST /v1/orders/import have items without ``object``); the requirement is dropped.
   Response items (``OrderCalculatedItem``) keep it.
4. ``ExportOrderFields`` is an enum without ``metadata.<key>``, which the spec's own example of
   POST /v1/orders/export uses (``"metadata.payment_mean"``); such fields are allowed.
5. ``ExportScheduledBase.user_id`` is typed a string, but the examples (and the API) send ``null``.
6. ``Any`` (the values of a filter condition, e.g. ``{"$in": ["PAID"]}``) is an array whose items are a
   ``oneOf`` of ``string``, ``string`` with ``format: date``, ``string`` with ``format: date-time``, number
   and object. JSON Schema leaves formats unchecked by default, so every string matches the three string
   variants and fails ``oneOf``: no string condition could validate, though the API's own 400 for a bad
   filter names ``$in``, ``$is`` and the other string conditions (orders.json, POST /v1/orders/export).
   The items become an ``anyOf`` of the same variants.

Example:
    >>> validate({"async_action_id": "aa_0a875d56c805df6601"}, "OrdersImportCreateResponseBody")
    >>> errors([{"status": "LOST"}], "OrdersImportCreateRequestBody")
    ["0.status: 'LOST' is not one of ['CREATED', 'PAID', 'CANCELED', 'FULFILLED']"]
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_FILE = Path(__file__).parent / "schemas" / "voucherify.json"
BASE_URI = "urn:voucherify-openapi"
_PREFIX = "#/components/schemas/"


def _nullable_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` -> JSON Schema that also accepts ``null``."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {
        key: (
            {name: _nullable_to_json_schema(value) for name, value in sub.items()}
            if key == "properties"
            else _nullable_to_json_schema(sub)
        )
        for key, sub in node.items()
    }
    if not converted.pop("nullable", False):
        return converted
    if "enum" in converted and None not in converted["enum"]:
        converted["enum"] = [*converted["enum"], None]
    if "type" in converted:
        converted["type"] = [converted["type"], "null"]
        return converted
    return {"anyOf": [converted, {"type": "null"}]}


def _correct(schemas: dict[str, Any]) -> None:
    """Apply the corrections listed in the module's docstring."""
    orders_import = "17_res_obj_get_async_action_result_orders_import"
    schemas[orders_import]["properties"]["failed"] = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"source_id": {"type": ["string", "null"]}, "reason": {"type": "string"}},
            "required": ["source_id", "reason"],
        },
    }
    for part in schemas["AsyncAction"]["allOf"]:
        if "result" in part.get("properties", {}):
            part["properties"]["result"] = {"$ref": _PREFIX + orders_import}
    schemas["OrderItem"].pop("required", None)
    enum_fields = schemas["ExportOrderFields"]
    schemas["ExportOrderFields"] = {
        "anyOf": [enum_fields, {"type": "string", "pattern": r"^metadata\..+"}],
    }
    schemas["ExportScheduledBase"]["properties"]["user_id"] = {"type": ["string", "null"]}
    condition_values = schemas["Any"]["items"]
    condition_values["anyOf"] = condition_values.pop("oneOf")


@functools.cache
def _registry() -> Registry[Any]:
    document = json.loads(SCHEMA_FILE.read_text())
    schemas = document["components"]["schemas"]
    _correct(schemas)
    document = _nullable_to_json_schema(document)
    resource = Resource.from_contents(document, default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(BASE_URI, resource)
    return registry


def schema_names() -> list[str]:
    """Every schema name that :func:`validate` knows."""
    contents = _registry().contents(BASE_URI)
    return sorted(contents["components"]["schemas"])


@functools.cache
def _validator(schema_name: str) -> jsonschema.Draft4Validator:
    if schema_name not in schema_names():
        raise KeyError(f"unknown schema {schema_name!r}; known: {', '.join(schema_names())}")
    schema = {"$ref": f"{BASE_URI}{_PREFIX}{schema_name}"}
    return jsonschema.Draft4Validator(copy.deepcopy(schema), registry=_registry())


def errors(instance: Any, schema_name: str) -> list[str]:
    """Every violation of ``schema_name`` by ``instance``, as ``path: message`` lines (empty when valid)."""
    found = sorted(_validator(schema_name).iter_errors(instance), key=lambda error: list(error.path))
    return [f"{'.'.join(str(part) for part in error.path) or '<root>'}: {error.message}" for error in found]


def validate(instance: Any, schema_name: str) -> None:
    """Check ``instance`` (a decoded JSON body) against the official schema ``schema_name``.

    Args:
        instance: a response body, or a request body an SDK is about to send.
        schema_name: a schema of the spec, e.g. ``"OrdersImportCreateRequestBody"``,
            ``"OrdersCreateRequestBody"``, ``"OrdersUpdateRequestBody"``, ``"OrdersExportCreateRequestBody"``,
            ``"OrdersListResponseBody"``, ``"AsyncActionGetResponseBody"``, ``"ExportsGetResponseBody"``,
            ``"Error"``.

    Raises:
        AssertionError: listing every violation (so pytest shows them all).
    """
    problems = errors(instance, schema_name)
    if problems:
        raise AssertionError(f"not a valid {schema_name}:\n" + "\n".join(problems))
