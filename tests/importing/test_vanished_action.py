"""An action the journal names that the server no longer knows (404 on resume) is decided from the orders
themselves, at a bounded number of calls, and the decision is told; a later resume is not stopped by it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from batcher_scenarios import assert_accounted, make_orders, stop_at_submission

import voucherify_async as vf
from voucherify_async.emulator import Emulator
from voucherify_async.importing.batcher import ImportBatcher


async def _stopped_after_submitting(
    client: vf.AsyncVoucherify, journal: Path, orders: list[dict[str, Any]]
) -> str:
    """Run until the first batch's import was accepted, then stop (a kill, as far as the journal goes)."""
    return await stop_at_submission(ImportBatcher(client, checkpoint=journal), orders)


def _steps(journal: Path, event: str) -> list[dict[str, object]]:
    return [s for s in map(orjson.loads, journal.read_bytes().splitlines()) if s["event"] == event]


@pytest.mark.anyio
async def test_a_vanished_action_whose_orders_were_written_counts_as_imported(
    client: vf.AsyncVoucherify, emulator: Emulator, clock: vf.ManualClock, tmp_path: Path
) -> None:
    journal, orders = tmp_path / "run.journal", make_orders(5)
    action_id = await _stopped_after_submitting(client, journal, orders)
    clock.advance(30.0)  # the import ran meanwhile
    emulator.project("app").forget_action(action_id)
    requests_before = len(emulator.requests)
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, checkpoint=journal, on_progress=events.append).run(orders)
    assert report.imported == 5
    assert emulator.project("app").import_requests == 1  # not sent again
    (vanished,) = [event for event in events if isinstance(event, vf.ActionVanished)]
    assert vanished.decision == "imported"
    assert "no longer exists" in (report.batches[0].message or "")
    lookups = [r for r in emulator.requests[requests_before:] if r.route == "GET /v1/orders/{id}"]
    assert len(lookups) <= 3
    assert _steps(journal, "vanished")[0]["decision"] == "imported"


@pytest.mark.anyio
async def test_a_vanished_action_whose_orders_are_nowhere_is_sent_again(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal, orders = tmp_path / "run.journal", make_orders(5)
    emulator.add_fault(vf.emulator.Fault("action_failed", route="POST /v1/orders/import", nth=1))
    action_id = await _stopped_after_submitting(client, journal, orders)
    emulator.project("app").forget_action(action_id)
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, checkpoint=journal, on_progress=events.append).run(orders)
    assert [e.decision for e in events if isinstance(e, vf.ActionVanished)] == ["not imported"]
    assert emulator.project("app").import_requests == 2
    assert report.imported == 5
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_vanished_action_with_some_orders_written_is_reported_not_guessed(
    client: vf.AsyncVoucherify, emulator: Emulator, clock: vf.ManualClock, tmp_path: Path
) -> None:
    journal, orders = tmp_path / "run.journal", make_orders(5)
    emulator.add_fault(vf.emulator.Fault("action_failed", route="POST /v1/orders/import", nth=1))
    action_id = await _stopped_after_submitting(client, journal, orders)
    clock.advance(5.0)
    await client.orders.create(orders[-1])  # one of them was written since by someone else
    emulator.project("app").forget_action(action_id)
    report = await ImportBatcher(client, checkpoint=journal).run(orders)
    assert report.imported == 0
    assert report.unconfirmed_action_ids == [action_id]
    assert len(report.failed) == 5
    assert all("no longer exists" in failure.reason for failure in report.failed)
    assert emulator.project("app").import_requests == 1
    again = await ImportBatcher(client, checkpoint=journal).run(orders)  # a later resume is not stopped
    assert again.unconfirmed_action_ids == [action_id]
    assert_accounted(again)
