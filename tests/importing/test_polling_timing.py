"""When the batcher looks at a batch's async action: right after the end its earlier batches predict."""

from __future__ import annotations

from typing import Any

import pytest
from batcher_scenarios import import_fault, make_orders

import voucherify_async as vf
from voucherify_async.importing.adoption import _server_seconds
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.polling import OVERSHOOT
from voucherify_async.models import from_wire


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


def _action(**fields: Any) -> vf.AsyncAction:
    wire = {"id": "aa_1", "type": "ORDERS.IMPORT", "status": "DONE", **fields}
    return from_wire(vf.AsyncAction, wire)


def test_the_servers_processing_time_measures_its_speed() -> None:
    action = _action(processing_time=1500, created_at="2024-01-01T00:00:00.000Z")
    assert _server_seconds(action, waited=9.0) == 1.5


def test_without_processing_time_the_servers_own_timestamps_measure_its_speed() -> None:
    action = _action(created_at="2024-01-01T00:00:00.000Z", updated_at="2024-01-01T00:00:02.250Z")
    assert _server_seconds(action, waited=9.0) == 2.25


def test_without_any_of_the_servers_numbers_the_wait_measures_its_speed() -> None:
    assert _server_seconds(_action(), waited=9.0) == 9.0
