"""429s at the import request: a wait already over is backed off from, refusals in a row are capped, the
journal keeps one line per request, and a window's reset is read on the server's clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from batcher_scenarios import assert_accounted, import_fault, make_orders

import voucherify_async as vf
from voucherify_async.emulator import Emulator, RateLimits
from voucherify_async.importing.submission import MAX_CONSECUTIVE_429


def _journal_events(path: Path, event: str) -> int:
    return sum(orjson.loads(line)["event"] == event for line in path.read_bytes().splitlines())


@pytest.mark.anyio
async def test_a_gateway_429_with_retry_after_0_stops_the_run_after_a_capped_number_of_backed_off_tries(
    client: vf.AsyncVoucherify, emulator: Emulator, clock: vf.ManualClock, tmp_path: Path
) -> None:
    emulator.add_fault(import_fault("status", status=429, headers={"Retry-After": "0"}))
    journal = tmp_path / "run.journal"
    with pytest.raises(vf.ImportInterruptedError) as stopped:
        await vf.ImportBatcher(client, checkpoint=journal).run(make_orders(3))
    assert isinstance(stopped.value.__cause__, vf.RateLimitError)
    imports = [r for r in emulator.requests if r.route == "POST /v1/orders/import"]
    assert len(imports) == MAX_CONSECUTIVE_429 + 1
    assert len(clock.sleeps) >= MAX_CONSECUTIVE_429
    assert all(pause > 0 for pause in clock.sleeps)
    assert _journal_events(journal, "submitting") == 1
    assert stopped.value.report.bulk_calls == 0


@pytest.mark.anyio
async def test_a_429_whose_reset_is_past_is_backed_off_from_then_imported(
    client: vf.AsyncVoucherify, emulator: Emulator, clock: vf.ManualClock
) -> None:
    past = str(int(clock.time()) - 120)
    headers = {"Retry-After": "", "X-Rate-Limit-Retry": past, "X-Rate-Limit-Type": "bulk_api_calls"}
    emulator.add_fault(import_fault("status", status=429, nth=[1, 2, 3], headers=headers))
    events: list[vf.ProgressEvent] = []
    report = await vf.ImportBatcher(client, on_progress=events.append).run(make_orders(3))
    waits = [event.seconds for event in events if isinstance(event, vf.RateLimitWait)]
    assert len(waits) == 3
    assert all(wait > 0 for wait in waits)
    assert waits == sorted(waits)  # backing off
    assert emulator.project("app").import_requests == 1
    assert report.imported == 3


@pytest.mark.parametrize("skew", [600.0, 86_400.0])
@pytest.mark.anyio
async def test_the_bulk_window_is_paced_on_the_servers_clock(
    emulators: Any, clients: Any, clock: vf.ManualClock, skew: float
) -> None:
    emu = await emulators(
        rate_limits=RateLimits(bulk_calls_per_hour=1), time_source=lambda: clock.time() + skew
    )
    events: list[vf.ProgressEvent] = []
    report = await vf.ImportBatcher(await clients(emu), batch_size=2, on_progress=events.append).run(
        make_orders(4)
    )
    waits = [event.seconds for event in events if isinstance(event, vf.RateLimitWait)]
    assert waits
    assert all(wait <= 3601.0 for wait in waits)
    assert report.imported == 4
    assert_accounted(report)
