"""POST /v1/exports (``exports.json``, create-export): the generic export call, served for orders."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.emulator.conftest import Api, order
from tests.spec_schemas import validate
from voucherify_async import ManualClock
from voucherify_async.emulator import Emulator, RateLimits

pytestmark = pytest.mark.anyio

OTHER_OBJECTS = (
    "voucher",
    "redemption",
    "publication",
    "customer",
    "points_expiration",
    "voucher_transactions",
    "product",
    "sku",
)
"""The objects create-export names besides ``order`` (its description and its "Defaults" table)."""


async def _file_of(api: Api, export: dict[str, Any]) -> list[str]:
    _, fetched, _ = await api.call("GET", f"/v1/exports/{export['id']}")
    async with api.session.get(fetched["result"]["url"]) as response:
        assert response.status == 200
        return (await response.text()).splitlines()


async def test_order_export_is_scheduled_with_what_was_sent(api: Api) -> None:
    body = {"exported_object": "order", "parameters": {"fields": ["source_id", "status"]}}
    status, export, _ = await api.call("POST", "/v1/exports", json=body)
    assert status == 200
    # ExportOrderScheduled, the order branch of ExportsCreateResponseBody, is the same allOf.
    validate(export, "OrdersExportCreateResponseBody")
    assert (export["status"], export["exported_object"], export["parameters"]) == (
        "SCHEDULED",
        "order",
        body["parameters"],
    )


async def test_order_export_file_has_the_fields_and_the_filtered_orders(api: Api) -> None:
    await api.call("POST", "/v1/orders", json=order("o-1", status="PAID"))
    await api.call("POST", "/v1/orders", json=order("o-2", status="CANCELED"))
    parameters = {
        "fields": ["source_id", "status"],
        "order": "created_at",
        "filters": {"status": {"conditions": {"$in": ["CANCELED"]}}},
    }
    _, export, _ = await api.call(
        "POST", "/v1/exports", json={"exported_object": "order", "parameters": parameters}
    )
    assert await _file_of(api, export) == ["Source ID,Status", "o-2,CANCELED"]


async def test_order_export_without_parameters_has_the_default_fields(api: Api) -> None:
    await api.call("POST", "/v1/orders", json=order("o-1"))
    _, export, _ = await api.call("POST", "/v1/exports", json={"exported_object": "order"})
    assert "parameters" not in export
    lines = await _file_of(api, export)
    assert lines[0] == "ID,Source ID,Status"
    assert lines[1].endswith(",o-1,PAID")


async def test_order_export_is_listed_and_fetched_like_any_export(api: Api) -> None:
    _, export, _ = await api.call("POST", "/v1/exports", json={"exported_object": "order"})
    _, fetched, _ = await api.call("GET", f"/v1/exports/{export['id']}")
    _, listing, _ = await api.call("GET", "/v1/exports")
    validate(fetched, "ExportsGetResponseBody")
    assert [listed["id"] for listed in listing["exports"]] == [export["id"]]


@pytest.mark.parametrize("exported_object", OTHER_OBJECTS)
async def test_objects_the_emulator_does_not_hold_are_a_clear_400(api: Api, exported_object: str) -> None:
    status, error, _ = await api.call("POST", "/v1/exports", json={"exported_object": exported_object})
    assert status == 400
    validate(error, "Error")
    assert (error["key"], error["message"]) == ("invalid_payload", "Invalid payload")
    assert f"cannot export {exported_object} objects" in error["details"]
    assert "orders only" in error["details"]


@pytest.mark.parametrize("body", [{}, {"exported_object": "orders"}, {"exported_object": 1}, []])
async def test_an_unknown_exported_object_is_the_api_400(api: Api, body: object) -> None:
    status, error, _ = await api.call("POST", "/v1/exports", json=body)
    assert status == 400
    validate(error, "Error")
    assert error["key"] == "invalid_payload"


async def test_an_unknown_exported_object_is_told_the_allowed_values(api: Api) -> None:
    _, error, _ = await api.call("POST", "/v1/exports", json={"exported_object": "coupon"})
    # The wording of the spec's own example (exports.json, create-export, 400 "Invalid Payload").
    assert error["details"].startswith(
        "Property .exported_object should be equal to one of the allowed values ["
    )
    assert "order" in error["details"]


async def test_order_export_parameters_are_checked_as_for_orders_export(api: Api) -> None:
    body = {"exported_object": "order", "parameters": {"fields": ["colour"]}}
    status, error, _ = await api.call("POST", "/v1/exports", json=body)
    assert (status, error["key"]) == (400, "invalid_export_fields")


async def test_create_export_spends_a_bulk_call(clock: ManualClock) -> None:
    emu = Emulator(rate_limits=RateLimits(bulk_calls_per_hour=1), time_source=clock.time)
    async with emu, aiohttp.ClientSession() as session:
        api = Api(session, emu.url)
        await api.call("POST", "/v1/orders/export", json={})
        status, _, headers = await api.call("POST", "/v1/exports", json={"exported_object": "order"})
    assert (status, headers["X-Rate-Limit-Type"]) == (429, "bulk_api_calls")
