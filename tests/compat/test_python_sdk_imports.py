"""Order imports and async actions through the official Python SDK."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify
from voucherify.exceptions import BadRequestException, NotFoundException

from tests.compat.conftest import error_of, parsed
from voucherify_async import ManualClock


def _orders(*bodies: dict[str, Any]) -> list[voucherify.OrdersImportCreateRequestBodyItem]:
    return [voucherify.OrdersImportCreateRequestBodyItem.model_validate(body) for body in bodies]


def _import(sdk: voucherify.ApiClient, *bodies: dict[str, Any]) -> str:
    answer = parsed(voucherify.OrdersApi(sdk).import_orders_with_http_info, _orders(*bodies))
    assert isinstance(answer, voucherify.OrdersImportCreateResponseBody)
    assert answer.async_action_id
    return answer.async_action_id


def _wait_for_done(
    sdk: voucherify.ApiClient, action_id: str, clock: ManualClock
) -> voucherify.AsyncActionGetResponseBody:
    """Poll as users of the SDK do (it has no wait), a second of the emulator's time between two polls."""
    actions = voucherify.AsyncActionsApi(sdk)
    for _ in range(60):
        action = parsed(actions.get_async_action_with_http_info, action_id)
        if action.status in ("DONE", "FAILED"):
            return action
        clock.advance(1.0)
    raise AssertionError(f"{action_id} is still {action.status} after a minute")


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    """Imports of one order per second of the emulator's (manual) time: every state can be seen."""
    return {"processing_rate": 1}


def test_import_reports_a_failed_order_in_its_result(sdk: voucherify.ApiClient, clock: ManualClock) -> None:
    action_id = _import(
        sdk,
        {"source_id": "o-1", "status": "PAID", "amount": 1000},
        {"source_id": "o-2", "status": "PAID", "amount": 500, "customer": {"id": "cust_missing"}},
    )
    action = _wait_for_done(sdk, action_id, clock)
    assert isinstance(action, voucherify.AsyncActionGetResponseBody)
    assert (action.status, action.type, action.progress) == ("DONE", "ORDERS.IMPORT", 100)
    assert action.result is not None
    assert (action.result["done_count"], action.result["failed_count"]) == (1, 1)
    assert [failure["source_id"] for failure in action.result["failed"]] == ["o-2"]
    fetched = parsed(voucherify.OrdersApi(sdk).get_order_with_http_info, "o-1")
    assert fetched.amount == 1000


def test_async_action_parses_in_every_state(sdk: voucherify.ApiClient, clock: ManualClock) -> None:
    _import(sdk, {"source_id": "a"}, {"source_id": "b"})
    second = _import(sdk, {"source_id": "c"})
    actions = voucherify.AsyncActionsApi(sdk)
    seen = []
    for _ in range(4):
        action = parsed(actions.get_async_action_with_http_info, second)
        seen.append((action.status, action.progress))
        clock.advance(1.0)
    assert seen == [("ENQUEUED", 0), ("ENQUEUED", 0), ("IN_PROGRESS", 0), ("DONE", 100)]


def test_list_async_actions_newest_first(sdk: voucherify.ApiClient, clock: ManualClock) -> None:
    first = _import(sdk, {"source_id": "a"})
    clock.advance(5)
    second = _import(sdk, {"source_id": "b"})
    listing = parsed(voucherify.AsyncActionsApi(sdk).list_async_actions_with_http_info, limit=10)
    assert isinstance(listing, voucherify.AsyncActionsListResponseBody)
    assert listing.has_more is False
    assert [action.id for action in listing.async_actions or []] == [second, first]
    older = parsed(
        voucherify.AsyncActionsApi(sdk).list_async_actions_with_http_info,
        limit=1,
        end_date=listing.async_actions[0].created_at,  # type: ignore[index]
    )
    assert [action.id for action in older.async_actions or []] == [first]


def test_malformed_import_is_a_400_naming_the_property(sdk: voucherify.ApiClient) -> None:
    orders = _orders({"source_id": "o-1"}, {"source_id": "o-2", "items": [{"quantity": 0}]})
    with pytest.raises(BadRequestException) as failure:
        voucherify.OrdersApi(sdk).import_orders(orders)
    error = error_of(failure)
    assert error.key == "invalid_payload"
    assert error.details is not None
    assert error.details.startswith("Property .items[0].")


def test_unknown_async_action_is_a_404(sdk: voucherify.ApiClient) -> None:
    with pytest.raises(NotFoundException) as failure:
        voucherify.AsyncActionsApi(sdk).get_async_action("aa_0000000000000000ff")
    assert error_of(failure).resource_type == "async_action"
