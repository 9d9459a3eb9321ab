"""The official ``voucherify`` package from PyPI, driven the way its users must drive it.

It is synchronous (urllib3 + pydantic models) and has no import helper, so its users chunk the orders by
hand, turn each order into an ``OrdersImportCreateRequestBodyItem``, call ``import_orders`` and poll
``get_async_action`` with ``time.sleep`` in between. It is pointed at the emulator through
``Configuration(host=...)``, which replaces the ``https://{cluster}.voucherify.io`` server template.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import voucherify

from benchmarks.contenders import API_BATCH_LIMIT, FINISHED, ImportOutcome, chunked


def _api_client(base_url: str, app_id: str, app_token: str) -> voucherify.ApiClient:
    configuration = voucherify.Configuration(
        host=base_url, api_key={"X-App-Id": app_id, "X-App-Token": app_token}
    )
    return voucherify.ApiClient(configuration)


def import_orders(
    base_url: str,
    app_id: str,
    app_token: str,
    orders: Iterable[dict[str, Any]],
    *,
    poll_interval: float,
    batch_size: int = API_BATCH_LIMIT,
) -> ImportOutcome:
    """Import ``orders`` chunk by chunk with the official SDK, polling at a fixed interval."""
    outcome = ImportOutcome()
    started = time.perf_counter()
    with _api_client(base_url, app_id, app_token) as api_client:
        orders_api = voucherify.OrdersApi(api_client)
        actions_api = voucherify.AsyncActionsApi(api_client)
        for chunk in chunked(orders, batch_size):
            outcome.orders += len(chunk)
            # Keyword construction, not ``from_dict``: ``from_dict`` marks every field as set, so the SDK
            # sends ``"id": null`` and friends, which a server that follows the spec rejects (``Order.id``
            # is a non-nullable string in orders.json: 400 "Property .id must be a string").
            items = [voucherify.OrdersImportCreateRequestBodyItem(**order) for order in chunk]
            posted = time.perf_counter()
            action_id = orders_api.import_orders(items).async_action_id
            outcome.submit_seconds += time.perf_counter() - posted
            outcome.action_ids.append(action_id)
            outcome.polls[action_id] = 0
            while True:
                time.sleep(poll_interval)
                action = actions_api.get_async_action(action_id)
                outcome.polls[action_id] += 1
                if action.status in FINISHED:
                    outcome.noticed_at[action_id] = time.time()
                    break
    outcome.wall_seconds = time.perf_counter() - started
    return outcome


def time_single_calls(
    base_url: str, app_id: str, app_token: str, source_ids: list[str], list_pages: int
) -> dict[str, list[float]]:
    """Time sequential ``get_order`` and ``list_orders`` calls; seconds per call."""
    timings: dict[str, list[float]] = {"get": [], "list": []}
    with _api_client(base_url, app_id, app_token) as api_client:
        orders_api = voucherify.OrdersApi(api_client)
        for source_id in source_ids:
            started = time.perf_counter()
            orders_api.get_order(source_id)
            timings["get"].append(time.perf_counter() - started)
        for page in range(1, list_pages + 1):
            started = time.perf_counter()
            orders_api.list_orders(limit=100, page=page)
            timings["list"].append(time.perf_counter() - started)
    return timings
