from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from batcher_scenarios import assert_accounted, import_fault, make_orders

import voucherify_async as vf
from voucherify_async.emulator import Emulator, RateLimits
from voucherify_async.importing.batcher import ImportBatcher


@pytest.mark.anyio
async def test_2001_orders_go_as_2000_and_1(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    report = await ImportBatcher(client).run(make_orders(2001))
    assert [batch.size for batch in report.batches] == [2000, 1]
    assert emulator.project("app").import_requests == 2
    assert report.imported == 2001
    assert_accounted(report)


@pytest.mark.anyio
async def test_every_order_is_stored_on_the_server(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    await ImportBatcher(client, batch_size=10).run(make_orders(25))
    assert sorted(emulator.project("app").orders) == sorted(f"o-{n}" for n in range(25))


@pytest.mark.anyio
async def test_empty_input_sends_nothing(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    report = await ImportBatcher(client).run([])
    assert (report.orders, report.batches, emulator.requests) == (0, [], [])


@pytest.mark.anyio
async def test_an_async_source_is_imported(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    async def orders() -> AsyncIterator[dict[str, Any]]:
        for order in make_orders(5):
            yield order

    report = await ImportBatcher(client, batch_size=2).run(orders())
    assert (report.imported, [batch.size for batch in report.batches]) == (5, [2, 2, 1])
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_generator_source_is_imported(client: vf.AsyncVoucherify) -> None:
    report = await ImportBatcher(client, batch_size=2).run(order for order in make_orders(3))
    assert report.imported == 3
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_dict_holding_a_customer_model_and_a_datetime_is_stored_as_create_stores_it(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    def order(source_id: str) -> dict[str, Any]:
        when = datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc)
        customer = vf.Customer(source_id="c-1", name="Ann")
        return {"source_id": source_id, "amount": 500, "customer": customer, "metadata": {"first_seen": when}}

    await client.orders.create(order("created"))
    report = await ImportBatcher(client).run([order("imported")])
    stored = emulator.project("app").orders
    assert report.imported == 1
    assert (
        stored["imported"]["metadata"]
        == stored["created"]["metadata"]
        == {"first_seen": "2021-03-04T05:06:07.000Z"}
    )
    assert stored["imported"]["customer_id"] == stored["created"]["customer_id"] is not None


@pytest.mark.anyio
async def test_order_models_are_imported(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    orders = [vf.Order(source_id="m-1", status="PAID", amount=500)]
    report = await ImportBatcher(client).run(orders)
    assert report.imported == 1
    assert emulator.project("app").orders["m-1"]["amount"] == 500


@pytest.mark.anyio
async def test_imports_are_never_submitted_while_another_runs(
    client: vf.AsyncVoucherify, emulators: Any, clients: Any
) -> None:
    emu = await emulators(processing_rate=100.0)
    slow_client = await clients(emu)
    report = await ImportBatcher(slow_client, batch_size=50).run(make_orders(300))
    assert emu.project("app").imports_submitted_while_busy == 0
    assert report.imported == 300
    assert_accounted(report)


@pytest.mark.anyio
async def test_malformed_orders_are_rejected_without_a_request(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    orders = [{"source_id": "bad-1", "amount": -5}, {"source_id": "bad-2", "items": [{"quantity": 0}]}]
    report = await ImportBatcher(client).run(orders)
    assert [failure.source_id for failure in report.rejected] == ["bad-1", "bad-2"]
    assert "items[0].quantity must be an integer >= 1" in report.rejected[1].reason
    assert emulator.requests == []
    assert_accounted(report)


@pytest.mark.anyio
async def test_malformed_orders_do_not_hold_back_valid_ones(client: vf.AsyncVoucherify) -> None:
    orders = [*make_orders(3), {"source_id": "bad", "status": "SHIPPED"}]
    report = await ImportBatcher(client).run(orders)
    assert (report.imported, [f.source_id for f in report.rejected]) == (3, ["bad"])
    assert_accounted(report)


NOT_OBJECTS: list[Any] = [42, "x", None, 1.5, True, [{"source_id": "o-9"}]]


@pytest.mark.anyio
async def test_records_that_are_no_objects_are_rejected_at_their_position_and_the_run_goes_on(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    first, last = make_orders(2)
    report = await ImportBatcher(client, batch_size=2).run([first, *NOT_OBJECTS, last])
    assert report.imported == 2
    assert [(r.source_id, r.position) for r in report.rejected] == [(None, n) for n in range(2, 8)]
    assert report.rejected[2].reason == "order #4: expected an order object, got null"
    assert sorted(emulator.project("app").orders) == ["o-0", "o-1"]
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_to_wire_that_raises_on_one_record_rejects_only_that_record(
    client: vf.AsyncVoucherify,
) -> None:
    def to_wire(record: Any) -> dict[str, Any]:
        if record == ("broken",):
            raise KeyError("source_id")
        return {"source_id": record[0], "amount": 100}

    report = await ImportBatcher(client, to_wire=to_wire).run([("o-1",), ("broken",), ("o-2",)])
    assert report.imported == 2
    assert report.rejected == [
        vf.OrderFailure(None, "order #2: to_wire failed on a tuple: KeyError: 'source_id'", 2)
    ]


@pytest.mark.anyio
async def test_a_null_line_of_a_jsonl_file_is_rejected_naming_its_line_and_position(
    client: vf.AsyncVoucherify, tmp_path: Path
) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b'{"source_id": "o-1"}\n\nnull\n{"source_id": "o-2"}\n')
    report = await ImportBatcher(client).run(vf.read_jsonl(path))
    assert report.imported == 2
    assert report.rejected == [
        vf.OrderFailure(None, "order #2 (line 3): expected an order object, got null", 2)
    ]


@pytest.mark.anyio
async def test_numbers_that_are_not_finite_are_rejected_not_stored_as_null(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    good, ratio, price = make_orders(3)
    ratio["metadata"] = {"ratio": float("nan")}
    price["items"] = [{"quantity": 1, "product": {"name": "Tea", "price": float("inf")}}]
    report = await ImportBatcher(client).run([good, ratio, price])
    assert [(r.source_id, r.position) for r in report.rejected] == [("o-1", 2), ("o-2", 3)]
    assert report.rejected[0].reason.endswith("not a finite number at .metadata.ratio, got nan")
    assert report.rejected[1].reason.endswith("not a finite number at .items[0].product.price, got inf")
    assert sorted(emulator.project("app").orders) == ["o-0"]


def _mixed_records() -> list[Any]:
    orders: list[Any] = make_orders(7)
    orders[1] = None
    orders[3] = {**orders[3], "amount": -1}
    orders[5] = {**orders[5], "metadata": {"ratio": float("inf")}}
    return orders


@pytest.mark.anyio
async def test_a_dry_run_sends_nothing_and_counts_what_the_run_then_does(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    batcher = ImportBatcher(client, batch_size=2)
    dry = await batcher.dry_run(_mixed_records())
    assert emulator.requests == []
    report = await batcher.run(_mixed_records())
    assert (dry.orders, dry.valid, dry.batches, dry.bulk_calls) == (7, 4, 2, 2)
    assert (dry.orders, dry.rejected, dry.batches) == (report.orders, report.rejected, len(report.batches))
    assert dry.valid == report.imported
    assert [r.position for r in dry.rejected] == [2, 4, 6]
    assert dry.consistent


@pytest.mark.anyio
async def test_a_dry_run_applies_the_batchers_own_rules(client: vf.AsyncVoucherify) -> None:
    def to_wire(record: Any) -> dict[str, Any]:
        return {"amount": record[1]}

    lenient = ImportBatcher(client, require_source_id=False, to_wire=to_wire)
    strict = ImportBatcher(client)
    assert (await lenient.dry_run([("o-1", 5)])).valid == 1
    rejected = (await strict.dry_run([("o-1", 5)])).rejected
    assert [r.reason for r in rejected] == ["order #1: expected an order object, got a list"]


@pytest.mark.anyio
async def test_server_side_failures_come_back_by_source_id(client: vf.AsyncVoucherify) -> None:
    orders = [*make_orders(2), {"source_id": "ghost", "customer_id": "cust_missing"}]
    report = await ImportBatcher(client).run(orders)
    assert [failure.source_id for failure in report.failed] == ["ghost"]
    assert "cust_missing" in report.failed[0].reason
    assert report.imported == 2
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_failed_action_counts_its_orders_as_failed(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(import_fault("action_failed", nth=[2]))
    report = await ImportBatcher(client, batch_size=2).run(make_orders(5))
    assert [batch.status for batch in report.batches] == ["DONE", "FAILED", "DONE"]
    assert [failure.source_id for failure in report.failed] == ["o-2", "o-3"]
    assert all("FAILED" in failure.reason for failure in report.failed)
    assert report.imported == 3
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_csv_file_is_imported_with_nested_fields(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "source_id,status,amount,items[0].source_id,items[0].related_object,items[0].quantity\n"
        "c-1,PAID,1500,sku-1,sku,3\n"
    )
    report = await ImportBatcher(client).run(vf.read_csv(path))
    assert report.imported == 1
    assert emulator.project("app").orders["c-1"]["items"][0]["quantity"] == 3


@pytest.mark.anyio
async def test_created_at_is_kept_in_the_named_metadata_key(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    orders = make_orders(1, created_at="2019-05-06T07:08:09Z")
    await ImportBatcher(client, created_at_metadata="original_created_at").run(orders)
    stored = emulator.project("app").orders["o-0"]
    assert stored["metadata"]["original_created_at"] == "2019-05-06T07:08:09Z"


@pytest.mark.anyio
async def test_the_eta_counts_the_spent_bulk_budget(emulators: Any, clients: Any) -> None:
    emu = await emulators(rate_limits=RateLimits(bulk_calls_per_hour=1))
    client = await clients(emu)
    events: list[vf.ProgressEvent] = []
    await ImportBatcher(client, batch_size=2, total_orders=6, on_progress=events.append).run(make_orders(6))
    first = next(event for event in events if isinstance(event, vf.BatchFinished))
    # Two batches left at one bulk call an hour: the second waits for the next window but one.
    assert first.progress.eta is not None
    assert first.progress.eta > 3600


@pytest.mark.parametrize(
    "options",
    [
        {"batch_size": 0},
        {"batch_size": 2001},
        {"max_batch_bytes": 2},
        {"batch_timeout": 0},
        {"lost_ack_margin": -1.0},
        {"max_submit_attempts": 0},
        {"max_refusals": -1},
    ],
)
@pytest.mark.anyio
async def test_impossible_settings_are_refused_at_once(client: vf.AsyncVoucherify, options: Any) -> None:
    (name,) = options
    with pytest.raises(vf.InvalidArgumentError, match=f"^{name} must be"):
        ImportBatcher(client, **options)


@pytest.mark.anyio
async def test_a_refused_setting_is_still_a_value_error(client: vf.AsyncVoucherify) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        ImportBatcher(client, batch_size=0)
