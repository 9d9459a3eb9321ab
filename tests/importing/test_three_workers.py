"""The worst case, end to end: three workers import into one project at once, every route the batcher uses
loses answers, two of the workers' clocks are two minutes off the server's (behind, ahead), and each worker
is killed once and resumed from its checkpoint journal.

Each worker stands for a process of its own: its own client, clock, checkpoint journal and orders
(``o-0..8``, ``o-100..108``, ``o-200..208``, batches of 3, so that every import of every worker holds as
many orders as any other and the count in a result tells nothing about whose it is). They share the server
and one fake timeline: the emulator runs on the test's ``clock`` and each worker's clock reads it with its
skew, so every sleep of any worker moves the one time that the server's imports follow.

What must hold whatever the interleaving, checked on the emulator's own record of each accepted import:
every order imported exactly once; no worker ever had an import accepted while one of its own was unfinished;
each report accounts for the worker's orders only, batch by batch, with the actions that really hold them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import orjson
import pytest
from batcher_scenarios import assert_accounted, cut_journal_after_last, make_orders

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault
from voucherify_async.emulator.state import ImportAction, ProjectState
from voucherify_async.importing.batcher import ImportBatcher

ORDERS_PER_WORKER = 9
BATCH_SIZE = 3
BATCHES = ORDERS_PER_WORKER // BATCH_SIZE
PROCESSING_RATE = 1.0
"""Orders per second on the server: an import of a batch runs 3 s of the fake time."""

LOST_ANSWERS = (
    # The server takes each of these requests in fully, then drops the connection without an answer.
    Fault("lost_ack", route="POST /v1/orders/import", nth=[2, 4, 7]),
    # aiohttp sends an idempotent GET again by itself once when its connection drops: pairs of lost answers
    # reach the SDK's own retries, single ones test that resend.
    Fault("lost_ack", route="GET /v1/async-actions/{id}", nth=[3, 4, 9, 15, 16]),
    Fault("lost_ack", route="GET /v1/async-actions", nth=[2, 3, 6, 11, 12]),
    Fault("lost_ack", route="GET /v1/orders/{id}", nth=[1, 2, 5]),
)


class SkewedClock:
    """A worker's clock: the shared fake timeline, with a wall clock ``skew`` seconds off the server's.

    Sleeping sleeps on the shared timeline (an anyio checkpoint that moves it forward), so all workers and
    the emulator keep one consistent time; only what the worker reads as the time of day is off.
    """

    def __init__(self, timeline: vf.ManualClock, skew: float) -> None:
        self.timeline = timeline
        self.skew = skew

    def time(self) -> float:
        return self.timeline.time() + self.skew

    def monotonic(self) -> float:
        return self.timeline.monotonic()

    async def sleep(self, seconds: float) -> None:
        await self.timeline.sleep(seconds)


class OwnProcess:
    """A worker's client as if it ran in a process of its own.

    The batcher keeps two batchers of one project *in one process* apart with a lock keyed on
    ``client.project_key``; workers in separate processes have no lock in common, only the server (and
    ``coordinate_with_other_processes``). Without this key of its own, the three workers of this event loop
    would run one after the other and never meet on the server.
    """

    def __init__(self, client: vf.AsyncVoucherify, name: str) -> None:
        self._client = client
        self.project_key = f"{client.project_key} (process {name})"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@dataclass
class Accepted:
    """One import the emulator accepted: its action and the ``source_id``s it holds."""

    action: ImportAction
    source_ids: list[str]
    at: float
    """The server's time when it was accepted."""
    owners: set[int]


