"""voucherify-async, driven as its README shows: ``vf.ImportBatcher(client).run(orders)``.

The names it uses are imported with the module, as the hand loops import aiohttp: the package loads its public
names on first use, and that start-up is measured on its own (``startup.py``), not in the client CPU of each
import.

The client gets an aiohttp session with a trace hook that records every ``GET /v1/async-actions/{id}``
answer (its arrival time and the action's status), the duration of every ``POST /v1/orders/import`` and the
route of every request sent, so polls per batch, the moment the client saw an action finish, the time spent
submitting and the API calls per route are measured from the outside, without relying on the SDK's own
reporting.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import aiohttp
import orjson

from benchmarks.contenders import API_BATCH_LIMIT, FINISHED, ImportOutcome
from voucherify_async import AsyncVoucherify, ImportBatcher
from voucherify_async.importing.sources import read_jsonl

__all__ = ["import_orders", "read_jsonl", "time_single_calls"]  # read_jsonl: the SDK's own streaming reader

_ACTION_PATH = "/v1/async-actions/"
_IMPORT_PATH = "/v1/orders/import"
_NOT_IDS = {"import"}  # /v1/orders/import is a route of its own, not the order "import"


def route_of(method: str, path: str) -> str:
    """The route template of a request, as the emulator records it: ``GET /v1/async-actions/{id}``."""
    parts = path.split("/", 4)  # "", "v1", the collection, an id, the rest
    if len(parts) > 3 and parts[3] not in _NOT_IDS:
        parts[3] = "{id}"
    return f"{method} {'/'.join(parts)}"


def _poll_recorder(outcome: ImportOutcome) -> aiohttp.TraceConfig:
    async def on_request_start(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
    ) -> None:
        context.started = time.perf_counter()
        route = route_of(params.method, params.url.path)
        outcome.calls[route] = outcome.calls.get(route, 0) + 1

    async def on_request_end(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        path = params.url.path
        if params.method == "POST" and path == _IMPORT_PATH:
            await params.response.read()
            outcome.submit_seconds += time.perf_counter() - context.started
            return
        if params.method != "GET" or not path.startswith(_ACTION_PATH) or params.response.status != 200:
            return
        received = time.time()
        action_id = path[len(_ACTION_PATH) :]
        if action_id in outcome.noticed_at:
            return
        # aiohttp keeps the body once read, so the SDK reads the same bytes again at no cost.
        action = orjson.loads(await params.response.read())
        outcome.polls[action_id] = outcome.polls.get(action_id, 0) + 1
        if action.get("status") in FINISHED:
            outcome.noticed_at[action_id] = received

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    trace.on_request_end.append(on_request_end)
    return trace


@asynccontextmanager
async def open_client(
    base_url: str, app_id: str, app_token: str, outcome: ImportOutcome | None = None
) -> AsyncIterator[AsyncVoucherify]:
    """An ``AsyncVoucherify`` on the emulator; with ``outcome``, its polls are recorded there."""
    traces = [_poll_recorder(outcome)] if outcome is not None else []
    async with (
        aiohttp.ClientSession(trace_configs=traces) as session,
        AsyncVoucherify(app_id=app_id, app_token=app_token, base_url=base_url, session=session) as client,
    ):
        yield client


async def import_orders(
    base_url: str,
    app_id: str,
    app_token: str,
    orders: Iterable[dict[str, Any]],
    *,
    batch_size: int = API_BATCH_LIMIT,
    **options: Any,
) -> ImportOutcome:
    """Import ``orders`` with ``ImportBatcher``'s default settings, or ``options`` (``checkpoint``, say), and
    return what it did."""
    outcome = ImportOutcome()
    started = time.perf_counter()
    async with open_client(base_url, app_id, app_token, outcome) as client:
        report = await ImportBatcher(client, batch_size=batch_size, **options).run(orders)
    outcome.wall_seconds = time.perf_counter() - started
    outcome.orders = report.orders
    outcome.imported = report.imported
    outcome.action_ids = [batch.async_action_id for batch in report.batches if batch.async_action_id]
    return outcome


async def time_single_calls(
    base_url: str, app_id: str, app_token: str, source_ids: list[str], list_pages: int
) -> dict[str, list[float]]:
    """Time sequential ``client.orders.get`` and ``client.orders.list`` calls; seconds per call."""
    timings: dict[str, list[float]] = {"get": [], "list": []}
    async with open_client(base_url, app_id, app_token) as client:
        for source_id in source_ids:
            started = time.perf_counter()
            await client.orders.get(source_id)
            timings["get"].append(time.perf_counter() - started)
        for page in range(1, list_pages + 1):
            started = time.perf_counter()
            await client.orders.list(limit=100, page=page)
            timings["list"].append(time.perf_counter() - started)
    return timings
