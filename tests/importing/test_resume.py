"""Checkpoint and resume: a run stopped at any point resumes with nothing lost and nothing imported twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import orjson
import pytest
from batcher_scenarios import assert_accounted, cut_journal_after_last, import_fault, make_orders

import voucherify_async as vf
from voucherify_async.emulator import Emulator
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.errors import SourceChangedError


async def _stop_at(batcher: ImportBatcher, orders: list[Any], event_type: type, batch: int) -> None:
    """Run until ``event_type`` of ``batch`` is emitted, then cancel the run there."""
    with anyio.CancelScope() as scope:

        def stop(event: vf.ProgressEvent) -> None:
            if isinstance(event, event_type) and getattr(event, "batch", None) == batch:
                scope.cancel()

        batcher.on_progress = stop
        await batcher.run(orders)
    batcher.on_progress = None


def _steps(journal: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in journal.read_bytes().splitlines()]


@pytest.mark.anyio
async def test_a_cancelled_run_resumes_without_resubmitting_the_action_in_flight(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    orders = make_orders(9)
    await _stop_at(ImportBatcher(client, batch_size=3, checkpoint=journal), orders, vf.BatchSubmitted, 2)
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, batch_size=3, checkpoint=journal, on_progress=events.append).run(
        orders
    )
    assert emulator.project("app").import_requests == 3
    assert [e.how for e in events if isinstance(e, vf.BatchSubmitted)] == ["reattached", "submitted"]
    assert report.imported == 9
    assert_accounted(report)


@pytest.mark.anyio
async def test_finished_batches_are_skipped_on_resume(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    orders = make_orders(9)
    await _stop_at(ImportBatcher(client, batch_size=3, checkpoint=journal), orders, vf.BatchPrepared, 99)
    before = emulator.project("app").import_requests
    report = await ImportBatcher(client, batch_size=3, checkpoint=journal).run(orders)
    assert (before, emulator.project("app").import_requests) == (3, 3)
    assert [batch.resumed for batch in report.batches] == [True, True, True]
    assert report.imported == 9
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_kill_while_the_answer_was_on_its_way_adopts_the_action(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    orders = make_orders(9)
    await _stop_at(ImportBatcher(client, batch_size=3, checkpoint=journal), orders, vf.BatchSubmitted, 2)
    cut_journal_after_last(journal, "submitting", 2)  # the process died before it recorded the answer
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, batch_size=3, checkpoint=journal, on_progress=events.append).run(
        orders
    )
    assert emulator.project("app").import_requests == 3
    assert [e.how for e in events if isinstance(e, vf.BatchSubmitted)] == ["adopted", "submitted"]
    assert report.imported == 9
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_kill_before_the_request_left_resends_the_batch(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    orders = make_orders(6)
    emulator.add_fault(import_fault("drop", nth=[2]))  # batch 2's request never reaches the import queue
    await _stop_at(ImportBatcher(client, batch_size=3, checkpoint=journal), orders, vf.BatchSubmitted, 2)
    cut_journal_after_last(journal, "submitting", 2)
    report = await ImportBatcher(client, batch_size=3, checkpoint=journal).run(orders)
    assert emulator.project("app").import_requests == 2
    assert report.imported == 6
    assert_accounted(report)


@pytest.mark.anyio
async def test_the_resumed_run_never_submits_while_the_killed_runs_import_is_unfinished(
    emulators: Any, clients: Any, tmp_path: Path
) -> None:
    emu = await emulators(processing_rate=10.0)
    client = await clients(emu)
    journal = tmp_path / "import.journal"
    orders = make_orders(60)
    await _stop_at(ImportBatcher(client, batch_size=20, checkpoint=journal), orders, vf.BatchSubmitted, 2)
    cut_journal_after_last(journal, "submitting", 2)
    report = await ImportBatcher(client, batch_size=20, checkpoint=journal).run(orders)
    assert emu.project("app").imports_submitted_while_busy == 0
    assert emu.project("app").import_requests == 3
    assert report.imported == 60


@pytest.mark.anyio
async def test_a_changed_source_is_refused(client: vf.AsyncVoucherify, tmp_path: Path) -> None:
    journal = tmp_path / "import.journal"
    await ImportBatcher(client, batch_size=3, checkpoint=journal).run(make_orders(6))
    changed = make_orders(6)
    changed[4]["amount"] = 1
    with pytest.raises(SourceChangedError, match="batch 2") as caught:
        await ImportBatcher(client, batch_size=3, checkpoint=journal).run(changed)
    assert caught.value.batch == 2


@pytest.mark.anyio
async def test_cancellation_leaves_the_action_in_flight_in_the_report(
    client: vf.AsyncVoucherify, tmp_path: Path
) -> None:
    batcher = ImportBatcher(client, batch_size=3, checkpoint=tmp_path / "import.journal")
    await _stop_at(batcher, make_orders(9), vf.BatchSubmitted, 2)
    assert batcher.report is not None
    in_flight = batcher.report.in_flight_action_id
    submitted = [s for s in _steps(tmp_path / "import.journal") if s["event"] == "submitted"]
    assert in_flight == submitted[-1]["async_action_id"]
    assert _steps(tmp_path / "import.journal")[-1] == {
        "event": "stopped",
        "async_action_id": in_flight,
        "reason": "cancelled",
    }


@pytest.mark.anyio
async def test_cancellation_keeps_the_report_accounted(client: vf.AsyncVoucherify) -> None:
    batcher = ImportBatcher(client, batch_size=3)
    await _stop_at(batcher, make_orders(9), vf.BatchSubmitted, 3)
    report = batcher.report
    assert report is not None
    assert [batch.index for batch in report.batches] == [1, 2]
    assert (report.imported, report.in_flight_orders) == (6, 3)
    assert (
        report.orders == report.imported + len(report.failed) + len(report.rejected) + report.in_flight_orders
    )


@pytest.mark.anyio
async def test_a_journal_is_readable_json_lines(client: vf.AsyncVoucherify, tmp_path: Path) -> None:
    journal = tmp_path / "import.journal"
    await ImportBatcher(client, batch_size=2, checkpoint=journal).run(make_orders(3))
    assert [step["event"] for step in _steps(journal)] == [
        "start",
        "submitting",
        "submitted",
        "finished",
        "submitting",
        "submitted",
        "finished",
        "complete",
    ]


@pytest.mark.anyio
async def test_resuming_with_another_batch_size_is_refused(
    client: vf.AsyncVoucherify, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    await ImportBatcher(client, batch_size=3, checkpoint=journal).run(make_orders(6))
    with pytest.raises(vf.CheckpointError, match="batch_size=3"):
        await ImportBatcher(client, batch_size=2, checkpoint=journal).run(make_orders(6))


@pytest.mark.anyio
async def test_a_run_stopped_after_isolating_a_400_resumes_with_its_rejections(
    emulators: Any, clients: Any, tmp_path: Path
) -> None:
    emu = await emulators(metadata_schema={"channel": ["web"]})
    client = await clients(emu)
    journal = tmp_path / "import.journal"
    orders = make_orders(5, metadata={"channel": "web"})
    orders[1]["metadata"] = {"channel": "fax"}
    await _stop_at(ImportBatcher(client, checkpoint=journal), orders, vf.BatchSubmitted, 1)
    report = await ImportBatcher(client, checkpoint=journal).run(orders)
    assert [failure.source_id for failure in report.rejected] == ["o-1"]
    assert (report.imported, emu.project("app").import_requests) == (4, 1)
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_run_stopped_while_splitting_resumes_with_the_planned_parts(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    refused = {"code": 400, "key": "invalid_payload", "details": "Property .metadata.region is odd"}
    # 8 orders refused, then their first half: the parts planned are [4..7] (the other half goes first),
    # then [0, 1] and [2, 3].
    emulator.add_fault(import_fault("status", status=400, nth=[1, 2], body=refused))
    await _stop_at(ImportBatcher(client, checkpoint=journal), make_orders(8), vf.BatchSubmitted, 1)
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, checkpoint=journal, on_progress=events.append).run(make_orders(8))
    sizes = [(event.how, event.size) for event in events if isinstance(event, vf.BatchSubmitted)]
    assert sizes == [("reattached", 4), ("submitted", 2), ("submitted", 2)]
    assert report.imported == 8
    assert_accounted(report)


@pytest.mark.anyio
async def test_refusals_before_a_stop_count_against_max_refusals_after_resume(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    refused = {"code": 400, "key": "invalid_payload", "details": "Property .metadata.region is odd"}
    emulator.add_fault(import_fault("status", status=400, nth=[1, 2, 4], body=refused))
    await _stop_at(
        ImportBatcher(client, checkpoint=journal, max_refusals=2), make_orders(8), vf.BatchSubmitted, 1
    )
    report = await ImportBatcher(client, checkpoint=journal, max_refusals=2).run(make_orders(8))
    # The parts planned after two 400s are [4..7], [0, 1] and [2, 3]; the third 400 (of [0, 1]) is one too
    # many: what is left is rejected, not split further.
    assert sorted(failure.source_id for failure in report.rejected) == ["o-0", "o-1", "o-2", "o-3"]
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_second_run_on_a_checkpoint_in_use_is_refused_before_sending(
    emulators: Any, clients: Any, tmp_path: Path
) -> None:
    emu = await emulators(processing_rate=10.0)
    client = await clients(emu)
    journal = tmp_path / "import.journal"
    first = ImportBatcher(client, batch_size=5, checkpoint=journal)
    with anyio.CancelScope() as scope:

        async def second_run(event: vf.ProgressEvent) -> None:
            if isinstance(event, vf.BatchSubmitted):
                with pytest.raises(vf.CheckpointError, match="in use"):
                    await ImportBatcher(client, batch_size=5, checkpoint=journal).run(make_orders(10))
                scope.cancel()

        first.on_progress = second_run
        await first.run(make_orders(10))
    assert emu.project("app").import_requests == 1


@pytest.mark.anyio
async def test_resuming_with_another_created_at_metadata_is_refused_naming_the_setting(
    client: vf.AsyncVoucherify, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    orders = make_orders(4, created_at="2020-01-02T03:04:05Z")
    await ImportBatcher(client, batch_size=2, checkpoint=journal, created_at_metadata="was").run(orders)
    with pytest.raises(SourceChangedError, match="created_at_metadata"):
        await ImportBatcher(client, batch_size=2, checkpoint=journal).run(orders)


@pytest.mark.anyio
async def test_a_run_cancelled_while_its_import_request_is_out_names_that_batch(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    batcher = ImportBatcher(client, batch_size=3, checkpoint=journal)
    # Cancelled when batch 2 is announced: the cancellation lands while its request is on its way.
    await _stop_at(batcher, make_orders(9), vf.BatchPrepared, 2)
    assert batcher.report is not None
    assert (batcher.report.unanswered_batch, batcher.report.in_flight_action_id) == (2, None)
    assert _steps(journal)[-1]["unanswered_batch"] == 2
