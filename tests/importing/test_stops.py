"""Runs that cannot finish: deadlines, API errors the batcher cannot handle, broken sources, spent budgets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from batcher_scenarios import assert_accounted, make_orders

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault, RateLimits
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.sources import read_json_array


@pytest.mark.anyio
async def test_a_batch_past_its_deadline_raises_batch_timeout(emulators: Any, clients: Any) -> None:
    emu = await emulators(processing_rate=1.0)
    client = await clients(emu)
    with pytest.raises(vf.BatchTimeoutError, match="did not finish within 60 s") as caught:
        await ImportBatcher(client, batch_timeout=60.0).run(make_orders(100))
    assert caught.value.batch == 1
    assert caught.value.async_action_id == emu.project("app").async_actions[0]["id"]


@pytest.mark.anyio
async def test_an_unhandled_api_error_says_which_action_was_in_flight(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("status", route="GET /v1/async-actions/{id}", status=403, nth=[2]))
    batcher = ImportBatcher(client, batch_size=2)
    with pytest.raises(vf.ImportInterruptedError, match="was in flight") as caught:
        await batcher.run(make_orders(4))
    assert isinstance(caught.value.__cause__, vf.PermissionDeniedError)
    assert caught.value.async_action_id == emulator.project("app").async_actions[-1]["id"]
    assert caught.value.report.imported == 2


@pytest.mark.anyio
async def test_wrong_credentials_stop_the_run_before_anything_is_imported(emulator: Emulator) -> None:
    async with vf.AsyncVoucherify("app", "wrong-token", base_url=emulator.url) as client:
        with pytest.raises(vf.ImportInterruptedError) as caught:
            await ImportBatcher(client).run(make_orders(2))
    assert isinstance(caught.value.__cause__, vf.AuthenticationError)
    assert "wrong-token" not in str(caught.value)
    assert caught.value.async_action_id is None
    assert "no action was in flight" in str(caught.value)
    assert caught.value.report.unanswered_batch is None


@pytest.mark.anyio
async def test_a_cut_json_array_raises_after_importing_what_came_before(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes(b'[{"source_id": "a"}, {"source_id": "b"}, {"source_id": "c"')
    batcher = ImportBatcher(client, batch_size=1)
    with pytest.raises(vf.SourceError, match="ends early"):
        await batcher.run(read_json_array(path))
    assert sorted(emulator.project("app").orders) == ["a", "b"]
    assert batcher.report is not None
    assert_accounted(batcher.report)


@pytest.mark.anyio
async def test_polls_are_paced_when_the_general_budget_is_spent(emulators: Any, clients: Any) -> None:
    emu = await emulators(rate_limits=RateLimits(api_calls_per_minute=4), processing_rate=1.0)
    client = await clients(emu)
    report = await ImportBatcher(client, batch_size=5).run(make_orders(10))
    assert [request.status for request in emu.requests if request.status == 429] == []
    assert report.rate_limit_wait > 0
    assert report.imported == 10


@pytest.mark.anyio
async def test_a_server_that_stays_unreachable_stops_the_run_cleanly(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("drop", route="POST /v1/orders/import"))
    with pytest.raises(vf.ImportInterruptedError) as caught:
        await ImportBatcher(client, max_submit_attempts=3).run(make_orders(2))
    assert isinstance(caught.value.__cause__, vf.APIConnectionError)
    assert emulator.project("app").import_requests == 0


@pytest.mark.anyio
async def test_a_run_stopped_after_an_unanswered_import_says_it_may_be_queued(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("drop", route="POST /v1/orders/import"))
    with pytest.raises(vf.ImportInterruptedError, match="batch 1's import request got no answer"):
        await ImportBatcher(client, max_submit_attempts=2).run(make_orders(2))


@pytest.mark.anyio
async def test_requests_that_never_left_spend_no_bulk_call(emulators: Any, clients: Any) -> None:
    emu = await emulators()
    client = await clients(emu)
    await emu.close()  # nothing listens on the port any more: every connection is refused
    with pytest.raises(vf.ImportInterruptedError) as caught:
        await ImportBatcher(client, max_submit_attempts=2).run(make_orders(2))
    assert isinstance(caught.value.__cause__, vf.APIConnectionError)
    assert caught.value.__cause__.request_sent is False
    assert caught.value.report.bulk_calls == 0


@pytest.mark.anyio
async def test_the_journal_of_a_run_stopped_by_wrong_credentials_holds_no_token(
    emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "import.journal"
    async with vf.AsyncVoucherify("app", "wrong-token-1234", base_url=emulator.url) as client:
        with pytest.raises(vf.ImportInterruptedError):
            await ImportBatcher(client, checkpoint=journal).run(make_orders(2))
    text = journal.read_text()
    assert "AuthenticationError" in text
    assert "wrong-token-1234" not in text


@pytest.mark.anyio
async def test_a_missing_file_stops_the_run_with_source_error_before_any_request(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    with pytest.raises(vf.SourceError, match="cannot be read"):
        await ImportBatcher(client).run(vf.read_jsonl(tmp_path / "missing.jsonl"))
    assert emulator.requests == []
