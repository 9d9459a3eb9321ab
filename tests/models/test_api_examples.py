"""The official spec's example answers (orders, async-actions, exports .json) read into the models."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from voucherify_async.models import (
    AsyncAction,
    AsyncActionsPage,
    AsyncActionStatus,
    AsyncActionType,
    Customer,
    ErrorObject,
    Export,
    ExportStatus,
    OrderFailure,
    OrdersImportResult,
    OrdersPage,
    Referrer,
    from_wire,
    to_wire,
)
from voucherify_async.models.orders import Order

# orders.json, GET /v1/orders/{orderId} -> PUT example answer (trimmed to one item).
ORDER_ANSWER: dict[str, Any] = {
    "id": "ord_cRKOEXiBOj0EZKF7g9n6l0eH",
    "source_id": "new",
    "created_at": "2022-09-09T09:20:01.660Z",
    "updated_at": "2022-09-09T09:24:43.604Z",
    "status": "FULFILLED",
    "amount": 121700,
    "total_amount": 121700,
    "items": [
        {
            "object": "order_item",
            "source_id": "ComicBook_1",
            "related_object": "sku",
            "product_id": "prod_0b7d7dfb05cbe5c616",
            "quantity": 1,
            "amount": 1700,
            "price": 1700,
            "subtotal_amount": 1700,
            "product": {"id": "prod_0b7d7dfb05cbe5c616", "source_id": "Books", "price": 2100},
            "sku": {"id": "sku_0b7d7dfb090be5c619", "sku": "Comics1", "price": 1700},
        }
    ],
    "metadata": {"location_id": ["L1", "L2"]},
    "customer": {"id": "cust_H0nXrItO1DNV3UiPIl54HA5o", "object": "customer"},
    "referrer": {"id": "cust_Vzck5i8U3OhcEUFY6MKhN9Rv", "object": "customer"},
    "customer_id": "cust_H0nXrItO1DNV3UiPIl54HA5o",
    "referrer_id": "cust_Vzck5i8U3OhcEUFY6MKhN9Rv",
    "redemptions": {
        "r_0baa093537528ef645": {
            "date": "2022-09-09T07:44:41.695Z",
            "related_object_type": "redemption",
            "related_object_id": "r_0baa093537528ef645",
            "stacked": ["r_0baa093537528ef646"],
        }
    },
    "object": "order",
}

# async-actions.json, GET /v1/async-actions/{asyncActionId}, example "ORDERS.IMPORT".
ORDERS_IMPORT_ACTION: dict[str, Any] = {
    "id": "aa_0c5564b67d0e571534",
    "type": "ORDERS.IMPORT",
    "status": "DONE",
    "result": {
        "message": "1 order(s) imported successfully, 1 failed.",
        "failed": [{"source_id": None, "reason": "Internal error"}],
        "done_count": 1,
        "failed_count": 1,
    },
    "created_at": "2023-01-20T10:04:44.916Z",
    "updated_at": "2023-01-20T10:04:46.102Z",
    "request_id": "v-0c5564b6688b0f155d",
    "progress": 100,
    "processing_time": 1186,
    "object": "async_action",
}


def test_order_answer_reads_into_an_order() -> None:
    order = from_wire(Order, ORDER_ANSWER)

    assert order.id == "ord_cRKOEXiBOj0EZKF7g9n6l0eH"
    assert order.created_at == datetime(2022, 9, 9, 9, 20, 1, 660000, tzinfo=timezone.utc)
    assert order.items is not None
    assert order.items[0].sku is not None
    assert order.items[0].sku.sku == "Comics1"
    assert order.redemptions is not None
    assert order.redemptions["r_0baa093537528ef645"].stacked == ["r_0baa093537528ef646"]


def test_order_answer_has_nothing_unknown() -> None:
    order = from_wire(Order, ORDER_ANSWER)

    assert order.extra == {}
    assert order.items is not None
    assert order.items[0].extra == {}


def test_order_answer_survives_a_round_trip_unchanged() -> None:
    assert to_wire(from_wire(Order, ORDER_ANSWER)) == ORDER_ANSWER


def test_order_answer_customer_is_the_id_form() -> None:
    order = from_wire(Order, ORDER_ANSWER)

    assert order.customer == Customer(id="cust_H0nXrItO1DNV3UiPIl54HA5o", object="customer")


def test_order_answer_referrer_is_a_referrer() -> None:
    assert type(from_wire(Order, ORDER_ANSWER).referrer) is Referrer


def test_orders_list_answer_reads_into_a_page() -> None:
    answer = {"object": "list", "data_ref": "orders", "orders": [ORDER_ANSWER], "total": 7}
    page = from_wire(OrdersPage, answer)

    assert page.total == 7
    assert [order.id for order in page.orders] == ["ord_cRKOEXiBOj0EZKF7g9n6l0eH"]


def test_orders_import_action_result_is_typed() -> None:
    action = from_wire(AsyncAction, ORDERS_IMPORT_ACTION)

    assert action.result == OrdersImportResult(
        message="1 order(s) imported successfully, 1 failed.",
        failed=[OrderFailure(None, "Internal error")],
        done_count=1,
        failed_count=1,
    )


def test_orders_import_action_states_are_members() -> None:
    action = from_wire(AsyncAction, ORDERS_IMPORT_ACTION)

    assert action.type is AsyncActionType.ORDERS_IMPORT
    assert action.status is AsyncActionStatus.DONE
    assert action.finished
    assert not action.failed


def test_orders_import_failed_as_one_object_reads_as_a_list_of_one() -> None:
    # The spec types `failed` as an object; the API sends a list. An object must not break a client.
    action = from_wire(
        AsyncAction,
        {**ORDERS_IMPORT_ACTION, "result": {"failed": {"source_id": "o-1", "reason": "bad"}}},
    )

    assert isinstance(action.result, OrdersImportResult)
    assert action.result.failed == [OrderFailure("o-1", "bad")]


def test_orders_import_action_keeps_fields_added_to_the_api() -> None:
    action = from_wire(AsyncAction, {**ORDERS_IMPORT_ACTION, "user": {"id": "user_1"}, "log_id": "log_1"})

    assert action.extra == {"user": {"id": "user_1"}, "log_id": "log_1"}


def test_orders_import_action_survives_a_round_trip_unchanged() -> None:
    assert to_wire(from_wire(AsyncAction, ORDERS_IMPORT_ACTION)) == ORDERS_IMPORT_ACTION


def test_other_action_types_keep_their_raw_result() -> None:
    # async-actions.json, example "CAMPAIGN.VOUCHERS_DELETE".
    result = {"message": "Deleted 2 vouchers.", "done_count": 2}
    action = from_wire(AsyncAction, {"id": "aa_1", "type": "CAMPAIGN.VOUCHERS_DELETE", "result": result})

    assert action.result == result


def test_unknown_action_type_and_status_do_not_break() -> None:
    action = from_wire(AsyncAction, {"id": "aa_1", "type": "ORDERS.SOMETHING_NEW", "status": "PAUSED"})

    assert (action.type, action.status) == ("ORDERS.SOMETHING_NEW", "PAUSED")
    assert not action.finished


def test_async_actions_list_answer_reads_into_a_page() -> None:
    # async-actions.json, GET /v1/async-actions example (one entry): listed actions carry no result.
    page = from_wire(
        AsyncActionsPage,
        {
            "object": "list",
            "data_ref": "async_actions",
            "async_actions": [
                {
                    "id": "aa_0ba518c55290c6fd62",
                    "type": "CUSTOMERS.BULK_UPDATE",
                    "status": "DONE",
                    "created_at": "2022-09-05T11:40:17.098Z",
                    "updated_at": "2022-09-05T11:40:17.887Z",
                    "request_id": "v-0ba518c52bc99858f0",
                    "progress": 100,
                    "object": "async_action",
                }
            ],
            "has_more": True,
        },
    )

    assert page.has_more
    assert [(action.id, action.result) for action in page.async_actions] == [("aa_0ba518c55290c6fd62", None)]


def test_export_answer_reads_into_an_export() -> None:
    # exports.json, GET /v1/exports/{exportId} example.
    export = from_wire(
        Export,
        {
            "id": "exp_CGnCVltmWjI9V1pGlnunw2Nf",
            "object": "export",
            "created_at": "2022-01-13T09:03:18.293Z",
            "status": "DONE",
            "channel": "API",
            "exported_object": "customer",
            "parameters": {"order": "", "fields": ["name", "id"], "filters": {"junction": "and"}},
            "result": {"url": "https://download.voucherify.io/v1/exports/exp_1?token=abc"},
            "user_id": None,
        },
    )

    assert export.status is ExportStatus.DONE
    assert export.result is not None
    assert export.result.url == "https://download.voucherify.io/v1/exports/exp_1?token=abc"
    assert export.parameters is not None
    assert export.parameters.fields == ["name", "id"]


def test_scheduled_export_has_no_result() -> None:
    export = from_wire(Export, {"id": "exp_1", "status": "SCHEDULED", "result": None})

    assert export.result is None
    assert not export.finished


def test_export_repr_hides_the_download_token() -> None:
    export = from_wire(
        Export,
        {"id": "exp_1", "status": "DONE", "result": {"url": "https://h/v1/exports/exp_1?token=s3cr3t"}},
    )

    assert "s3cr3t" not in repr(export)
    assert "token=***" in repr(export)


def test_error_body_reads_into_an_error_object() -> None:
    # orders.json, GET /v1/orders/{orderId} 404 example.
    error = from_wire(
        ErrorObject,
        {
            "code": 404,
            "key": "not_found",
            "message": "Resource not found",
            "details": "Cannot find order with id ord_nIcO2s8iD4Xh5E9IGDQ57Ax",
            "request_id": "v-0baa1ad023d0656a84",
            "resource_id": "ord_nIcO2s8iD4Xh5E9IGDQ57Ax",
            "resource_type": "order",
        },
    )

    assert (error.code, error.key, error.resource_type) == (404, "not_found", "order")
