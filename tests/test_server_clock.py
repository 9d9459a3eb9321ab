"""The server's clock as the answers' ``Date`` headers tell it: bounds, skew both ways, a clock set anew."""

from __future__ import annotations

import email.utils
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st

import voucherify_async as vf
from voucherify_async._server_clock import ServerClock
from voucherify_async.emulator import Emulator


def _date(epoch: float) -> str:
    return email.utils.formatdate(epoch, usegmt=True)


@asynccontextmanager
async def _skewed_client(clock: vf.ManualClock, skew: float) -> AsyncIterator[vf.AsyncVoucherify]:
    """A client of an emulator whose clock reads ``skew`` seconds more than ours."""
    async with (
        Emulator(app_id="app", app_token="token", time_source=lambda: clock.time() + skew) as emu,
        vf.AsyncVoucherify("app", "token", base_url=emu.url, clock=clock) as client,
    ):
        yield client


@pytest.mark.parametrize("skew", [-86_400.0, -600.0, -60.0, -1.5, 2.25, 120.0, 3_600.0])
@pytest.mark.anyio
async def test_the_offset_is_measured_on_the_first_answer(clock: vf.ManualClock, skew: float) -> None:
    async with _skewed_client(clock, skew) as client:
        assert client.clock_offset is None
        await client.orders.list(limit=1)
        assert client.clock_offset is not None
        assert abs(client.clock_offset - skew) <= 1.0
        low, high = client.clock_offset_bounds or (0.0, 0.0)
        assert low <= skew <= high


@pytest.mark.anyio
async def test_agreeing_clocks_read_as_no_offset(client: vf.AsyncVoucherify, clock: vf.ManualClock) -> None:
    for step in (0.25, 0.5, 0.3):
        clock.advance(step)
        await client.orders.list(limit=1)
        assert client.clock_offset == 0.0


@pytest.mark.anyio
async def test_copies_of_a_client_share_the_measure(clock: vf.ManualClock) -> None:
    async with _skewed_client(clock, -300) as client:
        await client.with_options(max_retries=0).orders.list(limit=1)
        assert client.clock_offset is not None
        assert abs(client.clock_offset + 300) <= 1.0


def test_answers_narrow_the_bounds_to_the_true_offset() -> None:
    server = ServerClock()
    true_offset = -37.3
    for ours in (1000.0, 1000.45, 1000.9, 1001.2, 1001.75):
        server.observe(_date(int(ours + true_offset)), sent=ours, received=ours)
    low, high = server.bounds or (0.0, 0.0)
    assert low <= true_offset <= high
    assert high - low < 0.5


def test_a_clock_that_was_set_starts_the_measure_afresh() -> None:
    server = ServerClock()
    server.observe(_date(10_000), sent=10_000.2, received=10_000.3)
    server.observe(_date(10_000 + 3_600), sent=10_001.0, received=10_001.1)  # the server's clock was set
    assert server.offset is not None
    assert abs(server.offset - 3_599.5) <= 1.0


@pytest.mark.parametrize("header", [None, "", "yesterday", "Sun, 06 Nov 1994 08:49:37"])
def test_an_unreadable_date_teaches_nothing(header: str | None) -> None:
    server = ServerClock()
    server.observe(header, sent=1.0, received=2.0)
    assert server.offset is None
    assert server.lower_bound() == 0.0


@given(
    offset=st.floats(min_value=-172_800, max_value=172_800),
    start=st.floats(min_value=1e9, max_value=2e9),
    steps=st.lists(st.tuples(st.floats(0, 30), st.floats(0, 2)), min_size=1, max_size=12),
)
def test_the_bounds_always_hold_the_true_offset(
    offset: float, start: float, steps: list[tuple[float, float]]
) -> None:
    server = ServerClock()
    ours = start
    for pause, latency in steps:
        ours += pause
        made_at = ours + latency / 2 + offset  # the server's time when it made the answer
        server.observe(_date(int(made_at)), sent=ours, received=ours + latency)
        ours += latency
        low, high = server.bounds or (0.0, 0.0)
        assert low - 1e-6 <= offset <= high + 1e-6
        assert server.lower_bound() <= offset + 1e-6
