"""One import at a time per project, across batchers and processes; projects apart; streamed results."""

from __future__ import annotations

import datetime
from typing import Any

import anyio
import pytest
from batcher_scenarios import assert_accounted, make_orders

import voucherify_async as vf
from voucherify_async.importing.batcher import ImportBatcher


def _epoch(text: str) -> float:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@pytest.mark.anyio
async def test_two_batchers_of_one_project_never_overlap(emulators: Any, clients: Any) -> None:
    emu = await emulators(processing_rate=100.0)
    first, second = await clients(emu), await clients(emu)
    reports: list[vf.ImportReport] = []

    async def run(client: vf.AsyncVoucherify, start: int) -> None:
        reports.append(await ImportBatcher(client, batch_size=50).run(make_orders(150, start=start)))

    async with anyio.create_task_group() as group:
        group.start_soon(run, first, 0)
        group.start_soon(run, second, 1000)
    assert emu.project("app").imports_submitted_while_busy == 0
    assert sum(report.imported for report in reports) == 300


@pytest.mark.anyio
async def test_two_batchers_of_one_project_run_one_after_the_other(emulators: Any, clients: Any) -> None:
    emu = await emulators(processing_rate=100.0)
    first, second = await clients(emu), await clients(emu)
    runs: dict[str, vf.ImportReport] = {}

    async def run(name: str, client: vf.AsyncVoucherify, start: int) -> None:
        runs[name] = await ImportBatcher(client, batch_size=50).run(make_orders(150, start=start))

    async with anyio.create_task_group() as group:
        group.start_soon(run, "a", first, 0)
        group.start_soon(run, "b", second, 1000)
    owner = {batch.async_action_id: name for name, report in runs.items() for batch in report.batches}
    order = [owner[action["id"]] for action in emu.project("app").async_actions]
    assert order in (["a"] * 3 + ["b"] * 3, ["b"] * 3 + ["a"] * 3)


@pytest.mark.anyio
async def test_batchers_of_two_projects_import_at_the_same_time(emulators: Any, clients: Any) -> None:
    emu = await emulators(processing_rate=100.0, projects={"other": "other-token"})
    ours, theirs = await clients(emu), await clients(emu, "other", "other-token")
    async with anyio.create_task_group() as group:
        group.start_soon(ImportBatcher(ours, batch_size=100).run, make_orders(100))
        group.start_soon(ImportBatcher(theirs, batch_size=100).run, make_orders(100))
    (a,) = emu.project("app").async_actions
    (b,) = emu.project("other").async_actions
    # Each started before the other finished: the two projects did not wait for each other.
    assert _epoch(b["created_at"]) < _epoch(a["updated_at"])
    assert _epoch(a["created_at"]) < _epoch(b["updated_at"])


@pytest.mark.anyio
async def test_waits_for_another_process_import_when_coordinating(emulators: Any, clients: Any) -> None:
    emu = await emulators(processing_rate=10.0)
    other_process, ours = await clients(emu), await clients(emu)
    await other_process.orders.import_orders(make_orders(50, start=500))
    events: list[vf.ProgressEvent] = []
    batcher = ImportBatcher(ours, coordinate_with_other_processes=True, on_progress=events.append)
    report = await batcher.run(make_orders(5))
    assert any(isinstance(event, vf.WaitingForOtherImport) for event in events)
    assert emu.project("app").imports_submitted_while_busy == 0
    assert report.imported == 5


@pytest.mark.anyio
async def test_without_coordination_the_server_queues_behind_another_process(
    emulators: Any, clients: Any
) -> None:
    emu = await emulators(processing_rate=10.0)
    other_process, ours = await clients(emu), await clients(emu)
    await other_process.orders.import_orders(make_orders(50, start=500))
    report = await ImportBatcher(ours).run(make_orders(5))
    assert emu.project("app").imports_submitted_while_busy == 1
    assert report.imported == 5


@pytest.mark.anyio
async def test_stream_yields_each_batch_as_it_finishes(client: vf.AsyncVoucherify) -> None:
    batcher = ImportBatcher(client, batch_size=4)
    async with batcher.stream(make_orders(10)) as results:
        seen = [(result.index, result.size, result.status) async for result in results]
    assert seen == [(1, 4, "DONE"), (2, 4, "DONE"), (3, 2, "DONE")]
    assert results.report.imported == 10
    assert_accounted(results.report)


