"""The progress events of a run: what each step tells a display while the import goes on."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from batcher_scenarios import make_orders

import voucherify_async as vf
from voucherify_async.importing.batcher import ImportBatcher


@pytest.mark.anyio
async def test_polls_tell_the_actions_status_and_progress(emulators: Any, clients: Any) -> None:
    emu = await emulators(processing_rate=100.0)  # 1000 orders: 10 s on the server
    events: list[vf.ProgressEvent] = []
    await ImportBatcher(await clients(emu), on_progress=events.append).run(make_orders(1000))
    polled = [(e.status, e.action_progress) for e in events if isinstance(e, vf.BatchPolled)]
    assert any(status == "IN_PROGRESS" and 0 < progress < 100 for status, progress in polled)
    assert polled[-1] == ("DONE", 100)


@pytest.mark.anyio
async def test_a_poll_of_a_running_action_says_when_the_next_comes(emulators: Any, clients: Any) -> None:
    emu = await emulators(processing_rate=100.0)
    events: list[vf.ProgressEvent] = []
    await ImportBatcher(await clients(emu), on_progress=events.append).run(make_orders(1000))
    polled = [e for e in events if isinstance(e, vf.BatchPolled)]
    assert all(e.next_poll_in is not None and e.next_poll_in > 0 for e in polled[:-1])
    assert polled[-1].next_poll_in is None


@pytest.mark.anyio
async def test_each_batch_is_announced_with_its_size_in_orders_and_bytes(client: vf.AsyncVoucherify) -> None:
    events: list[vf.ProgressEvent] = []
    orders = make_orders(3)
    await ImportBatcher(client, batch_size=2, on_progress=events.append).run(orders)
    prepared = [(e.batch, e.size, e.size_bytes) for e in events if isinstance(e, vf.BatchPrepared)]
    assert prepared == [(1, 2, len(orjson.dumps(orders[:2]))), (2, 1, len(orjson.dumps(orders[2:])))]


@pytest.mark.anyio
async def test_a_refused_batch_is_reported_with_its_offenders(emulators: Any, clients: Any) -> None:
    emu = await emulators(metadata_schema={"channel": ["web"]})
    orders = make_orders(10, metadata={"channel": "web"})
    orders[3]["metadata"] = {"channel": "fax"}
    events: list[vf.ProgressEvent] = []
    await ImportBatcher(await clients(emu), on_progress=events.append).run(orders)
    (refused,) = [e for e in events if isinstance(e, vf.BatchRefused)]
    assert (refused.batch, refused.offenders, refused.resending) == (1, 1, 9)
    assert refused.details.startswith("Property .metadata.channel")


@pytest.mark.anyio
async def test_local_rejections_are_announced_before_their_batch(client: vf.AsyncVoucherify) -> None:
    events: list[vf.ProgressEvent] = []
    orders = [{"source_id": "bad", "amount": -1}, *make_orders(2)]
    await ImportBatcher(client, on_progress=events.append).run(orders)
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("OrdersRejected") < kinds.index("BatchPrepared")
    (rejected,) = [e for e in events if isinstance(e, vf.OrdersRejected)]
    assert [failure.source_id for failure in rejected.rejections] == ["bad"]


@pytest.mark.anyio
async def test_orders_sent_count_the_batch_while_its_action_runs(emulators: Any, clients: Any) -> None:
    emu = await emulators(processing_rate=100.0)
    events: list[vf.ProgressEvent] = []
    await ImportBatcher(await clients(emu), batch_size=300, on_progress=events.append).run(make_orders(500))
    sent_while_polling = {(e.batch, e.progress.orders_sent) for e in events if isinstance(e, vf.BatchPolled)}
    assert sent_while_polling == {(1, 300), (2, 500)}
