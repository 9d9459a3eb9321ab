from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Api, order
from voucherify_async import ManualClock
from voucherify_async.emulator import Emulator

pytestmark = pytest.mark.anyio


async def _import(api: Api, orders: list[dict[str, object]]) -> str:
    status, body, _ = await api.call("POST", "/v1/orders/import", json=orders)
    assert status == 200, body
    return str(body["async_action_id"])


async def test_import_answers_an_async_action_id(api: Api) -> None:
    action_id = await _import(api, [order("o-1")])
    assert action_id.startswith("aa_")


async def test_instant_import_is_done_with_the_orders_stored(api: Api, emulator: Emulator) -> None:
    action_id = await _import(api, [order("o-1"), order("o-2")])
    _, action, _ = await api.call("GET", f"/v1/async-actions/{action_id}")
    assert action["status"] == "DONE"
    assert action["result"] == {
        "message": "2 order(s) imported successfully, 0 failed.",
        "failed": [],
        "done_count": 2,
        "failed_count": 0,
    }
    assert sorted(emulator.project("app").orders) == ["o-1", "o-2"]


async def test_import_upserts_by_source_id(api: Api, emulator: Emulator) -> None:
    await _import(api, [order("o-1", status="CREATED")])
    await _import(api, [order("o-1", status="FULFILLED")])
    orders = emulator.project().orders
    assert list(orders) == ["o-1"]
    assert orders["o-1"]["status"] == "FULFILLED"


async def test_2001_orders_are_rejected_whole(api: Api, emulator: Emulator) -> None:
    status, error, _ = await api.call(
        "POST", "/v1/orders/import", json=[order(f"o-{i}") for i in range(2001)]
    )
    assert status == 400
    assert error["key"] == "invalid_payload"
    assert emulator.project().import_requests == 0


async def test_2000_orders_are_accepted(api: Api, emulator: Emulator) -> None:
    await _import(api, [order(f"o-{i}") for i in range(2000)])
    assert len(emulator.project().orders) == 2000


async def test_one_malformed_order_fails_the_request_with_its_path_only(api: Api, emulator: Emulator) -> None:
    orders = [order("o-1"), order("o-2", items=[{"initial_quantity": 0}]), order("o-3")]
    status, error, _ = await api.call("POST", "/v1/orders/import", json=orders)
    assert status == 400
    assert error["details"] == "Property .items[0].initial_quantity cannot be lower than 1"
    assert emulator.project().orders == {}


async def test_unknown_customer_id_fails_inside_the_action(api: Api) -> None:
    action_id = await _import(api, [order("o-1"), order("o-2", customer={"id": "cust_missing"})])
    _, action, _ = await api.call("GET", f"/v1/async-actions/{action_id}")
    assert action["result"]["failed"] == [
        {"source_id": "o-2", "reason": "Cannot find customer with id cust_missing"}
    ]
    assert (action["result"]["done_count"], action["result"]["failed_count"]) == (1, 1)


async def test_known_customer_id_is_accepted(api: Api, emulator: Emulator) -> None:
    customer = emulator.project().create_customer("c-1")
    action_id = await _import(api, [order("o-1", customer_id=customer["id"])])
    _, action, _ = await api.call("GET", f"/v1/async-actions/{action_id}")
    assert action["result"]["failed_count"] == 0


async def test_imported_orders_get_the_import_time_as_created_at(api: Api, emulator: Emulator) -> None:
    await _import(api, [order("o-1", created_at="2019-01-01T00:00:00Z")])
    assert emulator.project().orders["o-1"]["created_at"].startswith("2023-11-14T22:13:20")


async def test_projects_keep_their_own_orders(clock: ManualClock, store_options: dict[str, Any]) -> None:
    import aiohttp

    async with (
        Emulator(projects={"other": "secret"}, time_source=clock.time, **store_options) as emu,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, emu.url)
        await api.call(
            "POST", "/v1/orders", json=order("o-1"), headers={"X-App-Id": "other", "X-App-Token": "secret"}
        )
        assert list(emu.project("other").orders) == ["o-1"]
        assert emu.project("app").orders == {}


async def test_an_order_given_the_source_id_of_another_fails_inside_the_action(
    api: Api, emulator: Emulator
) -> None:
    _, first, _ = await api.call("POST", "/v1/orders", json=order("a"))
    await api.call("POST", "/v1/orders", json=order("b"))
    action_id = await _import(api, [order("b", id=first["id"], status="CANCELED"), order("c")])
    _, action, _ = await api.call("GET", f"/v1/async-actions/{action_id}")
    reason = "Order with source_id b already exists"
    assert action["result"]["failed"] == [{"source_id": "b", "reason": reason}]
    assert sorted(emulator.project().orders) == ["a", "b", "c"]
    assert emulator.project().orders["a"]["status"] == "PAID"
