"""The bodies the resources send validate against the official request schemas (tests/spec_schemas.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import orjson
import pytest
from aiohttp import web

import voucherify_async as vf
from tests.conftest import StartServer
from tests.models.test_api_examples import ORDER_ANSWER as ORDER_ANSWER_EXAMPLE
from tests.spec_schemas import validate

pytestmark = pytest.mark.anyio

ORDER_ANSWER = {"id": "ord_1", "object": "order"}
EXPORT_ANSWER = {
    "id": "exp_1",
    "object": "export",
    "created_at": "2022-01-13T09:03:18.293Z",
    "status": "SCHEDULED",
    "exported_object": "order",
    "result": None,
    "user_id": None,
}

FULL_ORDER = vf.Order(
    source_id="o-1",
    status=vf.OrderStatus.PAID,
    amount=20000,
    initial_amount=20000,
    discount_amount=0,
    created_at=datetime(2021, 5, 1, 12, 0, tzinfo=timezone.utc),
    metadata={"channel": "web", "historical_created_at": "2021-05-01T12:00:00Z"},
    customer=vf.Customer(
        source_id="c-1",
        name="Bob",
        email="bob@example.com",
        address=vf.CustomerAddress(city="New York", country="US"),
        birthdate=datetime(1990, 1, 2).date(),
    ),
    referrer=vf.Referrer(source_id="c-2"),
    items=[
        vf.OrderItem(
            source_id="prod_1",
            related_object=vf.RelatedObject.PRODUCT,
            quantity=2,
            price=10000,
            amount=20000,
            product=vf.OrderItemProduct(name="Vase", price=10000, metadata={"colour": "blue"}, override=True),
        ),
        vf.OrderItem(sku_id="sku_1", quantity=1, sku=vf.OrderItemSku(sku="Comics1", price=1700)),
    ],
)


@pytest.fixture
async def captured(
    web_server: StartServer, clock: vf.ManualClock
) -> AsyncIterator[tuple[vf.AsyncVoucherify, dict[str, Any]]]:
    """A client of a stand-in server that keeps the last JSON body sent to each route."""
    bodies: dict[str, Any] = {}

    def keep(route: str, answer: Any) -> Any:
        async def handler(request: web.Request) -> web.Response:
            bodies[route] = orjson.loads(await request.read())
            return web.json_response(answer)

        return handler

    app = web.Application()
    app.router.add_post("/v1/orders", keep("create", ORDER_ANSWER))
    app.router.add_put("/v1/orders/{id}", keep("update", ORDER_ANSWER))
    app.router.add_post("/v1/orders/import", keep("import", {"async_action_id": "aa_1"}))
    app.router.add_post("/v1/orders/export", keep("export", EXPORT_ANSWER))
    base_url = await web_server(app)
    async with vf.AsyncVoucherify("app", "token", base_url=base_url, clock=clock) as client:
        yield client, bodies


async def test_create_body_is_an_orders_create_request_body(
    captured: tuple[vf.AsyncVoucherify, dict[str, Any]],
) -> None:
    client, bodies = captured

    await client.orders.create(FULL_ORDER)

    validate(bodies["create"], "OrdersCreateRequestBody")


async def test_update_body_is_an_orders_update_request_body(
    captured: tuple[vf.AsyncVoucherify, dict[str, Any]],
) -> None:
    client, bodies = captured

    await client.orders.update(
        "o-1",
        vf.Order(
            status="FULFILLED",
            amount=21700,
            metadata={"channel": "web", "tags": ["gift"], "priority": 1},
            customer=vf.Customer(source_id="c-1", email="bob@example.com"),
            referrer=vf.Referrer(id="cust_Vzck5i8U3OhcEUFY6MKhN9Rv"),
            items=[*(FULL_ORDER.items or []), vf.OrderItem(product_id="prod_2", quantity=3, price=500)],
        ),
    )

    validate(bodies["update"], "OrdersUpdateRequestBody")
    assert bodies["update"]["items"][2] == {"product_id": "prod_2", "quantity": 3, "price": 500}


async def test_a_fetched_order_sent_back_as_it_is_is_an_orders_update_request_body(
    captured: tuple[vf.AsyncVoucherify, dict[str, Any]],
) -> None:
    client, bodies = captured
    fetched = vf.models.from_wire(vf.Order, ORDER_ANSWER_EXAMPLE)

    await client.orders.update("o-1", fetched)

    validate(bodies["update"], "OrdersUpdateRequestBody")
    assert bodies["update"]["customer"] == {"id": "cust_H0nXrItO1DNV3UiPIl54HA5o", "object": "customer"}


async def test_import_body_is_an_orders_import_create_request_body(
    captured: tuple[vf.AsyncVoucherify, dict[str, Any]],
) -> None:
    client, bodies = captured

    await client.orders.import_orders(
        [
            FULL_ORDER,
            {"source_id": "o-2", "status": "CREATED"},
            {"source_id": "o-3", "customer": vf.Customer(source_id="c-3"), "items": FULL_ORDER.items},
        ]
    )

    validate(bodies["import"], "OrdersImportCreateRequestBody")
    assert [order["source_id"] for order in bodies["import"]] == ["o-1", "o-2", "o-3"]


async def test_export_body_is_an_orders_export_create_request_body(
    captured: tuple[vf.AsyncVoucherify, dict[str, Any]],
) -> None:
    client, bodies = captured

    await client.orders.export(
        fields=["id", "source_id", "status", "metadata.channel"],
        filters={
            "junction": "and",
            "status": {"conditions": {"$in": ["PAID", "FULFILLED"]}},
            "created_at": {"conditions": {"$after": ["2021-01-01T00:00:00.000Z"]}},
            "amount": {"conditions": {"$more_than": [1000]}},
        },
        order="-created_at",
    )

    validate(bodies["export"], "OrdersExportCreateRequestBody")


async def test_a_condition_that_is_not_a_list_would_be_caught_by_the_schema_check(
    captured: tuple[vf.AsyncVoucherify, dict[str, Any]],
) -> None:
    client, bodies = captured

    await client.orders.export(filters={"status": {"conditions": {"$in": "PAID"}}})

    with pytest.raises(AssertionError, match=r"\$in"):
        validate(bodies["export"], "OrdersExportCreateRequestBody")


async def test_an_invalid_status_would_be_caught_by_the_schema_check(
    captured: tuple[vf.AsyncVoucherify, dict[str, Any]],
) -> None:
    client, bodies = captured

    await client.orders.import_orders([{"source_id": "o-1", "status": "LOST"}])

    with pytest.raises(AssertionError, match="LOST"):
        validate(bodies["import"], "OrdersImportCreateRequestBody")


def _nulls(value: Any, path: str = "") -> list[str]:
    if value is None:
        return [path or "<root>"]
    if isinstance(value, dict):
        return [null for key, item in value.items() for null in _nulls(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [null for index, item in enumerate(value) for null in _nulls(item, f"{path}[{index}]")]
    return []


async def test_no_body_sent_holds_a_null_for_an_unset_field(
    captured: tuple[vf.AsyncVoucherify, dict[str, Any]],
) -> None:
    client, bodies = captured

    await client.orders.create(FULL_ORDER)
    await client.orders.update("o-1", vf.Order(status="PAID", customer=vf.Customer(source_id="c-1")))
    await client.orders.import_orders([FULL_ORDER, {"source_id": "o-2", "items": [vf.OrderItem(quantity=1)]}])

    assert {route: _nulls(body) for route, body in bodies.items()} == {
        "create": [],
        "update": [],
        "import": [],
    }
