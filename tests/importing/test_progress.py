from __future__ import annotations

import pytest

from voucherify_async.importing.progress import (
    ImportProgress,
    OrdersRejected,
    ProgressEvent,
    emit_progress,
    estimate_eta,
)
from voucherify_async.importing.report import OrderFailure


def test_eta_without_budget_is_batches_times_batch_time() -> None:
    assert estimate_eta(remaining_orders=4001, batch_size=2000, seconds_per_batch=5.0) == 15.0


def test_eta_is_zero_when_nothing_remains() -> None:
    assert estimate_eta(remaining_orders=0, batch_size=2000, seconds_per_batch=5.0) == 0.0


def test_eta_waits_for_budget_windows_beyond_remaining_budget() -> None:
    eta = estimate_eta(
        remaining_orders=6000,
        batch_size=2000,
        seconds_per_batch=10.0,
        bulk_remaining=1,
        bulk_limit=1,
        bulk_reset_in=1800.0,
    )
    assert eta == 1800.0 + 3600.0 + 10.0


def test_eta_within_budget_ignores_the_window() -> None:
    eta = estimate_eta(
        remaining_orders=4000,
        batch_size=2000,
        seconds_per_batch=10.0,
        bulk_remaining=5,
        bulk_limit=10,
        bulk_reset_in=1800.0,
    )
    assert eta == 20.0


def _event() -> OrdersRejected:
    return OrdersRejected(progress=ImportProgress(rejected=1), rejections=(OrderFailure("o-1", "bad"),))


@pytest.mark.anyio
async def test_sync_progress_callback_receives_the_event() -> None:
    seen: list[ProgressEvent] = []
    await emit_progress(seen.append, _event())
    assert seen == [_event()]


@pytest.mark.anyio
async def test_async_progress_callback_is_awaited() -> None:
    seen: list[ProgressEvent] = []

    async def record(event: ProgressEvent) -> None:
        seen.append(event)

    await emit_progress(record, _event())
    assert seen == [_event()]
