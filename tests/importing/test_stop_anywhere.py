"""A run stopped at any event, or killed before recording an answer, resumes: nothing lost, nothing twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import orjson
import pytest
from batcher_scenarios import assert_accounted, make_orders

import voucherify_async as vf
from voucherify_async.importing.batcher import ImportBatcher

ORDERS = make_orders(9)
BATCHES = 3  # of 3 orders
EVENTS_OF_A_WHOLE_RUN = 15  # measured by test_the_stop_points_cover_a_whole_run


async def _run_stopped_at(client: vf.AsyncVoucherify, journal: Path, stop_at: int) -> int:
    """Run until the ``stop_at``-th progress event (from 1), cancel there; returns the events seen."""
    seen = 0
    with anyio.CancelScope() as scope:

        def count(event: vf.ProgressEvent) -> None:
            nonlocal seen
            seen += 1
            if seen == stop_at:
                scope.cancel()

        await ImportBatcher(client, batch_size=3, checkpoint=journal, on_progress=count).run(ORDERS)
    return seen


def _forget_the_last_answer(journal: Path) -> None:
    """A kill between sending a request and recording its answer: drop a trailing ``submitted`` step."""
    lines = [line for line in journal.read_bytes().splitlines(keepends=True) if b'"stopped"' not in line]
    if lines and orjson.loads(lines[-1])["event"] == "submitted":
        lines.pop()
    journal.write_bytes(b"".join(lines))


@pytest.mark.anyio
async def test_the_stop_points_cover_a_whole_run(emulators: Any, clients: Any, tmp_path: Path) -> None:
    emu = await emulators(processing_rate=2.0)
    seen = await _run_stopped_at(await clients(emu), tmp_path / "j", stop_at=0)
    assert seen == EVENTS_OF_A_WHOLE_RUN


@pytest.mark.parametrize("killed", [False, True], ids=["cancelled", "killed"])
@pytest.mark.parametrize("stop_at", range(1, EVENTS_OF_A_WHOLE_RUN + 1))
@pytest.mark.anyio
async def test_a_run_stopped_anywhere_resumes_exactly(
    emulators: Any, clients: Any, tmp_path: Path, stop_at: int, killed: bool
) -> None:
    emu = await emulators(processing_rate=2.0)  # 1.5 s a batch: the first action is polled more than once
    client = await clients(emu)
    journal = tmp_path / "import.journal"
    await _run_stopped_at(client, journal, stop_at)
    if killed:
        _forget_the_last_answer(journal)
    report = await ImportBatcher(client, batch_size=3, checkpoint=journal).run(ORDERS)
    project = emu.project("app")
    assert (project.import_requests, project.imports_submitted_while_busy) == (BATCHES, 0)
    assert sorted(project.orders) == sorted(order["source_id"] for order in ORDERS)
    assert report.imported == len(ORDERS)
    assert_accounted(report)


def _with_an_offender() -> list[dict[str, Any]]:
    orders = make_orders(9, metadata={"channel": "web"})
    orders[4]["metadata"] = {"channel": "fax"}  # batch 2 is refused once, then sent without it
    return orders


async def _isolating_run_stopped_at(client: vf.AsyncVoucherify, journal: Path, stop_at: int) -> int:
    seen = 0
    with anyio.CancelScope() as scope:

        def count(event: vf.ProgressEvent) -> None:
            nonlocal seen
            seen += 1
            if seen == stop_at:
                scope.cancel()

        batcher = ImportBatcher(client, batch_size=3, checkpoint=journal, on_progress=count)
        await batcher.run(_with_an_offender())
    return seen


EVENTS_OF_AN_ISOLATING_RUN = 16  # measured by test_the_stop_points_cover_an_isolating_run


@pytest.mark.anyio
async def test_the_stop_points_cover_an_isolating_run(emulators: Any, clients: Any, tmp_path: Path) -> None:
    emu = await emulators(processing_rate=2.0, metadata_schema={"channel": ["web"]})
    seen = await _isolating_run_stopped_at(await clients(emu), tmp_path / "j", stop_at=0)
    assert seen == EVENTS_OF_AN_ISOLATING_RUN


@pytest.mark.parametrize("killed", [False, True], ids=["cancelled", "killed"])
@pytest.mark.parametrize("stop_at", range(1, EVENTS_OF_AN_ISOLATING_RUN + 1))
@pytest.mark.anyio
async def test_a_run_isolating_a_400_stopped_anywhere_spends_no_extra_bulk_call(
    emulators: Any, clients: Any, tmp_path: Path, stop_at: int, killed: bool
) -> None:
    emu = await emulators(processing_rate=2.0, metadata_schema={"channel": ["web"]})
    client = await clients(emu)
    journal = tmp_path / "import.journal"
    await _isolating_run_stopped_at(client, journal, stop_at)
    # A stop while a request was out loses its answer: when that answer was the 400, nothing can tell, and
    # the resumed run sends the batch once more to learn it again (as after a kill at that moment).
    steps = [orjson.loads(line)["event"] for line in journal.read_bytes().splitlines()]
    posts = [r for r in emu.requests if r.route == "POST /v1/orders/import"]
    lost_refusal = steps[-2:] == ["submitting", "stopped"] and posts[-1].status == 400
    if killed:
        _forget_the_last_answer(journal)
    report = await ImportBatcher(client, batch_size=3, checkpoint=journal).run(_with_an_offender())
    posts = [r for r in emu.requests if r.route == "POST /v1/orders/import"]
    assert len(posts) == 4 + lost_refusal  # else as many as a run never stopped
    assert emu.project("app").import_requests == 3
    assert [failure.source_id for failure in report.rejected] == ["o-4"]
    assert report.imported == 8
    assert_accounted(report)
