"""Whatever a source mixes, every record has one fate, traceable to its position, and a dry run foresees it.

Streams of good orders, malformed orders (fields of the wrong type or out of range), records that are no
objects at all (``None``, numbers, strings, lists) and orders holding NaN or infinities are imported into
the emulator: each good order is imported, each other record is rejected at its own position, the run
never stops, and the batcher's dry run counts exactly what the run then does.

Hypothesis drives a synchronous test that runs its own emulator and client on a manual clock in
``anyio.run`` per example (the async fixtures live for a whole test, not for one example).
"""

from __future__ import annotations

import math
from typing import Any

import anyio
import hypothesis.strategies as st
from hypothesis import given, settings

import voucherify_async as vf
from voucherify_async.emulator import Emulator
from voucherify_async.importing.batcher import ImportBatcher

GOOD, MALFORMED, NOT_AN_OBJECT, NOT_FINITE = "good", "malformed", "not an object", "not finite"

_metadata_values = st.one_of(
    st.text(max_size=5),
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)
_not_finite = st.sampled_from([math.nan, math.inf, -math.inf])


@st.composite
def _good(draw: st.DrawFn, source_id: str) -> dict[str, Any]:
    order: dict[str, Any] = {
        "source_id": source_id,
        "status": draw(st.sampled_from(["CREATED", "PAID", "CANCELED", "FULFILLED"])),
        "amount": draw(st.integers(0, 10**6)),
        "metadata": draw(st.dictionaries(st.sampled_from(["a", "b", "ratio"]), _metadata_values, max_size=3)),
    }
    if draw(st.booleans()):
        price = draw(st.floats(0, 1e6) | st.integers(0, 10**6))
        order["items"] = [{"quantity": draw(st.integers(1, 5)), "product": {"name": "Tea", "price": price}}]
    return order


@st.composite
def _malformed(draw: st.DrawFn, source_id: str) -> dict[str, Any]:
    order = draw(_good(source_id))
    field, value = draw(
        st.sampled_from(
            [
                ("amount", -1),
                ("amount", "12"),
                ("amount", 2.5),
                ("status", "SHIPPED"),
                ("items", [{"quantity": 0}]),
                ("items", "tea"),
                ("metadata", ["a"]),
                ("customer", "ann"),
                ("source_id", 7),
            ]
        )
    )
    order[field] = value
    return order


@st.composite
def _with_a_number_not_finite(draw: st.DrawFn, source_id: str) -> dict[str, Any]:
    order = draw(_good(source_id))
    number = draw(_not_finite)
    where = draw(st.sampled_from(["metadata", "price", "amount", "unknown field", "nested metadata"]))
    if where == "metadata":
        order["metadata"] = {**order["metadata"], "ratio": number}
    elif where == "price":
        order["items"] = [{"quantity": 1, "product": {"name": "Tea", "price": number}}]
    elif where == "amount":
        order["amount"] = number
    elif where == "unknown field":
        order["weight"] = number
    else:
        order["metadata"] = {"scores": [1, {"last": number}]}
    return order


_not_an_object = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=5),
    st.booleans(),
    st.floats(),
    st.lists(st.integers(), max_size=2),
    st.lists(st.fixed_dictionaries({"source_id": st.just("in-a-list")}), min_size=1, max_size=1),
)


@st.composite
def _records(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """(kind, record) pairs; source_ids are unique (a repeated one is another test's subject)."""
    kinds = draw(st.lists(st.sampled_from([GOOD, GOOD, MALFORMED, NOT_AN_OBJECT, NOT_FINITE]), max_size=25))
    records = []
    for number, kind in enumerate(kinds, 1):
        source_id = f"o-{number}"
        if kind == GOOD:
            record = draw(_good(source_id))
        elif kind == MALFORMED:
            record = draw(_malformed(source_id))
        elif kind == NOT_FINITE:
            record = draw(_with_a_number_not_finite(source_id))
        else:
            record = draw(_not_an_object)
        records.append((kind, record))
    return records


async def _dry_run_then_run(
    records: list[Any], batch_size: int
) -> tuple[vf.DryRunReport, vf.ImportReport, dict[str, Any], int]:
    clock = vf.ManualClock()
    async with Emulator(app_id="app", app_token="token", time_source=clock.time) as emulator:
        async with vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=clock) as client:
            batcher = ImportBatcher(client, batch_size=batch_size)
            dry = await batcher.dry_run(records)
            requests_after_dry_run = len(emulator.requests)
            report = await batcher.run(records)
        return dry, report, dict(emulator.project("app").orders), requests_after_dry_run


@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(records=_records(), batch_size=st.integers(1, 6))
def test_every_record_has_one_fate_traceable_to_its_position(
    records: list[tuple[str, Any]], batch_size: int
) -> None:
    dry, report, stored, requests_after_dry_run = anyio.run(
        _dry_run_then_run, [record for _, record in records], batch_size
    )
    kinds = {position: kind for position, (kind, _) in enumerate(records, 1)}
    good = {f"o-{position}" for position, kind in kinds.items() if kind == GOOD}

    assert report.orders == len(records)
    assert report.orders == report.imported + len(report.failed) + len(report.rejected)
    assert (report.imported, report.failed) == (len(good), [])
    # Each rejection points at a record that is no order, or a malformed one, and each of those is rejected.
    positions = [rejection.position for rejection in report.rejected]
    assert positions == sorted(position for position, kind in kinds.items() if kind != GOOD)
    for rejection in report.rejected:
        assert rejection.reason.startswith(f"order #{rejection.position}")
        if kinds[rejection.position] == NOT_AN_OBJECT:
            assert "expected an order object" in rejection.reason
        if kinds[rejection.position] == NOT_FINITE:
            assert "not a finite number at ." in rejection.reason
    # The server holds the good orders, each with the metadata it was given (no number written as null).
    assert set(stored) == good
    for position, (kind, record) in enumerate(records, 1):
        if kind == GOOD:
            assert stored[f"o-{position}"].get("metadata") == record["metadata"]
    # The dry run sent nothing and foresaw the run.
    assert requests_after_dry_run == 0
    assert (dry.orders, dry.rejected, dry.batches) == (report.orders, report.rejected, len(report.batches))
    assert dry.valid == report.imported
