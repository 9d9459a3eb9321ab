"""Orders carrying their own created_at, imported without created_at_metadata: the run says so once, in its
progress and its report, naming the option that keeps the date."""

from __future__ import annotations

import pytest
from batcher_scenarios import make_orders

import voucherify_async as vf
from voucherify_async.importing.batcher import ImportBatcher

DATED = {"created_at": "2019-03-01T10:00:00Z"}


@pytest.mark.anyio
async def test_dates_the_server_replaces_are_told_once(client: vf.AsyncVoucherify) -> None:
    events: list[vf.ProgressEvent] = []
    orders = make_orders(2) + make_orders(3, start=2, **DATED)
    report = await ImportBatcher(client, batch_size=2, on_progress=events.append).run(orders)
    told = [event for event in events if isinstance(event, vf.DatesReplaced)]
    assert [(event.batch, event.orders) for event in told] == [(2, 2)]
    assert report.dates_replaced == 3
    (note,) = report.notes
    assert "created_at_metadata" in note
    assert "--created-at-metadata" in note


@pytest.mark.anyio
async def test_nothing_is_told_when_the_dates_are_kept(client: vf.AsyncVoucherify) -> None:
    events: list[vf.ProgressEvent] = []
    batcher = ImportBatcher(client, created_at_metadata="original_created_at", on_progress=events.append)
    report = await batcher.run(make_orders(3, **DATED))
    assert not [event for event in events if isinstance(event, vf.DatesReplaced)]
    assert report.dates_replaced == 0
    assert report.notes == []


@pytest.mark.anyio
async def test_nothing_is_told_for_orders_without_dates(client: vf.AsyncVoucherify) -> None:
    report = await ImportBatcher(client).run(make_orders(3))
    assert report.dates_replaced == 0
    assert report.notes == []


@pytest.mark.anyio
async def test_the_dry_run_tells_it_too(client: vf.AsyncVoucherify) -> None:
    dry = await ImportBatcher(client).dry_run(make_orders(2) + make_orders(3, start=2, **DATED))
    assert dry.dates_replaced == 3
    (note,) = dry.notes
    assert "--created-at-metadata" in note
    kept = await ImportBatcher(client, created_at_metadata="original_created_at").dry_run(
        make_orders(2, **DATED)
    )
    assert kept.notes == []
