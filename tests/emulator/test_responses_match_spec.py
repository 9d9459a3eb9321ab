"""Every answer of the emulator against the official response schemas (``tests/spec_schemas.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Api, order
from tests.spec_schemas import errors, validate
from voucherify_async import ManualClock
from voucherify_async.emulator import Emulator

pytestmark = pytest.mark.anyio

FULL_ORDER = order(
    "o-1",
    discount_amount=100,
    metadata={"channel": "web"},
    customer={"source_id": "c-1", "name": "Ann", "address": {"city": "Oslo"}},
    referrer={"source_id": "c-2"},
    items=[
        {"source_id": "p-1", "related_object": "product", "quantity": 2, "price": 500, "discount_amount": 50},
        {
            "sku_id": "sku_1",
            "related_object": "sku",
            "quantity": 1,
            "amount": 300,
            "sku": {"sku": "S", "price": 300},
        },
    ],
)


def test_the_validator_rejects_what_the_spec_forbids() -> None:
    assert errors(
        {"object": "list", "data_ref": "orders", "orders": [], "total": "7"}, "OrdersListResponseBody"
    )


def test_the_validator_knows_the_real_orders_import_result() -> None:
    result = {
        "message": "1 failed.",
        "failed": [{"source_id": None, "reason": "x"}],
        "done_count": 0,
        "failed_count": 1,
    }
    action = {
        "id": "aa_1",
        "type": "ORDERS.IMPORT",
        "status": "DONE",
        "result": result,
        "object": "async_action",
    }
    validate(action, "AsyncActionGetResponseBody")


def test_request_bodies_of_the_tests_are_valid_requests() -> None:
    validate(FULL_ORDER, "OrdersCreateRequestBody")
    validate([FULL_ORDER], "OrdersImportCreateRequestBody")


async def test_created_order_matches_the_spec(api: Api) -> None:
    _, created, _ = await api.call("POST", "/v1/orders", json=FULL_ORDER)
    validate(created, "OrdersCreateResponseBody")


async def test_fetched_and_updated_orders_match_the_spec(api: Api) -> None:
    await api.call("POST", "/v1/orders", json=FULL_ORDER)
    _, fetched, _ = await api.call("GET", "/v1/orders/o-1")
    _, updated, _ = await api.call("PUT", "/v1/orders/o-1", json={"status": "CANCELED"})
    validate(fetched, "OrdersGetResponseBody")
    validate(updated, "OrdersUpdateResponseBody")


async def test_order_list_matches_the_spec(api: Api) -> None:
    await api.call("POST", "/v1/orders", json=FULL_ORDER)
    await api.call("POST", "/v1/orders", json=order("o-2"))
    _, listing, _ = await api.call("GET", "/v1/orders")
    validate(listing, "OrdersListResponseBody")


async def test_import_answer_matches_the_spec(api: Api) -> None:
    _, answer, _ = await api.call("POST", "/v1/orders/import", json=[FULL_ORDER])
    validate(answer, "OrdersImportCreateResponseBody")


async def test_async_action_in_each_state_matches_the_spec(
    clock: ManualClock, store_options: dict[str, Any]
) -> None:
    import aiohttp

    async with (
        Emulator(processing_rate=1, time_source=clock.time, **store_options) as emu,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, emu.url)
        await api.call("POST", "/v1/orders/import", json=[order("a"), order("b", customer_id="cust_missing")])
        _, second, _ = await api.call("POST", "/v1/orders/import", json=[order("c")])
        seen = []
        for _ in range(4):
            _, action, _ = await api.call("GET", f"/v1/async-actions/{second['async_action_id']}")
            validate(action, "AsyncActionGetResponseBody")
            seen.append(action["status"])
            clock.advance(1.0)
        _, listing, _ = await api.call("GET", "/v1/async-actions")
        validate(listing, "AsyncActionsListResponseBody")
    assert seen == ["ENQUEUED", "ENQUEUED", "IN_PROGRESS", "DONE"]


async def test_failed_orders_in_a_result_match_the_real_format(api: Api) -> None:
    _, answer, _ = await api.call("POST", "/v1/orders/import", json=[order("a", customer={"id": "cust_x"})])
    _, action, _ = await api.call("GET", f"/v1/async-actions/{answer['async_action_id']}")
    validate(action, "AsyncActionGetResponseBody")
    assert action["result"]["failed_count"] == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/orders/missing", None),
        ("POST", "/v1/orders/import", [{"status": "LOST"}]),
        ("GET", "/v1/async-actions", None),
    ],
)
async def test_errors_match_the_spec(api: Api, method: str, path: str, body: object) -> None:
    params = {"limit": "0"} if path == "/v1/async-actions" else None
    status, error, _ = await api.call(method, path, json=body, params=params)
    assert status >= 400
    validate(error, "Error")


async def test_401_matches_the_spec(api: Api) -> None:
    _, error, _ = await api.call("GET", "/v1/orders", auth=False)
    validate(error, "Error")