@pytest.mark.anyio
async def test_stopping_the_stream_early_submits_nothing_more(
    client: vf.AsyncVoucherify, emulator: Any
) -> None:
    batcher = ImportBatcher(client, batch_size=2)
    async with batcher.stream(make_orders(20)) as results:
        async for _ in results:
            break
    await anyio.sleep(0.05)
    requests = emulator.project("app").import_requests
    assert requests <= 2
    assert batcher.report is not None
    assert batcher.report.imported == sum(batch.imported for batch in batcher.report.batches)


@pytest.mark.anyio
async def test_an_error_in_the_consumer_comes_out_as_itself(client: vf.AsyncVoucherify) -> None:
    async def consume() -> None:
        async with ImportBatcher(client, batch_size=2).stream(make_orders(6)) as results:
            async for _ in results:
                raise LookupError("consumer")

    with pytest.raises(LookupError, match="consumer"):
        await consume()


@pytest.mark.anyio
async def test_frugal_polling_takes_few_polls_per_batch(emulators: Any, clients: Any) -> None:
    emu = await emulators(processing_rate=1000.0)
    client = await clients(emu)
    report = await ImportBatcher(client).run(make_orders(10_000))
    assert [batch.size for batch in report.batches] == [2000] * 5
    assert max(batch.polls for batch in report.batches) <= 3
    assert report.polls <= 2 * len(report.batches)


@pytest.mark.anyio
async def test_completion_is_noticed_soon_after_it_happens(emulators: Any, clients: Any) -> None:
    emu = await emulators(processing_rate=100.0)
    client = await clients(emu)
    report = await ImportBatcher(client, batch_size=1000).run(make_orders(3000))
    # Each action takes 10 s on the server; the batcher learns of its end within a couple of seconds.
    assert all(10.0 <= batch.duration <= 12.5 for batch in report.batches)


@pytest.mark.anyio
async def test_progress_events_tell_the_totals(client: vf.AsyncVoucherify) -> None:
    events: list[vf.ProgressEvent] = []
    orders = [*make_orders(3), {"source_id": "bad", "amount": -1}]
    await ImportBatcher(client, batch_size=2, on_progress=events.append, total_orders=4).run(orders)
    final = events[-1]
    assert isinstance(final, vf.ImportFinished)
    progress = final.progress
    assert (progress.orders_read, progress.imported, progress.rejected, progress.batches_done) == (4, 3, 1, 2)
    assert progress.eta == 0.0


@pytest.mark.anyio
async def test_the_next_batch_is_read_while_the_server_works_and_no_further(
    emulators: Any, clients: Any
) -> None:
    emu = await emulators(processing_rate=10.0)
    client = await clients(emu)
    log: list[str] = []

    async def orders() -> Any:
        for order in make_orders(8):
            log.append(f"read {order['source_id']}")
            yield order

    def record(event: vf.ProgressEvent) -> None:
        if isinstance(event, vf.BatchFinished):
            log.append(f"finished {event.result.index}")

    await ImportBatcher(client, batch_size=2, on_progress=record).run(orders())
    before_first_finished = log[: log.index("finished 1")]
    # Batch 2 (o-2, o-3) was read during batch 1, batch 3 (o-4...) was not: two batches in memory at most.
    assert before_first_finished == ["read o-0", "read o-1", "read o-2", "read o-3"]


@pytest.mark.anyio
async def test_the_end_of_another_process_import_is_noticed_soon(emulators: Any, clients: Any) -> None:
    emu = await emulators(processing_rate=100.0)  # the other process's 500 orders: 5 s on the server
    other_process, ours = await clients(emu), await clients(emu)
    await other_process.orders.import_orders(make_orders(500, start=500))
    await ImportBatcher(ours, coordinate_with_other_processes=True).run(make_orders(5))
    theirs, mine = emu.project("app").async_actions
    assert _epoch(mine["created_at"]) - _epoch(theirs["updated_at"]) <= 1.0
