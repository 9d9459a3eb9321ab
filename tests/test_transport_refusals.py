"""Refusals that name no wait ahead, and waits for windows read on a skewed clock: never a tight loop, never
longer than the window."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

import voucherify_async as vf
from voucherify_async._rate_limit import LIMIT_WINDOWS
from voucherify_async.emulator import Emulator, Fault, RateLimits


@asynccontextmanager
async def _skewed(
    clock: vf.ManualClock, skew: float, **options: object
) -> AsyncIterator[tuple[Emulator, vf.AsyncVoucherify]]:
    """An emulator whose clock reads ``skew`` seconds more than ours, and a client of it."""
    async with (
        Emulator(app_id="app", app_token="token", time_source=lambda: clock.time() + skew, **options) as emu,
        vf.AsyncVoucherify("app", "token", base_url=emu.url, clock=clock) as client,
    ):
        yield emu, client


def _gateway_429(**headers: str) -> Fault:
    return Fault("status", route="GET /v1/orders", status=429, headers=headers)


def _window_resets_at(reset: int) -> Fault:
    """A 429 of the next ``GET /v1/orders`` naming no Retry-After, only when its window resets (epoch s)."""
    headers = {"Retry-After": "", "X-Rate-Limit-Retry": str(reset), "X-Rate-Limit-Type": "api_calls"}
    return Fault("status", route="GET /v1/orders", status=429, nth=1, headers=headers)


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "0"},
        {"Retry-After": "", "X-Rate-Limit-Retry": "1"},  # a reset long past, no Retry-After
    ],
    ids=["retry-after-0", "reset-in-the-past"],
)
@pytest.mark.anyio
async def test_a_429_naming_no_wait_ahead_is_backed_off_from(
    client: vf.AsyncVoucherify, emulator: Emulator, clock: vf.ManualClock, headers: dict[str, str]
) -> None:
    emulator.add_fault(_gateway_429(**headers))
    with pytest.raises(vf.RateLimitError):
        await client.orders.list(limit=1)
    assert len(emulator.requests) == 1 + vf.RetryPolicy().max_retries
    assert len(clock.sleeps) == vf.RetryPolicy().max_retries
    assert all(pause > 0 for pause in clock.sleeps)


@pytest.mark.anyio
async def test_a_reset_far_ahead_is_never_waited_on_longer_than_its_window(
    client: vf.AsyncVoucherify, emulator: Emulator, clock: vf.ManualClock
) -> None:
    emulator.add_fault(_window_resets_at(int(clock.time()) + 86_400))
    await client.orders.list(limit=1)
    assert clock.sleeps == [LIMIT_WINDOWS["api_calls"]]


@pytest.mark.parametrize("skew", [600.0, 86_400.0, -600.0])
@pytest.mark.anyio
async def test_a_spent_window_is_waited_on_the_servers_clock(clock: vf.ManualClock, skew: float) -> None:
    async with _skewed(clock, skew, rate_limits=RateLimits(api_calls_per_minute=2)) as (_, client):
        for _ in range(3):
            await client.orders.list(limit=1)
    assert len(clock.sleeps) == 1
    assert 0 < clock.sleeps[0] <= 61.0


@pytest.mark.parametrize("skew", [600.0, -3_600.0])
@pytest.mark.anyio
async def test_a_429_without_retry_after_waits_for_its_reset_on_the_servers_clock(
    clock: vf.ManualClock, skew: float
) -> None:
    async with _skewed(clock, skew) as (emu, client):
        await client.orders.list(limit=1)  # the offset is known from here on
        emu.add_fault(_window_resets_at(int(clock.time() + skew) + 30))
        await client.orders.list(limit=1)
    assert len(clock.sleeps) == 1
    assert 29.0 <= clock.sleeps[0] <= 31.0
