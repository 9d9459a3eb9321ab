"""Routes of the Orders, Async Actions and OAuth endpoints.

Shapes follow the official spec (``orders.json``, ``async-actions.json``): list envelopes with
``object``, ``data_ref`` and, for orders, ``total`` (no ``has_more``); for async actions ``has_more`` (no
``total``) and no ``result`` in the list.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from voucherify_async.emulator.oauth import KNOWN_SCOPES
from voucherify_async.emulator.request_context import (
    ANY_ID,
    CURRENT,
    ErrorAnswer,
    emulator_of,
    invalid_query,
    path_id,
    project_of,
    query_choice,
    query_int,
    read_json,
)
from voucherify_async.emulator.state import SourceIdTaken
from voucherify_async.emulator.stores import ORDER_SORTS
from voucherify_async.emulator.validation import validate_import, validate_order
from voucherify_async.emulator.wire import error_response, json_response, not_found, parse_iso_time


def _invalid(details: str) -> ErrorAnswer:
    return ErrorAnswer(error_response(400, details))


async def create_order(request: web.Request) -> web.Response:
    """POST /v1/orders: create an order, or update the one with the same ``source_id``."""
    project = project_of(request)
    body = await read_json(request)
    if problem := validate_order(body, emulator_of(request).metadata_schema):
        raise _invalid(problem)
    if missing := project.unknown_customer(body):
        return not_found("customer", missing)
    now = project.catch_up()
    return json_response(project.upsert_order(body, now))


async def get_order(request: web.Request) -> web.Response:
    """GET /v1/orders/{id}: by Voucherify id or by ``source_id``."""
    key = path_id(request)
    order = project_of(request).find_order(key)
    if order is None:
        return not_found("order", key)
    return json_response(order)


async def update_order(request: web.Request) -> web.Response:
    """PUT /v1/orders/{id}: merge the fields given into the stored order."""
    project = project_of(request)
    key = path_id(request)
    body = await read_json(request)
    if problem := validate_order(body, emulator_of(request).metadata_schema):
        raise _invalid(problem)
    order = project.find_stored_order(key)
    if order is None:
        return not_found("order", key)
    if missing := project.unknown_customer(body):
        return not_found("customer", missing)
    now = project.catch_up()
    try:
        return json_response(project.update_order(order.id, body, now))
    except SourceIdTaken as taken:
        return error_response(409, str(taken))


async def list_orders(request: web.Request) -> web.Response:
    """GET /v1/orders: ``limit`` 1..100, ``page`` 1..100, ``order``; answers ``total``, no ``has_more``."""
    limit = query_int(request, "limit", 10, 1, 100)
    page = query_int(request, "page", 1, 1, 100)
    order = query_choice(request, "order", "-created_at", ORDER_SORTS)
    records, total = project_of(request).orders_page(order, (page - 1) * limit, limit)
    body = {"object": "list", "data_ref": "orders", "orders": records, "total": total}
    return json_response(body)


async def import_orders(request: web.Request) -> web.Response:
    """POST /v1/orders/import: validate the whole array, then queue it as an ``ORDERS.IMPORT`` action."""
    body = await read_json(request)
    if problem := validate_import(body, emulator_of(request).metadata_schema):
        raise _invalid(problem)
    action = project_of(request).enqueue_import(body, fail=CURRENT.get().fail_action)
    return json_response({"async_action_id": action.id})


async def get_async_action(request: web.Request) -> web.Response:
    """GET /v1/async-actions/{id}: the action with its ``result`` once finished."""
    project = project_of(request)
    action_id = path_id(request)
    now = project.catch_up()
    action = project.find_action(action_id)
    if action is None:
        return not_found("async_action", action_id)
    return json_response(action.to_wire(now))


async def list_async_actions(request: web.Request) -> web.Response:
    """GET /v1/async-actions: newest first, created before ``end_date``; ``has_more``, no ``result``."""
    limit = query_int(request, "limit", 10, 1, 100)
    end_date = request.query.get("end_date")
    end: float | None = None
    if end_date is not None:
        end = parse_iso_time(end_date)
        if end is None:
            # The spec's own example of this 400 (async-actions.json, GET /v1/async-actions).
            raise invalid_query("Property .end_date cannot be recognized as a ISO-8601 compliant date")
    project = project_of(request)
    now = project.catch_up()
    actions = project.actions_before(end)
    body: dict[str, Any] = {
        "object": "list",
        "data_ref": "async_actions",
        "async_actions": [action.to_wire(now, with_result=False) for action in actions[:limit]],
        "has_more": len(actions) > limit,
    }
    return json_response(body)


async def issue_token(request: web.Request) -> web.Response:
    """POST /v1/oauth/token: client credentials (the project's app id and token) for a bearer token."""
    emu = emulator_of(request)
    project = emu.authenticate(request.headers.get("X-App-Id"), request.headers.get("X-App-Token"))
    if project is None:
        return error_response(401)
    form = await request.post()
    if form.get("grant_type") != "client_credentials":
        return error_response(400, "Property .grant_type must be client_credentials")
    scope_text = str(form.get("scope") or "")
    scopes = frozenset(scope_text.split())
    if not scopes:
        return error_response(400, "Property .scope is required")
    if unknown := sorted(scopes - KNOWN_SCOPES):
        return error_response(400, f"Property .scope contains unknown scopes: {', '.join(unknown)}")
    token, issued = emu.tokens.issue(project.app_id, scopes)
    body = {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": round(issued.expires_at - emu.time_source()),
        "scope": " ".join(sorted(scopes)),
    }
    return json_response(body)


def add_routes(app: web.Application) -> None:
    """Register the routes of this module (path variables are all named ``id``)."""
    app.router.add_post("/v1/orders", create_order)
    app.router.add_get("/v1/orders", list_orders)
    app.router.add_post("/v1/orders/import", import_orders)
    app.router.add_get("/v1/orders/" + ANY_ID, get_order)
    app.router.add_put("/v1/orders/" + ANY_ID, update_order)
    app.router.add_get("/v1/async-actions", list_async_actions)
    app.router.add_get("/v1/async-actions/" + ANY_ID, get_async_action)
    app.router.add_post("/v1/oauth/token", issue_token)
