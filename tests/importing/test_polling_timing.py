"""When the batcher looks at a batch's async action: right after the end its earlier batches predict."""

from __future__ import annotations

from typing import Any

import pytest
from batcher_scenarios import import_fault, make_orders

import voucherify_async as vf
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.polling import OVERSHOOT


@pytest.mark.anyio
async def test_a_steady_import_looks_once_per_batch_right_after_its_end(
    emulators: Any, clients: Any, clock: vf.ManualClock
) -> None:
    emu = await emulators(processing_rate=1000.0)  # 2 s a batch
    report = await ImportBatcher(await clients(emu)).run(make_orders(6000))
    assert [batch.polls for batch in report.batches[1:]] == [1, 1]
    assert all(batch.duration == pytest.approx(2.0 + OVERSHOOT) for batch in report.batches[1:])


@pytest.mark.anyio
async def test_an_action_the_server_finishes_at_once_is_looked_at_at_once(
    client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    report = await ImportBatcher(client, batch_size=2).run(make_orders(6))
    assert [batch.polls for batch in report.batches] == [1, 1, 1]
    assert [batch.duration for batch in report.batches[1:]] == [pytest.approx(OVERSHOOT)] * 2


@pytest.mark.anyio
async def test_a_first_batch_of_half_a_second_is_noticed_within_250_ms(emulators: Any, clients: Any) -> None:
    emu = await emulators(processing_delay=0.5)
    report = await ImportBatcher(await clients(emu)).run(make_orders(10))
    assert 0.5 <= report.batches[0].duration <= 0.75


@pytest.mark.anyio
async def test_a_batch_slower_than_predicted_is_still_noticed_soon(
    emulators: Any, clients: Any, clock: vf.ManualClock
) -> None:
    emu = await emulators(processing_delay=1.0)  # 1 s per import, whatever its size
    report = await ImportBatcher(await clients(emu), batch_size=1000).run(make_orders(1010))
    # The per-order pace of the first batch predicts 10 ms for the last: its first look is early.
    last = report.batches[-1]
    assert last.polls > 1
    assert 1.0 <= last.duration <= 1.25


@pytest.mark.anyio
async def test_a_resent_batch_first_waits_2_s(emulators: Any, clients: Any, clock: vf.ManualClock) -> None:
    emu = await emulators(faults=[import_fault("status", status=502, nth=[1])])
    report = await ImportBatcher(await clients(emu)).run(make_orders(3))
    assert report.imported == 3
    assert 2.0 in clock.sleeps
