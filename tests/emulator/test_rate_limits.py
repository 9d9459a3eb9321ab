from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.emulator.conftest import Api, order
from voucherify_async import ManualClock
from voucherify_async.emulator import Emulator, RateLimits

pytestmark = pytest.mark.anyio


@pytest.fixture
async def limited(clock: ManualClock) -> AsyncIterator[tuple[Emulator, Api]]:
    limits = RateLimits(api_calls_per_minute=3, bulk_calls_per_hour=1)
    async with (
        Emulator(rate_limits=limits, time_source=clock.time, projects={"other": "secret"}) as emu,
        aiohttp.ClientSession() as session,
    ):
        yield emu, Api(session, emu.url)


async def test_no_rate_limit_headers_when_limits_are_off(api: Api) -> None:
    _, _, headers = await api.call("GET", "/v1/orders")
    assert "X-Rate-Limit-Limit" not in headers


async def test_every_answer_carries_the_rate_limit_headers(
    limited: tuple[Emulator, Api], clock: ManualClock
) -> None:
    _, api = limited
    _, _, headers = await api.call("GET", "/v1/orders")
    assert headers["X-Rate-Limit-Limit"] == "3"
    assert headers["X-Rate-Limit-Remaining"] == "2"
    assert headers["X-Rate-Limit-Type"] == "api_calls"
    assert headers["X-Rate-Limit-Retry"] == str(int(clock.time()) + 60)


async def test_api_calls_beyond_the_budget_get_429_with_retry_after(
    limited: tuple[Emulator, Api], clock: ManualClock
) -> None:
    _, api = limited
    for _ in range(3):
        await api.call("GET", "/v1/orders")
    clock.advance(20)
    status, error, headers = await api.call("GET", "/v1/orders")
    assert status == 429
    assert error["key"] == "too_many_requests"
    assert headers["Retry-After"] == "40"
    assert headers["X-Rate-Limit-Remaining"] == "0"


async def test_the_window_resets_after_a_minute(limited: tuple[Emulator, Api], clock: ManualClock) -> None:
    _, api = limited
    for _ in range(4):
        await api.call("GET", "/v1/orders")
    clock.advance(60)
    status, _, headers = await api.call("GET", "/v1/orders")
    assert status == 200
    assert headers["X-Rate-Limit-Remaining"] == "2"


async def test_a_second_import_in_the_hour_is_refused_as_a_bulk_call(
    limited: tuple[Emulator, Api], clock: ManualClock
) -> None:
    emu, api = limited
    first, _, headers = await api.call("POST", "/v1/orders/import", json=[order("a")])
    clock.advance(61)
    second, _, refused = await api.call("POST", "/v1/orders/import", json=[order("b")])
    assert (first, headers["X-Rate-Limit-Type"]) == (200, "bulk_api_calls")
    assert (second, refused["X-Rate-Limit-Type"], refused["Retry-After"]) == (429, "bulk_api_calls", "3539")
    assert emu.project().import_requests == 1


async def test_each_project_has_its_own_budget(limited: tuple[Emulator, Api]) -> None:
    _, api = limited
    await api.call("POST", "/v1/orders/import", json=[order("a")])
    other = {"X-App-Id": "other", "X-App-Token": "secret"}
    status, _, _ = await api.call("POST", "/v1/orders/import", json=[order("a")], auth=False, headers=other)
    assert status == 200


async def test_unauthenticated_calls_do_not_spend_the_budget(limited: tuple[Emulator, Api]) -> None:
    _, api = limited
    for _ in range(5):
        await api.call("GET", "/v1/orders", auth=False)
    status, _, _ = await api.call("GET", "/v1/orders")
    assert status == 200