@dataclass(repr=False)
class Worker:
    """One worker: its orders, its skew, where its first run is killed, and what it saw."""

    index: int
    skew: float
    kill_at_batch: int
    """The first run is killed at the ``BatchSubmitted`` of this batch."""
    answer_lost_with_the_kill: bool
    """The kill came between sending the batch and recording its answer: the journal is cut after its
    ``submitting`` step. Otherwise the resumed run finds the action in the journal."""
    journal: Path
    orders: list[dict[str, Any]] = field(default_factory=list)
    runs: list[list[vf.ProgressEvent]] = field(default_factory=list)
    """The progress events of each run: the killed one, then the resumed one."""
    report: vf.ImportReport | None = None
    """The resumed run's report."""
    error: Exception | None = None
    """What stopped a run other than the kill."""

    @property
    def name(self) -> str:
        return f"w{self.index} (skew {self.skew:+.0f} s)"

    def __repr__(self) -> str:
        return f"Worker({self.name})"

    @property
    def source_ids(self) -> list[str]:
        return [order["source_id"] for order in self.orders]

    def batch_source_ids(self, batch: int) -> list[str]:
        return self.source_ids[(batch - 1) * BATCH_SIZE : batch * BATCH_SIZE]


@dataclass(repr=False)
class Scenario:
    """What the three workers did and what the server holds afterwards."""

    emulator: Emulator
    timeline: vf.ManualClock
    workers: list[Worker]
    accepted: list[Accepted]

    def __repr__(self) -> str:  # the failures print timeline_text() instead
        return f"Scenario({len(self.workers)} workers, {len(self.accepted)} imports accepted)"

    def action(self, action_id: str | None) -> Accepted | None:
        return next((a for a in self.accepted if a.action.id == action_id), None)

    def timeline_text(self) -> str:
        """Every accepted import and each worker's journal and events: the evidence to read on a failure."""
        start = self.timeline.time() - self.timeline.monotonic()
        lines = ["imports accepted by the server (times on its clock, seconds from the start):"]
        for a in self.accepted:
            owners = ",".join(f"w{owner}" for owner in sorted(a.owners))
            lines.append(
                f"  {a.action.id} of {owners} {a.source_ids} accepted at {a.at - start:.3f}, "
                f"ran {a.action.start - start:.3f}..{a.action.end - start:.3f}"
            )
        for worker in self.workers:
            lines.append(f"{worker.name}:")
            if worker.journal.exists():
                lines.append("  journal:")
                for raw in worker.journal.read_bytes().splitlines():
                    step = orjson.loads(raw)
                    for name in ("at", "sent_at"):  # the worker's clock, shown on the server's timeline
                        if name in step:
                            step[name] = round(step[name] - worker.skew - start, 3)
                    step.pop("fingerprint", None)
                    step.pop("failed", None)
                    step.pop("rejected", None)
                    lines.append(f"    {step}")
            for number, events in enumerate(worker.runs, 1):
                lines.append(f"  run {number}: {', '.join(_describe(event) for event in events)}")
            if worker.error is not None:
                lines.append(f"  stopped by {worker.error!r}")
            if worker.report is not None:
                r = worker.report
                lines.append(
                    f"  report: orders {r.orders} imported {r.imported} failed {len(r.failed)} "
                    f"rejected {len(r.rejected)} batches "
                    f"{[(b.index, b.async_action_id, b.status, b.imported) for b in r.batches]}"
                )
        return "\n".join(lines)


def _describe(event: vf.ProgressEvent) -> str:
    if isinstance(event, vf.BatchSubmitted):
        return f"submitted {event.batch} {event.async_action_id} ({event.how})"
    if isinstance(event, vf.BatchFinished):
        return f"finished {event.result.index} {event.result.async_action_id} {event.result.status}"
    return type(event).__name__


def _record_imports(project: ProjectState, owners: Callable[[list[str]], set[int]]) -> list[Accepted]:
    """Keep each import the project accepts, with its orders' ``source_id``s (the emulator drops the orders
    of a finished import)."""
    accepted: list[Accepted] = []
    enqueue = project.enqueue_import

    def recording(orders: list[dict[str, Any]], *, fail: bool = False) -> ImportAction:
        at = project.time_source()
        action = enqueue(orders, fail=fail)
        source_ids = [str(order.get("source_id")) for order in orders]
        accepted.append(Accepted(action, source_ids, at, owners(source_ids)))
        return action

    project.enqueue_import = recording  # type: ignore[method-assign]
    return accepted


