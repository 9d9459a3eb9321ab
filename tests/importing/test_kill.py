"""A process killed with SIGKILL in the middle of an import, then resumed from its checkpoint."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import orjson
import pytest
from batcher_scenarios import assert_accounted, make_orders
from killed_import import FAST_POLL

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault
from voucherify_async.importing.batcher import ImportBatcher

SCRIPT = Path(__file__).with_name("killed_import.py")


def _submitting_batches(journal: Path) -> set[int]:
    if not journal.exists():
        return set()
    steps = []
    for line in journal.read_bytes().splitlines():
        with contextlib.suppress(orjson.JSONDecodeError):  # a line the other process is writing
            steps.append(orjson.loads(line))
    return {step["batch"] for step in steps if step["event"] == "submitting"}


@pytest.mark.anyio
async def test_a_sigkilled_import_resumes_with_nothing_lost_or_imported_twice(tmp_path: Path) -> None:
    orders = make_orders(600)
    source = tmp_path / "orders.jsonl"
    source.write_bytes(b"".join(orjson.dumps(order) + b"\n" for order in orders))
    journal = tmp_path / "import.journal"
    # Real time on both sides: the killed process waits on the system clock.
    async with Emulator(app_id="app", app_token="token", processing_rate=2000.0) as emu:
        process = await anyio.open_process(
            [sys.executable, str(SCRIPT), emu.url, str(source), str(journal)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with anyio.fail_after(20):
            # The journal is written by another process: there is no event to wait on, only the file.
            while 3 not in _submitting_batches(journal):  # noqa: ASYNC110
                await anyio.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        async with vf.AsyncVoucherify("app", "token", base_url=emu.url) as client:
            batcher = ImportBatcher(
                client, batch_size=100, checkpoint=journal, poll=FAST_POLL, lost_ack_margin=0.2
            )
            report = await batcher.run(orders)
        project = emu.project("app")
        assert project.import_requests == 6  # one per batch: none lost, none sent twice
        assert project.imports_submitted_while_busy == 0
        assert len(project.orders) == 600
        assert report.imported == 600
        assert_accounted(report)


@pytest.mark.anyio
async def test_a_process_killed_while_the_answer_of_its_import_is_on_its_way_resumes_by_adopting_it(
    tmp_path: Path,
) -> None:
    orders = make_orders(600)
    source = tmp_path / "orders.jsonl"
    source.write_bytes(b"".join(orjson.dumps(order) + b"\n" for order in orders))
    journal = tmp_path / "import.journal"
    # The third import is queued at once, but its answer is held back: the process dies waiting for it.
    slow_third = Fault("slow_ack", route="POST /v1/orders/import", nth=[3], delay=0.5)
    async with Emulator(app_id="app", app_token="token", processing_rate=2000.0, faults=[slow_third]) as emu:
        process = await anyio.open_process(
            [sys.executable, str(SCRIPT), emu.url, str(source), str(journal)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with anyio.fail_after(20):
            while emu.project("app").import_requests < 3:  # noqa: ASYNC110 (the emulator's state is observed)
                await anyio.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        events: list[vf.ProgressEvent] = []
        async with vf.AsyncVoucherify("app", "token", base_url=emu.url) as client:
            batcher = ImportBatcher(
                client,
                batch_size=100,
                checkpoint=journal,
                poll=FAST_POLL,
                lost_ack_margin=0.2,
                on_progress=events.append,
            )
            report = await batcher.run(orders)
        hows = [event.how for event in events if isinstance(event, vf.BatchSubmitted)]
        assert hows == ["adopted", "submitted", "submitted", "submitted"]
        project = emu.project("app")
        assert (project.import_requests, project.imports_submitted_while_busy) == (6, 0)
        assert report.imported == 600
        assert_accounted(report)
