"""Orders through the official Python SDK: create, get, update, list, and the API's errors."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify
from voucherify.exceptions import BadRequestException, NotFoundException, UnauthorizedException

from tests.compat.conftest import error_of, parsed, sdk_client
from voucherify_async.emulator import Emulator

FULL_ORDER: dict[str, Any] = {
    "source_id": "o-1",
    "status": "PAID",
    "amount": 1000,
    "discount_amount": 100,
    "metadata": {"channel": "web"},
    "customer": {"source_id": "c-1", "name": "Ann", "address": {"city": "Oslo"}},
    "referrer": {"source_id": "c-2"},
    "items": [
        {"source_id": "p-1", "related_object": "product", "quantity": 2, "price": 500, "discount_amount": 50},
        {
            "sku_id": "sku_1",
            "related_object": "sku",
            "quantity": 1,
            "amount": 300,
            "sku": {"sku": "S", "price": 300},
        },
    ],
}
"""An order with every part the spec describes (customer, referrer, product and SKU items, metadata)."""


def _create(orders: voucherify.OrdersApi, body: dict[str, Any]) -> voucherify.OrdersCreateResponseBody:
    # model_validate sets only the fields given: the SDK sends no null for the others.
    request = voucherify.OrdersCreateRequestBody.model_validate(body)
    return parsed(orders.create_order_with_http_info, request)


def test_create_order_parses_into_the_sdk_model(sdk: voucherify.ApiClient) -> None:
    created = _create(voucherify.OrdersApi(sdk), FULL_ORDER)
    assert isinstance(created, voucherify.OrdersCreateResponseBody)
    assert (created.source_id, created.status, created.total_amount) == ("o-1", "PAID", 850)
    assert created.items is not None
    assert [item.quantity for item in created.items] == [2, 1]
    assert created.customer_id


@pytest.mark.parametrize("key", ["id", "source_id"])
def test_get_order_by_id_or_source_id(sdk: voucherify.ApiClient, key: str) -> None:
    orders = voucherify.OrdersApi(sdk)
    created = _create(orders, FULL_ORDER)
    fetched = parsed(orders.get_order_with_http_info, getattr(created, key))
    assert isinstance(fetched, voucherify.OrdersGetResponseBody)
    assert (fetched.id, fetched.metadata) == (created.id, {"channel": "web"})


def test_update_order(sdk: voucherify.ApiClient) -> None:
    orders = voucherify.OrdersApi(sdk)
    _create(orders, FULL_ORDER)
    change = voucherify.OrdersUpdateRequestBody(status="FULFILLED", metadata={"channel": "store"})
    updated = parsed(orders.update_order_with_http_info, "o-1", change)
    assert isinstance(updated, voucherify.OrdersUpdateResponseBody)
    assert (updated.status, updated.metadata, updated.amount) == ("FULFILLED", {"channel": "store"}, 1000)


def test_list_orders_pages(sdk: voucherify.ApiClient) -> None:
    orders = voucherify.OrdersApi(sdk)
    for number in range(3):
        _create(orders, {"source_id": f"o-{number}", "status": "PAID", "amount": 100})
    first = parsed(orders.list_orders_with_http_info, limit=2, page=1, order="created_at")
    second = parsed(orders.list_orders_with_http_info, limit=2, page=2, order="created_at")
    assert isinstance(first, voucherify.OrdersListResponseBody)
    assert first.total == second.total == 3
    assert [order.source_id for order in [*(first.orders or []), *(second.orders or [])]] == [
        "o-0",
        "o-1",
        "o-2",
    ]


def test_unknown_order_is_a_404_with_the_api_error(sdk: voucherify.ApiClient) -> None:
    with pytest.raises(NotFoundException) as failure:
        voucherify.OrdersApi(sdk).get_order("missing")
    error = error_of(failure)
    assert (error.key, error.resource_type, error.resource_id) == ("not_found", "order", "missing")


def test_invalid_order_is_a_400_with_the_api_error(sdk: voucherify.ApiClient) -> None:
    request = voucherify.OrdersCreateRequestBody(source_id="o-1", amount=-1)
    with pytest.raises(BadRequestException) as failure:
        voucherify.OrdersApi(sdk).create_order(request)
    error = error_of(failure)
    assert (error.key, error.details) == ("invalid_payload", "Property .amount cannot be lower than 0")


def test_wrong_app_token_is_a_401_with_the_api_error(emulator: Emulator) -> None:
    with (
        sdk_client(emulator.url, app_token="wrong") as client,
        pytest.raises(UnauthorizedException) as failure,
    ):
        voucherify.OrdersApi(client).list_orders()
    assert error_of(failure).key == "unauthorized"
