from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from voucherify_async import ManualClock
from voucherify_async.emulator import Emulator

AUTH = {"X-App-Id": "app", "X-App-Token": "token"}


class Api:
    """A raw HTTP client of the emulator: what goes over the socket, nothing of the SDK."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        auth: bool = True,
    ) -> tuple[int, Any, aiohttp.typedefs.LooseHeaders]:
        sent = dict(AUTH) if auth else {}
        sent.update(headers or {})
        data = None if json is None else orjson.dumps(json)
        if data is not None:
            sent["Content-Type"] = "application/json"
        async with self.session.request(
            method, self.base_url + path, data=data, headers=sent, params=params
        ) as response:
            raw = await response.read()
            body = orjson.loads(raw) if raw and response.content_type == "application/json" else raw
            return response.status, body, response.headers


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=1_700_000_000.0)


@pytest.fixture(params=["memory", "sqlite"])
def store_options(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """The ``Emulator`` options of each store: the tests that take them run against both, and must see the
    same answers."""
    return {} if request.param == "memory" else {"data_dir": tmp_path / "emulator-data"}


@pytest.fixture
async def emulator(clock: ManualClock, store_options: dict[str, Any]) -> AsyncIterator[Emulator]:
    async with Emulator(app_id="app", app_token="token", time_source=clock.time, **store_options) as emu:
        yield emu


@pytest.fixture
async def api(emulator: Emulator) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, emulator.url)


def order(source_id: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"source_id": source_id, "status": "PAID", "amount": 1000}
    body.update(fields)
    return body
