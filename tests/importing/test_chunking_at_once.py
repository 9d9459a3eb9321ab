"""Orders taken a slice at once make the very batches that taking them one at a time makes."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voucherify_async.importing.chunking import Batch, _BatchBuilder, prepare_batches
from voucherify_async.importing.duplicates import SourceIdTracker
from voucherify_async.importing.errors import SourceError
from voucherify_async.importing.sources import SOURCE_CHECKPOINT_EVERY, MalformedRecord
from voucherify_async.importing.validation import OrderRules


def _order(source_id: str | None, **fields: Any) -> dict[str, Any]:
    order: dict[str, Any] = {"status": "PAID", "amount": 100}
    if source_id is not None:
        order["source_id"] = source_id
    return {**order, **fields}


# Records of every kind the builder meets: plain valid orders (ids repeating often), orders the full checks
# reject, orders that pass the checks but cannot be serialised, big ones, and records that are no order.
RECORDS = st.one_of(
    st.builds(_order, st.sampled_from(["a", "b", "c", "d", "e", "f", "g"])),
    st.builds(_order, st.text(min_size=1, max_size=3)),
    st.builds(lambda: _order(None)),
    st.builds(lambda sid: _order(sid, created_at="2021-01-02T03:04:05Z"), st.sampled_from(["a", "h"])),
    st.builds(lambda sid: _order(sid, amount=-1), st.sampled_from(["a", "i"])),
    st.builds(lambda sid: _order(sid, metadata={1: "a key that is no string"}), st.sampled_from(["a", "j"])),
    st.builds(lambda sid: _order(sid, amount=2**70), st.sampled_from(["a", "k"])),
    st.builds(lambda sid: _order(sid, metadata={"x": "y" * 120}), st.sampled_from(["a", "l"])),
    st.builds(lambda sid: _order(sid, metadata={"r": math.nan}), st.sampled_from(["a", "m"])),
    st.just(MalformedRecord("line 9", "not valid JSON")),
    st.just(None),
    st.just(42),
)


def _snapshot(batches: list[Batch]) -> list[dict[str, Any]]:
    return [
        {
            "index": batch.index,
            "pieces": list(batch.pieces),
            "body": batch.body(),
            "source_ids": batch.source_ids,
            "numbers": batch.numbers,
            "rejected": batch.rejected,
            "first_order": batch.first_order,
            "dates_replaced": batch.dates_replaced,
            "duplicates": batch.duplicates,
        }
        for batch in batches
    ]


def _one_at_a_time(records: list[Any], settings: dict[str, Any]) -> list[Batch]:
    with SourceIdTracker() as tracker:
        builder = _builder(tracker, settings)
        batches = [full for record in records if (full := builder.add(record)) is not None]
    return [*batches, builder.batch] if builder.batch.read else batches


def _in_slices(records: list[Any], settings: dict[str, Any], cuts: list[int]) -> list[Batch]:
    with SourceIdTracker() as tracker:
        builder = _builder(tracker, settings)
        batches: list[Batch] = []
        start = 0
        for stop in [*sorted(cuts), len(records)]:
            batches += builder.add_all(records[start:stop])
            start = max(start, stop)
    return [*batches, builder.batch] if builder.batch.read else batches


def _builder(tracker: SourceIdTracker, settings: dict[str, Any]) -> _BatchBuilder:
    rules = OrderRules(require_source_id=settings["require_source_id"])
    return _BatchBuilder(
        rules, settings["batch_size"], settings["max_batch_bytes"], tracker, settings["duplicates"]
    )


SETTINGS = st.fixed_dictionaries(
    {
        "batch_size": st.integers(min_value=1, max_value=6),
        "max_batch_bytes": st.sampled_from([3, 60, 120, 400, 16 * 1024 * 1024]),
        "duplicates": st.sampled_from(["send", "reject"]),
        "require_source_id": st.booleans(),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    records=st.lists(RECORDS, max_size=40),
    options=SETTINGS,
    cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=4),
)
def test_slices_make_the_batches_one_at_a_time_makes(
    records: list[Any], options: dict[str, Any], cuts: list[int]
) -> None:
    assert _snapshot(_in_slices(records, options, cuts)) == _snapshot(_one_at_a_time(records, options))


def test_the_comparison_sees_repeats_rejections_and_full_batches() -> None:
    records = [_order("a"), _order("b"), _order("a"), _order("c", amount=-1), None, _order("d"), _order("e")]
    options = {"batch_size": 2, "max_batch_bytes": 16 * 1024 * 1024, "duplicates": "reject"}
    batches = _in_slices(records, {**options, "require_source_id": True}, [])
    assert [batch.source_ids for batch in batches] == [["a", "b"], ["d", "e"]]
    assert [len(batch.rejected) for batch in batches] == [0, 3]
    assert [(d.position, d.first_position, d.sent) for d in batches[1].duplicates] == [(3, 1, False)]
    assert _snapshot(batches) == _snapshot(_one_at_a_time(records, {**options, "require_source_id": True}))


def test_orders_that_do_not_fit_the_byte_limit_together_are_cut_as_one_at_a_time_cuts() -> None:
    records = [_order(f"o-{i}", metadata={"x": "y" * 40}) for i in range(7)]
    options = {"batch_size": 6, "max_batch_bytes": 200, "duplicates": "send", "require_source_id": True}
    batches = _in_slices(records, options, [])
    assert len(batches) > 2  # the byte limit cut them, not batch_size
    assert all(len(batch.body()) <= 200 for batch in batches)
    assert _snapshot(batches) == _snapshot(_one_at_a_time(records, options))


@pytest.mark.anyio
async def test_a_source_broken_midway_in_a_slice_keeps_the_orders_read_before() -> None:
    def source() -> Any:
        for i in range(SOURCE_CHECKPOINT_EVERY + 10):
            yield _order(f"o-{i}")
        raise SourceError("the file ends in the middle of a line")

    batches: list[Batch] = []

    async def read_all() -> None:
        async for batch in prepare_batches(source(), rules=OrderRules(), batch_size=100):
            batches.append(batch)

    with pytest.raises(SourceError):
        await read_all()
    assert sum(batch.size for batch in batches) == SOURCE_CHECKPOINT_EVERY + 10
    assert batches[-1].cut_short
    assert not any(batch.cut_short for batch in batches[:-1])


@pytest.mark.anyio
async def test_a_source_that_raises_midway_in_a_slice_first_hands_over_the_batches_it_completed() -> None:
    def source() -> Any:
        for i in range(150):
            yield _order(f"o-{i}")
        raise ValueError("the user's own generator failed")

    batches: list[Batch] = []

    async def read_all() -> None:
        async for batch in prepare_batches(source(), rules=OrderRules(), batch_size=100):
            batches.append(batch)

    with pytest.raises(ValueError, match="the user's own generator failed"):
        await read_all()
    assert [batch.size for batch in batches] == [100]  # the 50 after it were never a whole batch


@pytest.mark.parametrize("size_of_first", [20, 21, 35])
def test_at_every_byte_limit_around_a_batch_body_slices_cut_where_one_at_a_time_cuts(
    size_of_first: int,
) -> None:
    records = [_order("o-0", metadata={"x": "y" * size_of_first})]
    records += [_order(f"o-{i}", metadata={"x": "y" * (i % 3)}) for i in range(1, 9)]
    options = {"batch_size": 9, "duplicates": "send", "require_source_id": True}
    whole = _one_at_a_time(records, {**options, "max_batch_bytes": 16 * 1024 * 1024})[0].body()
    limits = range(len(whole) - 150, len(whole) + 3)
    cuts_seen = set()
    for limit in limits:
        settings = {**options, "max_batch_bytes": limit}
        expected = _snapshot(_one_at_a_time(records, settings))
        for cuts in ([], [1], [4], [2, 7]):
            assert _snapshot(_in_slices(records, settings, cuts)) == expected, (limit, cuts)
        cuts_seen.add(tuple(len(batch["numbers"]) for batch in expected))
    assert len(cuts_seen) >= 4  # the limits cut the orders in several different ways
