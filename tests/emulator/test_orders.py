from __future__ import annotations

import pytest

from tests.emulator.conftest import Api, order
from voucherify_async.emulator import Emulator

pytestmark = pytest.mark.anyio


async def test_create_answers_the_calculated_order(api: Api) -> None:
    body = order("o-1", amount=None, items=[{"source_id": "p", "price": 300, "quantity": 2}])
    del body["amount"]
    status, created, _ = await api.call("POST", "/v1/orders", json=body)
    assert status == 200
    assert created["object"] == "order"
    assert created["id"].startswith("ord_")
    assert created["amount"] == 600
    assert created["items"][0]["object"] == "order_item"


async def test_get_finds_an_order_by_source_id(api: Api) -> None:
    await api.call("POST", "/v1/orders", json=order("o-1"))
    status, found, _ = await api.call("GET", "/v1/orders/o-1")
    assert status == 200
    assert found["source_id"] == "o-1"


async def test_get_finds_an_order_by_id(api: Api) -> None:
    _, created, _ = await api.call("POST", "/v1/orders", json=order("o-1"))
    status, found, _ = await api.call("GET", f"/v1/orders/{created['id']}")
    assert status == 200
    assert found["id"] == created["id"]


async def test_get_of_an_unknown_order_is_the_api_404(api: Api) -> None:
    status, error, _ = await api.call("GET", "/v1/orders/nope")
    assert status == 404
    assert error["key"] == "not_found"
    assert error["resource_type"] == "order"
    assert error["resource_id"] == "nope"


async def test_update_merges_fields_into_the_stored_order(api: Api) -> None:
    await api.call("POST", "/v1/orders", json=order("o-1", metadata={"a": 1}))
    status, updated, _ = await api.call("PUT", "/v1/orders/o-1", json={"status": "FULFILLED"})
    assert status == 200
    assert (updated["status"], updated["metadata"], updated["amount"]) == ("FULFILLED", {"a": 1}, 1000)
    assert updated["updated_at"] is not None


async def test_create_with_a_known_source_id_updates_the_order(api: Api) -> None:
    _, first, _ = await api.call("POST", "/v1/orders", json=order("o-1"))
    _, second, _ = await api.call("POST", "/v1/orders", json=order("o-1", status="CANCELED"))
    assert second["id"] == first["id"]
    assert second["status"] == "CANCELED"


async def test_create_of_a_malformed_order_is_a_400_naming_the_property(api: Api) -> None:
    body = order("o-1", items=[{"source_id": "p", "quantity": 0}])
    status, error, _ = await api.call("POST", "/v1/orders", json=body)
    assert status == 400
    assert error["key"] == "invalid_payload"
    assert error["details"] == "Property .items[0].quantity cannot be lower than 1"


async def test_list_pages_through_orders_with_total(api: Api) -> None:
    for index in range(5):
        await api.call("POST", "/v1/orders", json=order(f"o-{index}"))
    status, page, _ = await api.call("GET", "/v1/orders", params={"limit": "2", "page": "3"})
    assert status == 200
    assert (page["object"], page["data_ref"], page["total"]) == ("list", "orders", 5)
    assert [found["source_id"] for found in page["orders"]] == ["o-0"]
    assert "has_more" not in page


async def test_list_orders_oldest_first_when_asked(api: Api) -> None:
    for index in range(3):
        await api.call("POST", "/v1/orders", json=order(f"o-{index}"))
    _, page, _ = await api.call("GET", "/v1/orders", params={"order": "created_at"})
    assert [found["source_id"] for found in page["orders"]] == ["o-0", "o-1", "o-2"]


@pytest.mark.parametrize(("name", "value"), [("limit", "101"), ("page", "0"), ("limit", "x")])
async def test_list_rejects_query_values_outside_the_spec(api: Api, name: str, value: str) -> None:
    status, error, _ = await api.call("GET", "/v1/orders", params={name: value})
    assert status == 400
    assert error["key"] == "invalid_query_params"
    assert error["details"].startswith(f"Property .{name} ")


async def test_order_referencing_an_unknown_customer_is_a_404(api: Api) -> None:
    status, error, _ = await api.call("POST", "/v1/orders", json=order("o-1", customer={"id": "cust_x"}))
    assert status == 404
    assert error["resource_type"] == "customer"


async def test_inline_customer_is_created_and_referenced(api: Api) -> None:
    body = order("o-1", customer={"source_id": "c-1", "name": "Ann"})
    _, created, _ = await api.call("POST", "/v1/orders", json=body)
    assert created["customer"]["object"] == "customer"
    assert created["customer_id"] == created["customer"]["id"]


async def test_created_at_given_on_create_is_kept_in_the_api_format(api: Api) -> None:
    _, created, _ = await api.call(
        "POST", "/v1/orders", json=order("o-1", created_at="2021-05-01T10:00:00+02:00")
    )
    assert created["created_at"] == "2021-05-01T08:00:00.000Z"


async def test_list_sorts_by_the_created_at_given_on_create(api: Api) -> None:
    await api.call("POST", "/v1/orders", json=order("new"))
    await api.call("POST", "/v1/orders", json=order("old", created_at="2020-01-01T00:00:00Z"))
    _, page, _ = await api.call("GET", "/v1/orders", params={"order": "created_at"})
    assert [found["source_id"] for found in page["orders"]] == ["old", "new"]


async def test_list_sorts_by_last_update_when_asked(api: Api) -> None:
    for name in ("a", "b", "c"):
        await api.call("POST", "/v1/orders", json=order(name))
    await api.call("PUT", "/v1/orders/a", json={"status": "CANCELED"})
    _, page, _ = await api.call("GET", "/v1/orders", params={"order": "-updated_at"})
    assert [found["source_id"] for found in page["orders"]] == ["a", "c", "b"]


async def test_list_sees_orders_created_after_an_earlier_listing(api: Api) -> None:
    await api.call("POST", "/v1/orders", json=order("a"))
    await api.call("GET", "/v1/orders")
    await api.call("POST", "/v1/orders", json=order("b"))
    _, page, _ = await api.call("GET", "/v1/orders")
    assert page["total"] == 2


async def test_update_can_change_the_source_id(api: Api, emulator: Emulator) -> None:
    _, created, _ = await api.call("POST", "/v1/orders", json=order("a"))
    await api.call("PUT", f"/v1/orders/{created['id']}", json={"source_id": "b"})
    status, found, _ = await api.call("GET", "/v1/orders/b")
    assert (status, found["id"]) == (200, created["id"])
    assert list(emulator.project().orders) == ["b"]


async def test_update_to_the_source_id_of_another_order_is_a_409_and_changes_nothing(
    api: Api, emulator: Emulator
) -> None:
    await api.call("POST", "/v1/orders", json=order("a"))
    await api.call("POST", "/v1/orders", json=order("b"))
    status, error, _ = await api.call("PUT", "/v1/orders/a", json={"source_id": "b", "status": "CANCELED"})
    assert (status, error["key"]) == (409, "duplicate_found")
    assert error["details"] == "Order with source_id b already exists"
    assert [emulator.project().orders[key]["status"] for key in ("a", "b")] == ["PAID", "PAID"]
