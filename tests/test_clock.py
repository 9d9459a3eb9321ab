from __future__ import annotations

import anyio
import pytest

from voucherify_async import ManualClock, SystemClock


@pytest.mark.anyio
async def test_manual_clock_sleep_advances_time_without_waiting() -> None:
    clock = ManualClock(start=1000.0)
    with anyio.fail_after(5):
        await clock.sleep(3600)
    assert clock.time() == pytest.approx(4600.0)
    assert clock.monotonic() == pytest.approx(3600.0)
    assert clock.sleeps == [3600]


@pytest.mark.anyio
async def test_manual_clock_sleep_is_cancellable() -> None:
    clock = ManualClock()
    with anyio.CancelScope() as scope:
        scope.cancel()
        await clock.sleep(10)
    assert scope.cancelled_caught


@pytest.mark.anyio
async def test_system_clock_negative_sleep_returns() -> None:
    clock = SystemClock()
    before = clock.monotonic()
    await clock.sleep(-1)
    assert clock.monotonic() >= before
