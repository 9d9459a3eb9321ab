from __future__ import annotations

import csv
import io
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import anyio
import anyio.lowlevel
import pytest
from yarl import URL

from tests.emulator.conftest import Api, order
from tests.spec_schemas import validate
from voucherify_async import ManualClock
from voucherify_async.emulator import Emulator, RateLimits, export_records
from voucherify_async.emulator.export_records import EXPORT_STEP
from voucherify_async.emulator.order_records import StoredOrder

pytestmark = pytest.mark.anyio

FIELDS = ["id", "source_id", "status", "amount", "metadata.channel"]


async def _export(api: Api, fields: list[str] | None = FIELDS, **parameters: Any) -> dict[str, Any]:
    if fields is not None:
        parameters["fields"] = fields
    status, export, _ = await api.call("POST", "/v1/orders/export", json={"parameters": parameters})
    assert status == 200, export
    return dict(export)


async def _download(api: Api, url: str) -> tuple[int, str]:
    async with api.session.get(url) as response:
        return response.status, await response.text()


async def test_export_is_created_scheduled(api: Api) -> None:
    export = await _export(api)
    validate(export, "OrdersExportCreateResponseBody")
    assert (export["status"], export["result"], export["exported_object"]) == ("SCHEDULED", None, "order")
    assert export["parameters"]["fields"] == FIELDS


async def test_finished_export_points_at_a_download_with_a_token(api: Api) -> None:
    export = await _export(api)
    status, fetched, _ = await api.call("GET", f"/v1/exports/{export['id']}")
    assert status == 200
    validate(fetched, "ExportsGetResponseBody")
    assert fetched["status"] == "DONE"
    assert "token=" in fetched["result"]["url"]


async def test_download_is_a_csv_of_the_requested_fields(api: Api) -> None:
    await api.call("POST", "/v1/orders", json=order("o-1", metadata={"channel": "web"}))
    await api.call("POST", "/v1/orders", json=order("o-2", status="CANCELED", amount=5))
    export = await _export(api, order="created_at")
    _, fetched, _ = await api.call("GET", f"/v1/exports/{export['id']}")
    status, text = await _download(api, fetched["result"]["url"])
    rows = list(csv.reader(io.StringIO(text)))
    assert status == 200
    assert rows[0] == ["ID", "Source ID", "Status", "Amount", "Metadata channel"]
    assert [row[1:] for row in rows[1:]] == [["o-1", "PAID", "1000", "web"], ["o-2", "CANCELED", "5", ""]]


async def test_download_needs_the_right_token(api: Api) -> None:
    export = await _export(api)
    _, fetched, _ = await api.call("GET", f"/v1/exports/{export['id']}")
    forged = fetched["result"]["url"].split("token=")[0] + "token=forged"
    status, _ = await _download(api, forged)
    assert status == 401


async def test_download_without_a_token_is_refused(api: Api) -> None:
    export = await _export(api)
    status, _ = await _download(api, f"{api.base_url}/download/v1/exports/{export['id']}")
    assert status == 401


@pytest.mark.parametrize(
    "query",
    [
        "token=%C3%A9t%C3%A9",  # non-ASCII
        "token=%FF%FE",  # bytes that are not UTF-8
        "token=%ED%A0%80",  # an encoded lone surrogate
        "token=",
        "token=%",
        "token=%ZZ",
        "token=%00",
        "token=" + "a" * 4000,
        "token=" + "%E2%82%AC" * 800,
    ],
)
async def test_download_with_an_odd_token_is_the_api_401(
    api: Api, query: str, caplog: pytest.LogCaptureFixture
) -> None:
    export = await _export(api)
    url = URL(f"{api.base_url}/download/v1/exports/{export['id']}?{query}", encoded=True)
    async with api.session.get(url) as response:
        status, error = response.status, await response.json()
    assert status == 401
    validate(error, "Error")
    assert (error["code"], error["key"]) == (401, "unauthorized")
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_unknown_export_field_is_the_api_400(api: Api) -> None:
    status, error, _ = await api.call(
        "POST", "/v1/orders/export", json={"parameters": {"fields": ["colour"]}}
    )
    assert status == 400
    assert error["key"] == "invalid_export_fields"


async def test_an_empty_export_has_the_three_default_fields(api: Api) -> None:
    await api.call("POST", "/v1/orders", json=order("o-1"))
    status, export, _ = await api.call("POST", "/v1/orders/export", json={})
    assert status == 200
    _, fetched, _ = await api.call("GET", f"/v1/exports/{export['id']}")
    _, text = await _download(api, fetched["result"]["url"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["ID", "Source ID", "Status"]
    assert rows[1][1:] == ["o-1", "PAID"]


async def test_parameters_without_fields_give_the_default_fields_too(api: Api) -> None:
    export = await _export(api, fields=None, order="created_at")
    _, fetched, _ = await api.call("GET", f"/v1/exports/{export['id']}")
    _, text = await _download(api, fetched["result"]["url"])
    assert text.splitlines() == ["ID,Source ID,Status"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"parameters": {}},
        {"parameters": {"fields": ["id", "source_id"]}},
        {"parameters": {"filters": {"status": {"conditions": {"$in": ["PAID"]}}}}},
        {"parameters": {"order": "-updated_at", "fields": ["metadata.channel"]}},
    ],
)
async def test_answer_echoes_only_the_parameters_sent(api: Api, body: dict[str, Any]) -> None:
    status, export, _ = await api.call("POST", "/v1/orders/export", json=body)
    _, fetched, _ = await api.call("GET", f"/v1/exports/{export['id']}")
    assert status == 200
    validate(export, "OrdersExportCreateResponseBody")
    assert export.get("parameters") == body.get("parameters")
    assert fetched.get("parameters") == body.get("parameters")


