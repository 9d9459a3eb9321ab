"""Regenerate ``voucherify.json``: the structure of the schemas the tests need, from the official spec.

Run ``python tests/schemas/extract.py PATH/TO/spec`` (the folder holding ``orders.json``,
``async-actions.json`` and ``exports.json`` of voucherifyio/voucherify-openapi, see ``spec/SOURCE.md``).
Only what validation uses is kept (types, properties, required, enums, bounds, ``$ref``s, ``nullable``);
descriptions, examples and other prose are stripped. The copies are verbatim otherwise: where the spec is
wrong about the real API, ``tests/spec_schemas.py`` corrects it at load time, with the evidence.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SOURCES = ("orders.json", "async-actions.json", "exports.json")
ROOTS = (
    "Error",
    "OrdersCreateRequestBody",
    "OrdersCreateResponseBody",
    "OrdersGetResponseBody",
    "OrdersUpdateRequestBody",
    "OrdersUpdateResponseBody",
    "OrdersListResponseBody",
    "OrdersImportCreateRequestBody",
    "OrdersImportCreateResponseBody",
    "OrdersExportCreateRequestBody",
    "OrdersExportCreateResponseBody",
    "AsyncActionGetResponseBody",
    "AsyncActionsListResponseBody",
    "ExportsGetResponseBody",
    "ExportsListResponseBody",
)
KEPT = {
    "type", "properties", "required", "enum", "items", "allOf", "oneOf", "anyOf", "$ref", "nullable",
    "additionalProperties", "minimum", "maximum", "minItems", "maxItems", "format", "pattern",
}  # fmt: skip
PREFIX = "#/components/schemas/"


def _strip(node: Any, *, in_properties: bool = False) -> Any:
    if isinstance(node, list):
        return [_strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    if in_properties:  # keys are property names, not keywords
        return {name: _strip(value) for name, value in node.items()}
    kept = {key: value for key, value in node.items() if key in KEPT}
    return {
        key: _strip(value, in_properties=key == "properties") if isinstance(value, (dict, list)) else value
        for key, value in kept.items()
    }


def _refs(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {node["$ref"][len(PREFIX) :]} if isinstance(node.get("$ref"), str) else set()
    return found.union(*(_refs(value) for value in node.values()))


def extract(spec_dir: Path) -> dict[str, Any]:
    """The stripped schemas reachable from :data:`ROOTS`, in one ``components/schemas`` document."""
    every: dict[str, Any] = {}
    for source in SOURCES:
        every.update(json.loads((spec_dir / source).read_text())["components"]["schemas"])
    wanted: dict[str, Any] = {}
    todo = list(ROOTS)
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted[name] = _strip(every[name])
        todo.extend(_refs(wanted[name]) - wanted.keys())
    return {"components": {"schemas": dict(sorted(wanted.items()))}}


if __name__ == "__main__":
    target = Path(__file__).with_name("voucherify.json")
    target.write_text(json.dumps(extract(Path(sys.argv[1])), indent=1, sort_keys=False) + "\n")
    print(f"wrote {target}")
