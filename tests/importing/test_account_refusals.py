"""400s that are no order's fault: the run stops at once instead of splitting its batches call by call.

An account-level or gateway refusal (``details`` naming no property of an order, or a body that is not the
API's Error object at all) and a refusal that both halves of a split meet alike are answered for every
subset of the orders: splitting spends the bulk budget and ends by rejecting good orders as malformed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from batcher_scenarios import assert_accounted, import_fault, make_orders

import voucherify_async as vf
from voucherify_async.emulator import Emulator
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.errors import ImportInterruptedError

IMPORT = "POST /v1/orders/import"
NOT_AVAILABLE = {
    "code": 400,
    "key": "invalid_payload",
    "message": "Invalid payload",
    "details": "Order import is not available for this project",
}
UNKNOWN_RULE = {
    "code": 400,
    "key": "invalid_payload",
    "message": "Invalid payload",
    "details": "Property .metadata.region is not allowed in this project",
}


def _imports(emulator: Emulator) -> int:
    """How many import requests the emulator received (refused ones included)."""
    return [request.route for request in emulator.requests].count(IMPORT)


def _sizes_sent(events: list[vf.ProgressEvent]) -> list[int]:
    """The sizes of the import requests the server accepted, in order."""
    return [event.size for event in events if isinstance(event, vf.BatchSubmitted)]


def _assert_stopped_unrejected(error: ImportInterruptedError, sent_to_no_one: int) -> None:
    """The report of a stopped run: nothing rejected, the unsent orders left unaccounted (not rejected)."""
    report = error.report
    assert report.rejected == []
    assert report.in_flight_orders == sent_to_no_one
    assert report.orders == report.imported + len(report.failed) + len(report.rejected) + sent_to_no_one
    assert isinstance(error.__cause__, vf.BadRequestError)


@pytest.mark.anyio
async def test_an_account_level_400_stops_the_run_after_one_bulk_call(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(import_fault("status", status=400, body=NOT_AVAILABLE))
    with pytest.raises(ImportInterruptedError) as caught:
        await ImportBatcher(client, batch_size=5).run(make_orders(15))
    assert _imports(emulator) <= 2
    assert caught.value.report.bulk_calls == _imports(emulator)
    message = str(caught.value)
    assert "Order import is not available for this project" in message
    assert "refused the import as a whole, not an order of it" in message
    _assert_stopped_unrejected(caught.value, sent_to_no_one=5)


@pytest.mark.anyio
async def test_a_400_without_details_stops_the_run_quoting_the_message(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    body = {"code": 400, "key": "import_disabled", "message": "Imports are disabled for this plan"}
    emulator.add_fault(import_fault("status", status=400, body=body))
    with pytest.raises(ImportInterruptedError, match="Imports are disabled for this plan") as caught:
        await ImportBatcher(client).run(make_orders(6))
    assert _imports(emulator) <= 2
    _assert_stopped_unrejected(caught.value, sent_to_no_one=6)


@pytest.mark.parametrize(
    ("content_type", "text"),
    [
        ("text/html", "<html><body><h1>400 Bad Request</h1>Request blocked by the gateway</body></html>"),
        ("", ""),
    ],
    ids=["html", "empty"],
)
@pytest.mark.anyio
async def test_a_gateways_400_that_is_no_error_object_stops_the_run(
    web_server: Any, clock: vf.ManualClock, content_type: str, text: str
) -> None:
    posts: list[bytes] = []

    async def refuse(request: web.Request) -> web.Response:
        posts.append(await request.read())
        return web.Response(status=400, text=text, content_type=content_type or None)

    app = web.Application()
    app.router.add_post("/v1/orders/import", refuse)
    base_url = await web_server(app)
    async with vf.AsyncVoucherify("app", "token", base_url=base_url, clock=clock) as client:
        with pytest.raises(ImportInterruptedError) as caught:
            await ImportBatcher(client, batch_size=4).run(make_orders(12))
    assert len(posts) <= 2
    assert "refused the import as a whole, not an order of it" in str(caught.value)
    if text:
        assert "Request blocked by the gateway" in str(caught.value)
    _assert_stopped_unrejected(caught.value, sent_to_no_one=4)


@pytest.mark.anyio
async def test_a_stop_in_the_middle_of_a_batch_reports_the_half_already_imported(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    # The batch is split over a rule the batcher cannot read; its first half is imported, then the project
    # refuses imports as a whole.
    emulator.add_fault(import_fault("status", status=400, nth=[1], body=UNKNOWN_RULE))
    emulator.add_fault(import_fault("status", status=400, nth=[3], body=NOT_AVAILABLE))
    with pytest.raises(ImportInterruptedError, match="not available for this project") as caught:
        await ImportBatcher(client).run(make_orders(8))
    assert _imports(emulator) == 3
    assert (caught.value.report.imported, caught.value.async_action_id) == (4, None)
    assert caught.value.report.in_flight_action_id is None
    _assert_stopped_unrejected(caught.value, sent_to_no_one=4)


@pytest.mark.anyio
async def test_both_halves_refused_alike_stop_the_run_instead_of_splitting_further(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(import_fault("status", status=400, body=UNKNOWN_RULE))
    with pytest.raises(ImportInterruptedError) as caught:
        await ImportBatcher(client).run(make_orders(64))
    # The whole batch, then each half once: every subset of these orders is refused the same way.
    assert _imports(emulator) == 3
    message = str(caught.value)
    assert "Property .metadata.region is not allowed in this project" in message
    assert "refused the import as a whole, not an order of it" in message
    _assert_stopped_unrejected(caught.value, sent_to_no_one=64)


@pytest.mark.anyio
async def test_the_sibling_of_a_refused_half_goes_before_the_half_is_split(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    # The whole batch and its first half are refused; the second half is not: the offenders are in the
    # first half, which is split without being sent again.
    emulator.add_fault(import_fault("status", status=400, nth=[1, 2], body=UNKNOWN_RULE))
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, on_progress=events.append).run(make_orders(8))
    assert (_imports(emulator), _sizes_sent(events)) == (5, [4, 2, 2])
    assert report.imported == 8
    assert_accounted(report)


@pytest.mark.anyio
async def test_halves_refused_alike_after_a_part_was_imported_are_still_isolated(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    # The first half is imported: the server takes these orders, so the refusals are about orders. The
    # second half's halves ([4, 5] and [6, 7]) are both refused, and split further rather than stopping.
    emulator.add_fault(import_fault("status", status=400, nth=[1, 3, 4, 5, 6], body=UNKNOWN_RULE))
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, on_progress=events.append).run(make_orders(8))
    assert (_imports(emulator), _sizes_sent(events)) == (9, [4, 1, 1, 1])
    assert [failure.source_id for failure in report.rejected] == ["o-6"]
    assert report.imported == 7
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_run_resumed_after_an_account_level_stop_sends_the_batch_once(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    emulator.add_fault(import_fault("status", status=400, body=NOT_AVAILABLE))
    with pytest.raises(ImportInterruptedError):
        await ImportBatcher(client, batch_size=5, checkpoint=journal).run(make_orders(10))
    emulator.clear_faults()  # the project may import again
    refused = len(emulator.requests)
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, batch_size=5, checkpoint=journal, on_progress=events.append).run(
        make_orders(10)
    )
    # The 400 was an answer: no search for an action that the refused request might have created.
    assert [request.route for request in emulator.requests[refused:]].count("GET /v1/async-actions") == 0
    assert _sizes_sent(events) == [5, 5]
    assert (report.imported, report.rejected) == (10, [])
    assert_accounted(report)


@pytest.mark.anyio
async def test_a_run_resumed_after_both_halves_were_refused_sends_the_batch_whole(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    emulator.add_fault(import_fault("status", status=400, body=UNKNOWN_RULE))
    with pytest.raises(ImportInterruptedError):
        await ImportBatcher(client, checkpoint=journal).run(make_orders(16))
    emulator.clear_faults()  # the project's rule was changed
    events: list[vf.ProgressEvent] = []
    report = await ImportBatcher(client, checkpoint=journal, on_progress=events.append).run(make_orders(16))
    # Not the halves and quarters the stopped run had planned: the split proved nothing about the orders.
    assert (_imports(emulator), _sizes_sent(events)) == (4, [16])
    assert (report.imported, report.rejected) == (16, [])
    assert_accounted(report)