async def test_download_is_text_plain_as_the_spec_declares(api: Api) -> None:
    export = await _export(api)
    _, fetched, _ = await api.call("GET", f"/v1/exports/{export['id']}")
    async with api.session.get(fetched["result"]["url"]) as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        assert response.charset == "utf-8"


async def test_deleted_export_is_gone(api: Api) -> None:
    export = await _export(api)
    status, _, _ = await api.call("DELETE", f"/v1/exports/{export['id']}")
    missing, error, _ = await api.call("GET", f"/v1/exports/{export['id']}")
    assert (status, missing, error["resource_type"]) == (204, 404, "export")


async def test_export_list_has_total_and_matches_the_spec(api: Api) -> None:
    for _ in range(3):
        await _export(api)
    status, listing, _ = await api.call("GET", "/v1/exports", params={"limit": "2"})
    assert status == 200
    validate(listing, "ExportsListResponseBody")
    assert (len(listing["exports"]), listing["total"]) == (2, 3)


@pytest.fixture
async def slow_exports(clock: ManualClock, store_options: dict[str, Any]) -> AsyncIterator[Api]:
    async with (
        Emulator(export_delay=10, time_source=clock.time, **store_options) as emu,
        aiohttp.ClientSession() as session,
    ):
        yield Api(session, emu.url)


async def test_export_moves_from_scheduled_to_in_progress_to_done(
    slow_exports: Api, clock: ManualClock
) -> None:
    export = await _export(slow_exports)
    seen = []
    for _ in range(3):
        _, fetched, _ = await slow_exports.call("GET", f"/v1/exports/{export['id']}")
        seen.append(fetched["status"])
        clock.advance(5)
    assert seen == ["SCHEDULED", "IN_PROGRESS", "DONE"]


async def test_export_spends_a_bulk_call(clock: ManualClock) -> None:
    limits = RateLimits(bulk_calls_per_hour=1)
    emu = Emulator(rate_limits=limits, time_source=clock.time)
    async with emu, aiohttp.ClientSession() as session:
        api = Api(session, emu.url)
        await _export(api)
        status, _, headers = await api.call("POST", "/v1/orders/export", json={})
    assert (status, headers["X-Rate-Limit-Type"]) == (429, "bulk_api_calls")


async def test_filters_select_the_exported_orders(api: Api) -> None:
    await api.call("POST", "/v1/orders", json=order("o-1", status="PAID"))
    await api.call("POST", "/v1/orders", json=order("o-2", status="CANCELED"))
    await api.call("POST", "/v1/orders", json=order("o-3", status="FULFILLED", amount=50))
    filters = {
        "junction": "or",
        "status": {"conditions": {"$in": ["CANCELED"]}},
        "amount": {"conditions": {"$less_than": [100]}},
    }
    export = await _export(api, fields=["source_id"], filters=filters, order="created_at")
    _, fetched, _ = await api.call("GET", f"/v1/exports/{export['id']}")
    _, text = await _download(api, fetched["result"]["url"])
    assert text.splitlines() == ["Source ID", "o-2", "o-3"]


async def test_the_loop_has_turns_while_the_file_of_a_large_export_is_written(
    api: Api, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for start in range(0, 3 * EXPORT_STEP, 2000):
        emulator.project().enqueue_import([order(f"o-{index}") for index in range(start, start + 2000)])
    turns = 0
    seen_at_turn: list[int] = []
    read_order = export_records.export_record

    def reading(stored: StoredOrder, needed: frozenset[str]) -> dict[str, Any]:
        seen_at_turn.append(turns)
        return read_order(stored, needed)

    async def count_turns() -> None:
        nonlocal turns
        while True:
            await anyio.lowlevel.checkpoint()
            turns += 1

    monkeypatch.setattr(export_records, "export_record", reading)
    async with anyio.create_task_group() as group:
        group.start_soon(count_turns)
        export = await _export(api, ["source_id"], order="created_at")
        group.cancel_scope.cancel()
    _, fetched, _ = await api.call("GET", f"/v1/exports/{export['id']}")
    _, text = await _download(api, fetched["result"]["url"])
    assert len(seen_at_turn) == 3 * EXPORT_STEP
    assert len(set(seen_at_turn)) == 3  # a turn of the loop after each EXPORT_STEP orders read
    assert text.splitlines()[1:] == [f"o-{index}" for index in range(3 * EXPORT_STEP)]
