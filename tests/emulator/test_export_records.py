"""What an export reads of each order: only what it needs, with the values of the calculated order."""

from __future__ import annotations

import pytest

from tests.emulator.conftest import order
from voucherify_async import ManualClock
from voucherify_async.emulator.export_records import export_record, fields_of
from voucherify_async.emulator.state import ProjectState


def _stored_project(clock: ManualClock) -> ProjectState:
    project = ProjectState("app", clock.time)
    project.upsert_order(order("plain"), clock.time())
    clock.advance(5)
    parties = {"customer": {"source_id": "c-1"}, "referrer": {"source_id": "r-1"}}
    project.upsert_order(order("rich", metadata={"channel": "web"}, **parties), clock.time())
    clock.advance(5)
    project.upsert_order({"source_id": "rich", "status": "FULFILLED"}, clock.time())
    return project


@pytest.mark.parametrize(
    "fields",
    [
        ["id", "source_id", "status"],
        ["created_at", "updated_at", "customer_id", "referrer_id", "metadata.channel"],
    ],
)
def test_the_fields_an_export_reads_are_those_of_the_calculated_order(
    clock: ManualClock, fields: list[str]
) -> None:
    project = _stored_project(clock)
    needed = fields_of(fields, {}, "-created_at")
    for stored in project.store.iter_orders():
        whole = stored.to_wire()
        record = export_record(stored, needed)
        assert {name: record[name] for name in needed} == {name: whole[name] for name in needed}


def test_an_export_of_amounts_reads_the_calculated_order(clock: ManualClock) -> None:
    project = _stored_project(clock)
    needed = fields_of(["id"], {"total_amount": {"conditions": {"$more_than": [0]}}}, "status")
    assert needed == {"id", "total_amount", "status"}
    for stored in project.store.iter_orders():
        assert export_record(stored, needed) == stored.to_wire()