def _batcher(worker: Worker, client: vf.AsyncVoucherify, on_progress: Any) -> ImportBatcher:
    return ImportBatcher(
        OwnProcess(client, str(worker.index)),  # type: ignore[arg-type]
        batch_size=BATCH_SIZE,
        checkpoint=worker.journal,
        on_progress=on_progress,
        coordinate_with_other_processes=True,
    )


async def _work(emulator: Emulator, timeline: vf.ManualClock, worker: Worker) -> None:
    """Run the worker's import, kill it once, resume it from its journal; keep what stopped it otherwise."""
    try:
        await _kill_and_resume(emulator, SkewedClock(timeline, worker.skew), worker)
    except Exception as error:  # told with the timeline by the fixture, which has the whole story
        worker.error = error


async def _kill_and_resume(emulator: Emulator, clock: SkewedClock, worker: Worker) -> None:
    """The killed run, then the resumed one in a new process: a new client (the same clock and journal)."""
    killed: list[vf.ProgressEvent] = []
    worker.runs.append(killed)
    async with vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=clock) as client:
        with anyio.CancelScope() as scope:

            def kill(event: vf.ProgressEvent) -> None:
                killed.append(event)
                if isinstance(event, vf.BatchSubmitted) and event.batch == worker.kill_at_batch:
                    scope.cancel()

            await _batcher(worker, client, kill).run(worker.orders)
    if not scope.cancel_called:
        raise AssertionError(f"{worker.name} finished before its kill")
    if worker.answer_lost_with_the_kill:
        cut_journal_after_last(worker.journal, "submitting", worker.kill_at_batch)
    resumed: list[vf.ProgressEvent] = []
    worker.runs.append(resumed)
    async with vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=clock) as client:
        worker.report = await _batcher(worker, client, resumed.append).run(worker.orders)


@pytest.fixture
async def scenario(emulators: Any, clock: vf.ManualClock, tmp_path: Path) -> Scenario:
    """Three workers, skewed -120, 0 and +120 s, each killed once, all finished: what happened."""
    emulator = await emulators(processing_rate=PROCESSING_RATE, faults=LOST_ANSWERS)
    workers = [
        Worker(0, -120.0, kill_at_batch=2, answer_lost_with_the_kill=True, journal=tmp_path / "w0.journal"),
        Worker(1, 0.0, kill_at_batch=2, answer_lost_with_the_kill=False, journal=tmp_path / "w1.journal"),
        Worker(2, 120.0, kill_at_batch=3, answer_lost_with_the_kill=True, journal=tmp_path / "w2.journal"),
    ]
    for worker in workers:
        worker.orders = make_orders(ORDERS_PER_WORKER, start=100 * worker.index)
    ids = {sid: w.index for w in workers for sid in w.source_ids}
    accepted = _record_imports(emulator.project("app"), lambda sids: {ids[sid] for sid in sids})
    result = Scenario(emulator, clock, workers, accepted)
    with anyio.fail_after(30):  # real seconds; on the fake timeline the scenario takes a fraction of one
        async with anyio.create_task_group() as group:
            for worker in workers:
                group.start_soon(_work, emulator, clock, worker)
    for worker in workers:
        if worker.error is not None:
            raise AssertionError(f"{worker.name} stopped\n{result.timeline_text()}") from worker.error
    return result


def _imports_of(scenario: Scenario, worker: Worker) -> list[Accepted]:
    return [a for a in scenario.accepted if worker.index in a.owners]


