"""Exports of orders: POST /v1/orders/export and POST /v1/exports, GET/DELETE /v1/exports/{id},
GET /v1/exports, the CSV download.

An export is ``SCHEDULED`` when created, ``IN_PROGRESS`` after half the emulator's ``export_delay`` and
``DONE`` after all of it; then ``result.url`` points at the CSV. The real API serves the file from the
cluster's ``download`` host at ``/v1/exports/{id}?token=...`` (``exports.json``, "Download Export"); the
emulator has one host, so it serves the file under ``/download/v1/exports/{id}?token=...``: a client of the
download host takes ``{emu.url}/download`` as that host's base URL. The download takes no API credentials,
only the export's token, and is ``text/plain`` as the spec declares it (the official Python SDK refuses any
other type, ``text/csv`` included). The CSV's header row names the fields the way the spec's example of a
CSV does (``ID,Code,Voucher Type,Value``): words capitalised, ``id`` as ``ID``.

Where the spec's text and its schemas or examples differ (default fields, the echo of ``parameters``,
``metadata.<key>`` fields), the emulator follows the text: see the package's docstring.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from voucherify_async.emulator.export_filters import filter_problem
from voucherify_async.emulator.export_records import ExportRecord, export_file
from voucherify_async.emulator.request_context import (
    ANY_ID,
    ErrorAnswer,
    emulator_of,
    path_id,
    project_of,
    query_choice,
    query_int,
    read_json,
)
from voucherify_async.emulator.wire import error_response, json_response, not_found, random_id

ORDER_EXPORT_FIELDS = (
    "id",
    "source_id",
    "created_at",
    "updated_at",
    "status",
    "amount",
    "discount_amount",
    "items_discount_amount",
    "total_discount_amount",
    "total_amount",
    "customer_id",
    "referrer_id",
    "metadata",
)
"""``ExportOrderFields`` in ``orders.json``; ``metadata.<key>`` is allowed too (the spec's own example)."""

DEFAULT_ORDER_EXPORT_FIELDS = ("id", "source_id", "status")
"""The fields of an export that names none (``orders.json``: "Passing an empty JSON will generate a file
containing three default fields")."""

EXPORTED_OBJECTS = (
    "voucher",
    "redemption",
    "publication",
    "customer",
    "order",
    "points_expiration",
    "voucher_transactions",
    "product",
    "sku",
)
"""What ``POST /v1/exports`` exports (``exports.json``, create-export); the emulator holds orders only."""

EXPORT_ORDERS = ("-created_at", "created_at", "-updated_at", "updated_at", "-status", "status")
LIST_ORDERS = ("created_at", "-created_at", "status", "-status")


def _known_field(field: object) -> bool:
    return isinstance(field, str) and (field in ORDER_EXPORT_FIELDS or field.startswith("metadata."))


def _invalid(details: str, *, key: str | None = None, message: str | None = None) -> ErrorAnswer:
    return ErrorAnswer(error_response(400, details, key=key, message=message))


def _not_one_of(name: str, allowed: tuple[str, ...]) -> ErrorAnswer:
    # The API's wording (exports.json, create-export, 400 example "Invalid Payload").
    return _invalid(f"Property .{name} should be equal to one of the allowed values [ {', '.join(allowed)} ]")


def _check_parameters(parameters: Any) -> None:
    """Raise the API's 400 for order export ``parameters`` it would refuse."""
    if not isinstance(parameters, dict):
        raise _invalid("Property .parameters must be an object")
    fields = parameters.get("fields", DEFAULT_ORDER_EXPORT_FIELDS)
    if not isinstance(fields, (list, tuple)) or not fields:
        raise _invalid("Property .parameters.fields must be a non-empty array")
    if not all(_known_field(field) for field in fields):
        details = f"Unsupported field used. Allowed fields: {', '.join(ORDER_EXPORT_FIELDS)}"
        raise _invalid(details, key="invalid_export_fields", message="Invalid Export")
    if parameters.get("order", EXPORT_ORDERS[0]) not in EXPORT_ORDERS:
        raise _not_one_of("parameters.order", EXPORT_ORDERS)
    if "filters" in parameters and (problem := filter_problem(parameters["filters"])):
        raise _invalid(problem)


async def _schedule(request: web.Request, body: dict[str, Any]) -> web.Response:
    """Check the ``parameters`` of ``body``, store the export of the orders they choose, answer it."""
    sent = body.get("parameters")
    parameters = {} if sent is None else sent
    _check_parameters(parameters)
    project = project_of(request)
    now = project.catch_up()
    export = ExportRecord(
        id=random_id("exp_"),
        created_at=now,
        parameters=sent,
        fields=list(parameters.get("fields", DEFAULT_ORDER_EXPORT_FIELDS)),
        token=secrets.token_urlsafe(24),
    )
    file = await export_file(
        project.store.iter_orders(),
        fields=export.fields,
        filters=parameters.get("filters") or {},
        order=parameters.get("order", EXPORT_ORDERS[0]),
        now=now,
    )
    project.add_export(export, file)
    return json_response(export.to_wire("SCHEDULED", emulator_of(request).url))


async def create_order_export(request: web.Request) -> web.Response:
    """POST /v1/orders/export: an export of orders, ``SCHEDULED``."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise _invalid("Request body must be an object")
    return await _schedule(request, body)


async def create_export(request: web.Request) -> web.Response:
    """POST /v1/exports: an export of ``exported_object`` ``order``, as POST /v1/orders/export makes.

    Other objects the API exports (vouchers, customers...) are not held by the emulator: a 400 says so.
    """
    body = await read_json(request)
    if not isinstance(body, dict):
        raise _invalid("Request body must be an object")
    exported = body.get("exported_object")
    if exported not in EXPORTED_OBJECTS:
        raise _not_one_of("exported_object", EXPORTED_OBJECTS)
    if exported != "order":
        raise _invalid(
            f"The emulator holds orders only: it cannot export {exported} objects; "
            'exported_object "order" is served'
        )
    return await _schedule(request, body)


def _find(request: web.Request) -> ExportRecord | None:
    return project_of(request).exports.get(path_id(request))


async def get_export(request: web.Request) -> web.Response:
    """GET /v1/exports/{id}."""
    export = _find(request)
    if export is None:
        return not_found("export", path_id(request))
    emu = emulator_of(request)
    status = export.status(emu.time_source(), emu.export_delay)
    return json_response(export.to_wire(status, emu.url))


async def delete_export(request: web.Request) -> web.Response:
    """DELETE /v1/exports/{id}: 204, then the export and its file are gone."""
    export = _find(request)
    if export is None:
        return not_found("export", path_id(request))
    project_of(request).delete_export(export.id)
    return web.Response(status=204)


async def list_exports(request: web.Request) -> web.Response:
    """GET /v1/exports: ``limit``, ``page``, ``order``; answers ``total``."""
    limit = query_int(request, "limit", 10, 1, 100)
    page = query_int(request, "page", 1, 1, 100)
    order = query_choice(request, "order", "-created_at", LIST_ORDERS)
    emu = emulator_of(request)
    now = emu.time_source()
    stored = project_of(request).exports.values()
    exports = [(export, export.status(now, emu.export_delay)) for export in stored]
    if order.lstrip("-") == "status":
        exports.sort(key=lambda pair: pair[1])
    if order.startswith("-"):
        exports.reverse()
    start = (page - 1) * limit
    body = {
        "object": "list",
        "data_ref": "exports",
        "exports": [export.to_wire(status, emu.url) for export, status in exports[start : start + limit]],
        "total": len(exports),
    }
    return json_response(body)


async def download_export(request: web.Request) -> web.Response:
    """GET /download/v1/exports/{id}?token=...: the CSV, for the export's token only."""
    emu = emulator_of(request)
    export_id = path_id(request)
    token = request.query.get("token", "")
    for project in emu.projects.values():
        export = project.exports.get(export_id)
        if export is None:
            continue
        # Export tokens are URL-safe ASCII; compare_digest raises on other text (a 500 for `?token=%C3%A9`).
        if not token.isascii() or not secrets.compare_digest(token, export.token):
            return error_response(401)
        if export.status(emu.time_source(), emu.export_delay) != "DONE":
            return not_found("export", export_id)
        # text/plain, as the spec declares (exports.json, download-export, 200).
        file = project.export_file(export.id) or b""
        return web.Response(body=file, content_type="text/plain", charset="utf-8")
    return error_response(401)


def add_routes(app: web.Application) -> None:
    """Register the export routes."""
    app.router.add_post("/v1/orders/export", create_order_export)
    app.router.add_post("/v1/exports", create_export)
    app.router.add_get("/v1/exports", list_exports)
    app.router.add_get("/v1/exports/" + ANY_ID, get_export)
    app.router.add_delete("/v1/exports/" + ANY_ID, delete_export)
    app.router.add_get("/download/v1/exports/" + ANY_ID, download_export)
