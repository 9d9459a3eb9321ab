"""The aiohttp application: the request pipeline (record, faults, auth, rate limits) and the routes."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from voucherify_async.emulator import exports, routes
from voucherify_async.emulator.faults import Fault
from voucherify_async.emulator.request_context import CURRENT, EMULATOR, ErrorAnswer, RequestState
from voucherify_async.emulator.state import ProjectState
from voucherify_async.emulator.wire import error_body, error_response, hex_id, json_response

if TYPE_CHECKING:
    from voucherify_async.emulator._emulator import Emulator, RecordedRequest

PUBLIC_ROUTES = frozenset({"POST /v1/oauth/token", "GET /download/v1/exports/{id}"})
"""Routes that take no API credentials (the token exchange; the download checks its own token)."""
BULK_ROUTES = frozenset({"POST /v1/orders/import", "POST /v1/orders/export", "POST /v1/exports"})
"""Routes budgeted as bulk API calls."""

IMPORT_STEP = 0.02
"""Seconds between two steps of the running imports: each step stores the orders due by then, so the orders
of an import are stored while it runs (as the real server does), not all at once by the request that first
looks after its end, and the look that finds it ``DONE`` is answered at once."""

MAX_BODY_BYTES = 64 * 1024 * 1024
"""The largest request body accepted (2,000 rich orders stay far below); larger ones get a 413."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

logger = logging.getLogger("voucherify_async.emulator")


def route_of(request: web.Request) -> str:
    """The route template of the request, e.g. ``GET /v1/orders/{id}``."""
    info = request.match_info
    if info.http_exception is not None:
        return f"{request.method} {request.path}"
    return f"{request.method} {info.route.resource.canonical if info.route.resource else request.path}"


def _drop(request: web.Request) -> web.Response:
    """Close the connection without an answer: aiohttp then fails to write and gives up quietly."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=500)


def _seconds(text: str | None) -> float:
    try:
        return max(0.0, float(text or "1"))
    except ValueError:
        return 1.0


def _fault_response(emu: Emulator, fault: Fault, route: str) -> web.Response:
    given = dict(fault.headers or {})
    headers: dict[str, str] = {}
    if fault.status == 429:
        # A 429 of the API always says when to come back; keep the headers consistent with each other
        # (a Retry-After given with the fault moves X-Rate-Limit-Retry with it).
        retry_after = _seconds(given.get("Retry-After"))
        bulk = route in BULK_ROUTES
        limits = emu.rate_limiter.limits
        limit = limits.bulk_calls_per_hour if bulk else limits.api_calls_per_minute
        headers = {
            "Retry-After": str(math.ceil(retry_after)),
            "X-Rate-Limit-Limit": str(limit if limit is not None else 100),
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Retry": str(math.ceil(emu.time_source() + retry_after)),
            "X-Rate-Limit-Type": "bulk_api_calls" if bulk else "api_calls",
        }
    headers.update(given)
    # A header given as an empty string is left out (e.g. a 429 without Retry-After).
    headers = {name: value for name, value in headers.items() if value != ""}
    body = fault.body if fault.body is not None else error_body(fault.status)
    if isinstance(body, dict) and isinstance(body.get("request_id"), str):
        headers.setdefault("X-Request-Id", body["request_id"])
    return json_response(body, status=fault.status, headers=headers)


def _authenticate(emu: Emulator, request: web.Request) -> ProjectState:
    authorization = request.headers.get("Authorization", "")
    if authorization[:7].lower() == "bearer ":
        issued = emu.tokens.check(authorization[7:].strip())
        if issued is None:
            raise ErrorAnswer(error_response(401, "The access token is invalid or expired"))
        if not emu.tokens.allows(issued, request.path):
            raise ErrorAnswer(error_response(403, "The access token's scopes do not allow this endpoint"))
        return emu.projects[issued.project]
    project = emu.authenticate(request.headers.get("X-App-Id"), request.headers.get("X-App-Token"))
    if project is None:
        raise ErrorAnswer(error_response(401))
    return project


async def _handle(
    emu: Emulator, request: web.Request, handler: Handler, route: str, record: RecordedRequest
) -> web.StreamResponse:
    if request.match_info.http_exception is not None:
        status = request.match_info.http_exception.status
        return error_response(status, f"Unknown endpoint {request.method} {request.path}")
    rate_headers: dict[str, str] = {}
    if route not in PUBLIC_ROUTES:
        project = _authenticate(emu, request)
        record.project = project.app_id
        CURRENT.get().project = project
        verdict = emu.rate_limiter.count(project.app_id, bulk=route in BULK_ROUTES)
        if verdict is not None:
            rate_headers = verdict.headers
            if not verdict.allowed:
                details = f"Too many requests: the {verdict.limit_type} limit is exhausted"
                return error_response(429, details, headers=rate_headers)
    response = await handler(request)
    response.headers.update(rate_headers)
    return response


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every request: record it, apply faults, authenticate, count it against the budget, answer."""
    emu = request.app[EMULATOR]
    response = await _answer(emu, request, handler)
    # The Date header on the emulator's own clock (aiohttp stamps the machine's): a test that skews the
    # emulator's time_source skews everything a client can read of the server's clock, as a real one would.
    response.headers["Date"] = email.utils.formatdate(emu.time_source(), usegmt=True)
    # Every answer names its request, as an error's body does (the same id then).
    response.headers.setdefault("X-Request-Id", hex_id("v-"))
    return response