@pytest.mark.anyio
async def test_the_scenario_loses_answers_on_every_route_and_kills_every_worker(scenario: Scenario) -> None:
    # A guard of the harness: fewer requests than a fault's schedule would leave a route without lost answers.
    lost = {request.route for request in scenario.emulator.requests if request.status == 0}
    assert lost >= {fault.route for fault in LOST_ANSWERS}
    for worker in scenario.workers:
        killed, resumed = worker.runs
        last = [event for event in killed if isinstance(event, vf.BatchSubmitted)][-1]
        assert last.batch == worker.kill_at_batch
        assert isinstance(resumed[-1], vf.ImportFinished)
    hows = {
        e.how for w in scenario.workers for run in w.runs for e in run if isinstance(e, vf.BatchSubmitted)
    }
    assert hows == {"submitted", "adopted", "reattached"}


@pytest.mark.anyio
async def test_every_order_of_every_worker_is_imported_exactly_once(scenario: Scenario) -> None:
    imports = {
        source_id: [a.action.id for a in scenario.accepted if source_id in a.source_ids]
        for worker in scenario.workers
        for source_id in worker.source_ids
    }
    not_once = {source_id: ids for source_id, ids in imports.items() if len(ids) != 1}
    assert not not_once, f"imported other than once: {not_once}\n{scenario.timeline_text()}"
    assert set(imports) <= set(scenario.emulator.project("app").orders)


@pytest.mark.anyio
async def test_no_import_mixes_the_orders_of_two_workers(scenario: Scenario) -> None:
    mixed = [a.action.id for a in scenario.accepted if len(a.owners) != 1]
    assert not mixed, scenario.timeline_text()


@pytest.mark.anyio
async def test_no_worker_has_an_import_accepted_while_one_of_its_own_is_unfinished(
    scenario: Scenario,
) -> None:
    overlaps = []
    for worker in scenario.workers:
        imports = _imports_of(scenario, worker)
        for n, accepted in enumerate(imports):
            running = [earlier.action.id for earlier in imports[:n] if accepted.at < earlier.action.end]
            if running:
                overlaps.append(f"{worker.name}: {accepted.action.id} accepted while {running} ran")
    assert not overlaps, f"{overlaps}\n{scenario.timeline_text()}"


@pytest.mark.anyio
async def test_each_worker_submits_a_batch_only_after_its_previous_batch_finished(
    scenario: Scenario,
) -> None:
    for worker in scenario.workers:
        for events in worker.runs:
            open_batch: int | None = None
            for event in events:
                if isinstance(event, vf.BatchSubmitted | vf.BatchFinished):
                    batch = event.batch if isinstance(event, vf.BatchSubmitted) else event.result.index
                    # The same batch submitted again: an adopted action that was not its import after all.
                    assert open_batch in (None, batch), (
                        f"{worker.name}: {_describe(event)} while batch {open_batch} was unfinished\n"
                        f"{scenario.timeline_text()}"
                    )
                    open_batch = batch if isinstance(event, vf.BatchSubmitted) else None


@pytest.mark.anyio
async def test_each_report_counts_every_order_of_its_worker_as_imported(scenario: Scenario) -> None:
    for worker in scenario.workers:
        report = worker.report
        assert report is not None
        assert_accounted(report)
        assert (report.orders, report.imported, report.failed, report.rejected) == (
            ORDERS_PER_WORKER,
            ORDERS_PER_WORKER,
            [],
            [],
        ), f"{worker.name}\n{scenario.timeline_text()}"


@pytest.mark.anyio
async def test_each_report_names_for_each_batch_the_action_that_holds_its_orders(scenario: Scenario) -> None:
    for worker in scenario.workers:
        assert worker.report is not None
        assert [batch.index for batch in worker.report.batches] == list(range(1, BATCHES + 1))
        for batch in worker.report.batches:
            accepted = scenario.action(batch.async_action_id)
            held = accepted.source_ids if accepted is not None else None
            assert held == worker.batch_source_ids(batch.index), (
                f"{worker.name}: batch {batch.index} names {batch.async_action_id}, which holds {held}\n"
                f"{scenario.timeline_text()}"
            )
