from __future__ import annotations

import datetime
from typing import Any

import anyio.lowlevel
import orjson
import pytest

import voucherify_async as vf
from voucherify_async.importing.chunking import Batch, prepare_batches
from voucherify_async.importing.sources import SOURCE_CHECKPOINT_EVERY
from voucherify_async.importing.validation import OrderRules
from voucherify_async.models import to_json

RULES = OrderRules()


def _orders(count: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"source_id": f"o-{i}", "amount": i, **extra} for i in range(count)]


async def _batches(orders: list[Any], **options: Any) -> list[Batch]:
    return [batch async for batch in prepare_batches(orders, rules=RULES, **options)]


@pytest.mark.anyio
async def test_2001_orders_make_batches_of_2000_and_1() -> None:
    assert [batch.size for batch in await _batches(_orders(2001))] == [2000, 1]


@pytest.mark.anyio
async def test_batches_are_numbered_from_1() -> None:
    assert [batch.index for batch in await _batches(_orders(5), batch_size=2)] == [1, 2, 3]


@pytest.mark.anyio
async def test_no_orders_make_no_batches() -> None:
    assert await _batches([]) == []


@pytest.mark.anyio
async def test_the_body_is_the_json_array_of_the_orders() -> None:
    orders = _orders(3)
    (batch,) = await _batches(orders)
    assert orjson.loads(batch.body()) == orders


@pytest.mark.anyio
async def test_body_size_matches_the_body() -> None:
    (batch,) = await _batches(_orders(7))
    assert batch.body_size() == len(batch.body())


@pytest.mark.anyio
async def test_batches_stay_under_max_batch_bytes() -> None:
    orders = _orders(50, metadata={"note": "x" * 100})
    limit = 1000
    batches = await _batches(orders, max_batch_bytes=limit)
    assert all(batch.body_size() <= limit for batch in batches)
    assert sum(batch.size for batch in batches) == 50


@pytest.mark.anyio
async def test_byte_limited_batches_are_full_but_the_last() -> None:
    batches = await _batches(_orders(50, metadata={"note": "x" * 100}), max_batch_bytes=1000)
    piece = len(batches[0].pieces[0])
    assert all(batch.body_size() + piece + 1 > 1000 for batch in batches[:-1])


@pytest.mark.anyio
async def test_an_order_larger_than_max_batch_bytes_is_rejected() -> None:
    orders = [{"source_id": "big", "metadata": {"note": "x" * 500}}, {"source_id": "small"}]
    (batch,) = await _batches(orders, max_batch_bytes=200)
    assert batch.source_ids == ["small"]
    assert "more than max_batch_bytes=200" in batch.rejected[0].reason


@pytest.mark.anyio
async def test_rejections_travel_with_the_next_batch() -> None:
    orders = [{"source_id": "a"}, {"source_id": "b", "amount": -1}, {"source_id": "c"}]
    batches = await _batches(orders, batch_size=1)
    assert [(b.source_ids, [r.source_id for r in b.rejected]) for b in batches] == [
        (["a"], []),
        (["c"], ["b"]),
    ]


@pytest.mark.anyio
async def test_trailing_rejections_come_in_a_batch_without_orders() -> None:
    batches = await _batches([{"source_id": "a"}, {"amount": 1}], batch_size=1)
    assert [(b.size, len(b.rejected)) for b in batches] == [(1, 0), (0, 1)]


@pytest.mark.anyio
async def test_an_order_that_cannot_be_serialised_is_rejected() -> None:
    (batch,) = await _batches([{"source_id": "a", "metadata": {"when": object()}}])
    assert "cannot be serialised as JSON" in batch.rejected[0].reason


@pytest.mark.anyio
async def test_batch_size_above_2000_is_refused() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        await _batches(_orders(1), batch_size=2001)


@pytest.mark.anyio
async def test_fingerprint_changes_when_an_order_changes() -> None:
    (first,) = await _batches(_orders(3))
    (second,) = await _batches([*_orders(2), {"source_id": "o-2", "amount": 3}])
    assert first.fingerprint() != second.fingerprint()


@pytest.mark.anyio
async def test_fingerprint_is_stable_for_the_same_orders() -> None:
    (first,) = await _batches(_orders(3))
    (second,) = await _batches(_orders(3))
    assert first.fingerprint() == second.fingerprint()


@pytest.mark.anyio
async def test_keeping_selects_orders_by_position() -> None:
    (batch,) = await _batches(_orders(4))
    assert batch.keeping([3, 1]).source_ids == ["o-1", "o-3"]


@pytest.mark.anyio
async def test_models_and_dates_inside_an_order_are_written_as_the_client_writes_them() -> None:
    when = datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc)
    order = {"source_id": "a", "customer": vf.Customer(source_id="c-1"), "metadata": {"first_seen": when}}
    (batch,) = await _batches([order])
    assert batch.pieces == [to_json(order)]


@pytest.mark.anyio
async def test_the_body_comes_joined_with_the_batch() -> None:
    (batch,) = await _batches(_orders(3))
    assert batch.body() is batch.body()


@pytest.mark.anyio
async def test_keeping_every_order_sends_the_same_body() -> None:
    (batch,) = await _batches(_orders(3))
    assert batch.keeping([2, 0, 1]).body() is batch.body()


@pytest.mark.anyio
async def test_a_source_that_breaks_stops_the_batches_with_its_error() -> None:
    def orders() -> Any:
        yield from _orders(300)
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        await _batches(orders(), batch_size=100)


@pytest.mark.anyio
@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("count", [SOURCE_CHECKPOINT_EVERY - 1, 2 * SOURCE_CHECKPOINT_EVERY, 1000])
async def test_a_synchronous_source_is_read_whole_with_other_tasks_let_in_on_the_way(
    count: int, stream: bool
) -> None:
    turns = 0

    async def other_task() -> None:
        nonlocal turns
        while True:
            turns += 1
            await anyio.lowlevel.checkpoint()

    async with anyio.create_task_group() as group:
        group.start_soon(other_task)
        await anyio.lowlevel.checkpoint()  # the other task is waiting for its turn from here on
        started = turns
        orders = _orders(count)
        # One batch: nothing is yielded before the end. A stream (a generator) is read in smaller slices.
        batches = await _batches(iter(orders) if stream else orders)
        let_in = turns - started
        group.cancel_scope.cancel()
    assert [number for batch in batches for number in batch.numbers] == list(range(1, count + 1))
    assert let_in >= count // SOURCE_CHECKPOINT_EVERY


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("max_batch_bytes", "firsts"),
    [(200, [1, 2, 4, 6, 7]), (300, [1, 3, 7])],  # cut by bytes (one order each), or by count (two each)
)
async def test_each_batch_names_its_first_order_whether_cut_by_count_bytes_or_after_rejections(
    max_batch_bytes: int, firsts: list[int]
) -> None:
    orders: list[Any] = _orders(7, metadata={"note": "x" * 60})
    orders[2] = {"source_id": "bad", "amount": -1}  # rejected: travels with the batch read after it
    orders[4] = None
    batches = await _batches(orders, batch_size=2, max_batch_bytes=max_batch_bytes)
    assert [batch.first_order for batch in batches] == firsts
    assert [r.position for batch in batches for r in batch.rejected] == [3, 5]