async def _answer(emu: Emulator, request: web.Request, handler: Handler) -> web.StreamResponse:
    from voucherify_async.emulator._emulator import RecordedRequest

    route = route_of(request)
    record = RecordedRequest(request.method, request.path, route)
    emu.requests.append(record)
    hits = emu.faults.pick(route)
    for fault in hits:
        if fault.kind == "latency":
            await emu.hold(fault.delay)
    kinds = {fault.kind for fault in hits}
    if "drop" in kinds:
        return _drop(request)
    for fault in hits:
        if fault.kind == "status":
            response: web.StreamResponse = _fault_response(emu, fault, route)
            record.status = response.status
            return response
    CURRENT.set(RequestState(fail_action="action_failed" in kinds))
    try:
        response = await _handle(emu, request, handler, route, record)
    except ErrorAnswer as answer:
        response = answer.response
    except web.HTTPException as refusal:  # aiohttp's own refusals, e.g. 413 for a body over the size limit
        response = error_response(refusal.status, refusal.reason)
    except Exception:
        # A bug of the emulator must still look like the API to the client under test (and be visible).
        logger.exception("emulator failed on %s %s", request.method, request.path)
        response = error_response(500, "The emulator failed on this request")
    if "lost_ack" in kinds:
        return _drop(request)
    record.status = response.status
    for fault in hits:
        if fault.kind == "slow_ack":
            # Processed already: a client that gives up meanwhile leaves its import queued all the same.
            await emu.hold(fault.delay)
    return response


@functools.cache
def route_templates() -> frozenset[str]:
    """Every route the emulator serves, as ``"METHOD /path/{id}"`` (what a :class:`Fault` can name)."""
    app = web.Application()
    routes.add_routes(app)
    exports.add_routes(app)
    templates = set()
    for route in app.router.routes():
        if route.resource is not None:
            templates.add(f"{route.method} {route.resource.canonical}")
    return frozenset(templates)


async def _step_imports(emu: Emulator) -> None:
    while True:
        await asyncio.sleep(IMPORT_STEP)
        for project in emu.projects.values():
            if project.importing:
                try:
                    project.catch_up()
                except Exception:  # a bug: the next request meets it again and answers 500
                    logger.exception("emulator failed to store the orders of a running import")


async def _running_imports(app: web.Application) -> AsyncIterator[None]:
    """While the app serves, store the orders of running imports step by step (see ``IMPORT_STEP``).

    A step reads the emulator's time source like any request does: with a test's fake time it stores
    exactly what a request would find stored at that time.
    """
    # aiohttp's own pattern for a background task: started with the app, cancelled at its cleanup.
    task = asyncio.get_running_loop().create_task(_step_imports(app[EMULATOR]))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def build_app(emu: Emulator) -> web.Application:
    """The aiohttp application serving ``emu``."""
    app = web.Application(middlewares=[api_middleware], client_max_size=MAX_BODY_BYTES)
    app[EMULATOR] = emu
    app.cleanup_ctx.append(_running_imports)
    routes.add_routes(app)
    exports.add_routes(app)
    return app
