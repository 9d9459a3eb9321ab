"""Records whose source_id repeats an earlier record's: sent or rejected, and counted apart in the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import anyio
import pytest
from batcher_scenarios import assert_accounted, import_fault, make_orders

import voucherify_async as vf
from voucherify_async.emulator import Emulator
from voucherify_async.importing import batcher as batcher_module
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.duplicates import SourceIdTracker
from voucherify_async.importing.errors import CheckpointError


def _with_repeat_of_o1(count: int = 9, amount: int = 999) -> list[dict[str, Any]]:
    """``o-0`` .. ``o-<count-1>`` (``o-1`` is record #2), then ``o-1`` again as the last record."""
    return [*make_orders(count), {"source_id": "o-1", "status": "PAID", "amount": amount}]


async def _stop_after_batch(batcher: ImportBatcher, orders: list[Any], batch: int) -> None:
    """Run until ``batch`` finished, then cancel the run there (before the next batch is sent)."""
    with anyio.CancelScope() as scope:

        def stop(event: vf.ProgressEvent) -> None:
            if isinstance(event, vf.BatchFinished) and event.result.index == batch:
                scope.cancel()

        batcher.on_progress = stop
        await batcher.run(orders)
    batcher.on_progress = None


@pytest.mark.anyio
async def test_a_repeat_in_a_later_batch_is_sent_and_the_server_keeps_the_last_copy(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    report = await ImportBatcher(client, batch_size=3).run(_with_repeat_of_o1())
    stored = emulator.project("app").orders
    assert (len(stored), stored["o-1"]["amount"]) == (9, 999)
    assert report.imported == 10  # the server counts the repeat in done_count...
    assert report.duplicates == [vf.DuplicateRecord("o-1", position=10, first_position=2, sent=True)]
    assert report.distinct_imported == 9  # ...though it made no new order
    assert report.consistent
    assert report.ok
    assert any("an earlier record's source_id were sent: 1." in note for note in report.notes)


@pytest.mark.anyio
async def test_the_emulator_upserts_a_repeat_inside_one_import_in_order_and_counts_both(
    client: vf.AsyncVoucherify,
) -> None:
    action_id = await client.orders.import_orders(
        [{"source_id": "o-1", "amount": 100, "status": "CREATED"}, {"source_id": "o-1", "amount": 200}]
    )
    action = await client.async_actions.wait(action_id)
    assert isinstance(action.result, vf.OrdersImportResult)
    assert (action.result.done_count, action.result.failed_count) == (2, 0)
    order = await client.orders.get("o-1")
    assert (order.amount, order.status) == (200, "CREATED")  # the last copy's fields win, the rest stay
    assert (await client.orders.list()).total == 1


@pytest.mark.anyio
async def test_a_repeat_inside_one_batch_goes_in_the_same_import(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    report = await ImportBatcher(client).run(_with_repeat_of_o1(count=3))
    assert emulator.project("app").import_requests == 1
    assert emulator.project("app").orders["o-1"]["amount"] == 999
    assert (report.imported, report.distinct_imported) == (4, 3)
    assert [(d.position, d.first_position) for d in report.duplicates] == [(4, 2)]


@pytest.mark.anyio
async def test_with_reject_a_repeat_is_never_sent_and_names_the_first_record(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    report = await ImportBatcher(client, batch_size=3, duplicates="reject").run(_with_repeat_of_o1())
    assert emulator.project("app").orders["o-1"]["amount"] == 101  # the first copy's
    assert report.imported == report.distinct_imported == 9
    [rejected] = report.rejected
    assert (rejected.source_id, rejected.position) == ("o-1", 10)
    assert "repeats the source_id of order #2" in rejected.reason
    assert report.duplicates == [vf.DuplicateRecord("o-1", 10, 2, sent=False)]
    assert report.consistent
    assert not report.ok
    assert_accounted(report)


@pytest.mark.anyio
async def test_every_repeat_names_the_first_record_not_the_previous_repeat(
    client: vf.AsyncVoucherify,
) -> None:
    orders = [*make_orders(2), *make_orders(1, start=1), *make_orders(1, start=1)]
    report = await ImportBatcher(client, batch_size=2).run(orders)
    assert [(d.position, d.first_position) for d in report.duplicates] == [(3, 2), (4, 2)]
    assert (report.imported, report.distinct_imported) == (4, 2)


@pytest.mark.anyio
@pytest.mark.parametrize("option", ["skip", "SEND", None, True, ["send"]])
async def test_an_unknown_duplicates_option_is_refused_before_anything_is_sent(
    client: vf.AsyncVoucherify, emulator: Emulator, option: Any
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="duplicates must be 'send' or 'reject'"):
        ImportBatcher(client, duplicates=option)
    assert emulator.requests == []


@pytest.mark.anyio
async def test_a_record_rejected_as_malformed_is_no_first_copy(client: vf.AsyncVoucherify) -> None:
    malformed = {"source_id": "o-1", "items": [{"sku_id": "s", "quantity": 0}]}
    report = await ImportBatcher(client, duplicates="reject").run([malformed, *make_orders(1, start=1)])
    assert (report.imported, len(report.rejected), report.duplicates) == (1, 1, [])


@pytest.mark.anyio
async def test_a_repeat_imported_after_its_first_copy_failed_is_a_distinct_order(
    client: vf.AsyncVoucherify,
) -> None:
    failing = {"source_id": "o-1", "amount": 5, "customer": {"id": "cust_nobody"}}
    report = await ImportBatcher(client, batch_size=2).run([failing, *make_orders(2)])
    assert (report.imported, len(report.failed)) == (2, 1)
    assert [(d.position, d.first_position) for d in report.duplicates] == [(3, 1)]
    assert report.distinct_imported == 2
    assert report.consistent


@pytest.mark.anyio
async def test_copies_of_an_import_that_failed_as_a_whole_are_not_imported(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(import_fault("action_failed", nth=[1]))
    report = await ImportBatcher(client).run(_with_repeat_of_o1(count=2))
    assert (report.imported, len(report.failed), report.distinct_imported) == (0, 3, 0)
    assert report.consistent


@pytest.mark.anyio
async def test_a_resumed_run_finds_repeats_of_orders_an_earlier_run_imported(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    orders = _with_repeat_of_o1(count=6)  # batches [o-0 o-1 o-2] [o-3 o-4 o-5] [o-1]
    await _stop_after_batch(ImportBatcher(client, batch_size=3, checkpoint=journal), orders, 2)
    assert emulator.project("app").import_requests == 2
    report = await ImportBatcher(client, batch_size=3, checkpoint=journal).run(orders)
    assert [batch.resumed for batch in report.batches] == [True, True, False]
    assert report.duplicates == [vf.DuplicateRecord("o-1", 7, 2)]
    assert (report.imported, report.distinct_imported) == (7, 6)


@pytest.mark.anyio
async def test_a_resumed_run_rejects_a_repeat_whose_first_copy_an_earlier_run_sent(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    orders = _with_repeat_of_o1(count=6)
    batcher = ImportBatcher(client, batch_size=3, checkpoint=journal, duplicates="reject")
    await _stop_after_batch(batcher, orders, 1)
    report = await ImportBatcher(client, batch_size=3, checkpoint=journal, duplicates="reject").run(orders)
    assert [(f.source_id, f.position) for f in report.rejected] == [("o-1", 7)]
    assert emulator.project("app").orders["o-1"]["amount"] == 101


@pytest.mark.anyio
async def test_resuming_with_another_duplicates_option_is_refused_naming_it(
    client: vf.AsyncVoucherify, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    orders = _with_repeat_of_o1(count=6)
    await _stop_after_batch(ImportBatcher(client, batch_size=3, checkpoint=journal), orders, 1)
    with pytest.raises(CheckpointError, match="duplicates=send"):
        await ImportBatcher(client, batch_size=3, checkpoint=journal, duplicates="reject").run(orders)


class _SpillingAtOnce(SourceIdTracker):
    """A tracker that writes each id to its file at once; remembers each one made."""

    made: ClassVar[list[_SpillingAtOnce]] = []

    def __init__(self, **options: Any) -> None:
        super().__init__(memory_limit=0)
        self.made.append(self)
        self.spilled_when_closed: bool | None = None

    def close(self) -> None:
        if self.spilled_when_closed is None:
            self.spilled_when_closed = self.spilled
        super().close()


@pytest.fixture
def spilling(monkeypatch: pytest.MonkeyPatch) -> list[_SpillingAtOnce]:
    """Make the batcher's trackers spill to disk at once; the list of those made."""
    made: list[_SpillingAtOnce] = []
    monkeypatch.setattr(_SpillingAtOnce, "made", made)
    monkeypatch.setattr(batcher_module, "SourceIdTracker", _SpillingAtOnce)
    return made


@pytest.mark.anyio
async def test_while_spilled_to_disk_the_run_finds_the_same_repeats(
    client: vf.AsyncVoucherify, spilling: list[_SpillingAtOnce]
) -> None:
    orders = [*make_orders(300), *make_orders(300, amount=7)]
    report = await ImportBatcher(client, batch_size=100).run(orders)
    [tracker] = spilling
    assert tracker.spilled_when_closed
    assert [(d.position, d.first_position) for d in report.duplicates] == [
        (301 + n, 1 + n) for n in range(300)
    ]
    assert (report.imported, report.distinct_imported) == (600, 300)


@pytest.mark.anyio
@pytest.mark.parametrize("cancel", [False, True])
async def test_the_run_lets_go_of_its_source_ids_however_it_ends(
    client: vf.AsyncVoucherify, spilling: list[_SpillingAtOnce], cancel: bool
) -> None:
    batcher = ImportBatcher(client, batch_size=10)
    orders = make_orders(40)
    if cancel:
        await _stop_after_batch(batcher, orders, 2)
    else:
        await batcher.run(orders)
    [tracker] = spilling
    assert tracker.spilled_when_closed  # closed, after it spilled to disk...
    assert not tracker.spilled  # ...its files are gone


@pytest.mark.anyio
@pytest.mark.parametrize(("option", "valid", "rejected"), [("send", 10, 0), ("reject", 9, 1)])
async def test_a_dry_run_lists_the_repeats_a_run_would_find(
    client: vf.AsyncVoucherify, emulator: Emulator, option: Any, valid: int, rejected: int
) -> None:
    dry = await ImportBatcher(client, batch_size=3, duplicates=option).dry_run(_with_repeat_of_o1())
    assert (dry.valid, len(dry.rejected)) == (valid, rejected)
    assert [(d.source_id, d.position, d.first_position) for d in dry.duplicates] == [("o-1", 10, 2)]
    assert emulator.requests == []
