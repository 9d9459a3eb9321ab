"""Every failure and rejection names its record's place in the source, also when a source_id repeats."""

from __future__ import annotations

from pathlib import Path

import pytest
from batcher_scenarios import make_orders

import voucherify_async as vf
from voucherify_async.emulator import Emulator
from voucherify_async.importing.batcher import ImportBatcher

GHOST = {"id": "cust_nobody"}  # a customer the server does not know: the order fails inside the action


def _records() -> list[dict[str, object]]:
    good = make_orders(6)
    same_id_malformed = {**good[0], "amount": -5}  # repeats o-0, and is malformed
    failing = {**good[3], "customer": GHOST}
    failing_again = {**good[3], "customer": GHOST}  # o-3 twice, both fail on the server
    return [good[0], same_id_malformed, good[1], failing, good[2], failing_again, good[4], good[5]]


@pytest.mark.anyio
async def test_failures_and_rejections_name_their_records_place(client: vf.AsyncVoucherify) -> None:
    report = await ImportBatcher(client, batch_size=3).run(_records())
    assert [(r.source_id, r.position) for r in report.rejected] == [("o-0", 2)]
    assert [(f.source_id, f.position) for f in report.failed] == [("o-3", 4), ("o-3", 6)]


@pytest.mark.anyio
async def test_places_survive_a_resume(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "run.journal"
    await ImportBatcher(client, batch_size=3, checkpoint=journal).run(_records())
    again = await ImportBatcher(client, batch_size=3, checkpoint=journal).run(_records())
    assert all(batch.resumed for batch in again.batches)
    assert [(f.source_id, f.position) for f in again.failed] == [("o-3", 4), ("o-3", 6)]
    assert [(r.source_id, r.position) for r in again.rejected] == [("o-0", 2)]
