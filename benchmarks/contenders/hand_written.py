"""The hand-written floor: aiohttp + orjson, chunk, post, poll at a fixed interval.

This is what a careful engineer writes in an afternoon without an SDK: one session, bodies serialised with
orjson, each chunk posted only after the previous import finished (the API runs one import per project at a
time), and a fixed polling interval. It has no validation, retries or reporting: it is the speed floor.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterable
from typing import Any

import aiohttp
import orjson

from benchmarks.contenders import API_BATCH_LIMIT, FINISHED, ImportOutcome, chunked


def auth_headers(app_id: str, app_token: str) -> dict[str, str]:
    """The API's key headers."""
    return {"X-App-Id": app_id, "X-App-Token": app_token}


async def import_orders(
    base_url: str,
    app_id: str,
    app_token: str,
    orders: Iterable[dict[str, Any]],
    *,
    poll_interval: float,
    batch_size: int = API_BATCH_LIMIT,
    random_phase: bool = False,
) -> ImportOutcome:
    """Import ``orders`` chunk by chunk, waiting for each async action with fixed-interval polling.

    With ``random_phase`` the first poll of each batch comes after a random fraction of the interval (seeded),
    so the polls fall at a random phase of the server's work, as they do against a real server whose
    processing times vary. Without it, against the emulator's exact processing times, a processing time that
    is a multiple of the interval would always be noticed at once, which no real fixed-interval loop enjoys.
    """
    phases = random.Random(1)
    outcome = ImportOutcome()
    started = time.perf_counter()
    async with aiohttp.ClientSession(base_url, headers=auth_headers(app_id, app_token)) as session:
        for chunk in chunked(orders, batch_size):
            outcome.orders += len(chunk)
            body = orjson.dumps(chunk)
            posted = time.perf_counter()
            async with session.post(
                "/v1/orders/import", data=body, headers={"Content-Type": "application/json"}
            ) as response:
                response.raise_for_status()
                action_id = orjson.loads(await response.read())["async_action_id"]
            outcome.submit_seconds += time.perf_counter() - posted
            outcome.action_ids.append(action_id)
            outcome.polls[action_id] = 0
            wait = poll_interval * phases.random() if random_phase else poll_interval
            while True:
                await asyncio.sleep(wait)
                wait = poll_interval
                async with session.get(f"/v1/async-actions/{action_id}") as response:
                    response.raise_for_status()
                    action = orjson.loads(await response.read())
                outcome.polls[action_id] += 1
                if action["status"] in FINISHED:
                    outcome.noticed_at[action_id] = time.time()
                    break
    outcome.wall_seconds = time.perf_counter() - started
    return outcome


async def time_single_calls(
    base_url: str, app_id: str, app_token: str, source_ids: list[str], list_pages: int
) -> dict[str, list[float]]:
    """Time sequential ``GET /v1/orders/{id}`` and ``GET /v1/orders`` calls; seconds per call."""
    timings: dict[str, list[float]] = {"get": [], "list": []}
    async with aiohttp.ClientSession(base_url, headers=auth_headers(app_id, app_token)) as session:
        for source_id in source_ids:
            started = time.perf_counter()
            async with session.get(f"/v1/orders/{source_id}") as response:
                response.raise_for_status()
                orjson.loads(await response.read())
            timings["get"].append(time.perf_counter() - started)
        for page in range(1, list_pages + 1):
            started = time.perf_counter()
            async with session.get("/v1/orders", params={"limit": 100, "page": page}) as response:
                response.raise_for_status()
                orjson.loads(await response.read())
            timings["list"].append(time.perf_counter() - started)
    return timings
