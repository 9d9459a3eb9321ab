"""Exports through the official Python SDK: create (both calls), get, list, download, delete, errors.

The SDK downloads from the API's download host (``download_export``, ``GET /v1/exports/{export_Id}``):
users give it a client of that host, whose base URL is ``result.url`` up to ``/v1/exports/``; for the
emulator that is ``{emu.url}/download``.

The SDK's own models limit what these tests can send: its order export fields are the spec's enum, which
lacks ``metadata.<key>`` (the spec's own example uses it), and ``filters`` is a plain dict.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import pytest
import voucherify
from voucherify.exceptions import BadRequestException, NotFoundException, UnauthorizedException

from tests.compat.conftest import error_of, parsed, sdk_client


def _add_orders(sdk: voucherify.ApiClient) -> None:
    orders = voucherify.OrdersApi(sdk)
    for source_id, status in (("o-1", "PAID"), ("o-2", "CANCELED")):
        body = voucherify.OrdersCreateRequestBody(
            source_id=source_id, status=status, amount=100, metadata={"channel": "web"}
        )
        orders.create_order(body)


def _download(export: voucherify.ExportsGetResponseBody) -> list[dict[str, str]]:
    assert export.result is not None
    url = export.result.url
    host = url.split("/v1/exports/")[0]
    token = parse_qs(urlsplit(url).query)["token"][0]
    with sdk_client(host) as files:
        text = voucherify.ExportsApi(files).download_export(export.id, token=token)
    assert isinstance(text, str)
    return list(csv.DictReader(io.StringIO(text)))


def test_order_export_is_created_fetched_and_downloaded(sdk: voucherify.ApiClient) -> None:
    _add_orders(sdk)
    parameters = voucherify.OrdersExportCreateRequestBodyParameters(
        fields=["source_id", "status", "metadata"], order="created_at"
    )
    request = voucherify.OrdersExportCreateRequestBody(parameters=parameters)
    created = parsed(voucherify.OrdersApi(sdk).create_order_export_with_http_info, request)
    assert isinstance(created, voucherify.OrdersExportCreateResponseBody)
    assert (created.status, created.exported_object, created.result) == ("SCHEDULED", "order", None)

    fetched = parsed(voucherify.ExportsApi(sdk).get_export_with_http_info, created.id)

    assert isinstance(fetched, voucherify.ExportsGetResponseBody)
    assert fetched.status == "DONE"
    assert _download(fetched) == [
        {"Source ID": "o-1", "Status": "PAID", "Metadata": '{"channel":"web"}'},
        {"Source ID": "o-2", "Status": "CANCELED", "Metadata": '{"channel":"web"}'},
    ]


def test_export_of_an_empty_request_has_the_three_default_fields(sdk: voucherify.ApiClient) -> None:
    _add_orders(sdk)
    created = parsed(
        voucherify.OrdersApi(sdk).create_order_export_with_http_info,
        voucherify.OrdersExportCreateRequestBody(),
    )
    fetched = parsed(voucherify.ExportsApi(sdk).get_export_with_http_info, created.id)
    rows = _download(fetched)
    assert [list(row) for row in rows] == [["ID", "Source ID", "Status"]] * 2


def test_create_export_exports_orders(sdk: voucherify.ApiClient) -> None:
    _add_orders(sdk)
    filters = {"status": {"conditions": {"$in": ["CANCELED"]}}}
    parameters = voucherify.ExportsCreateRequestBodyParameters(fields=["source_id"], filters=filters)
    request = voucherify.ExportsCreateRequestBody(exported_object="order", parameters=parameters)
    created = parsed(voucherify.ExportsApi(sdk).create_export_with_http_info, request)
    assert isinstance(created, voucherify.ExportsCreateResponseBody)
    assert created.parameters is not None
    assert created.parameters.fields == ["source_id"]

    fetched = parsed(voucherify.ExportsApi(sdk).get_export_with_http_info, created.id)

    assert _download(fetched) == [{"Source ID": "o-2"}]


@pytest.mark.parametrize(
    "conditions",
    [
        {"$not_contain": ["2"]},
        {"$is_days_ago": [0]},
        {"$count_more": [0]},
        {"$has_value": []},
    ],
)
def test_conditions_of_the_sdk_model_are_accepted(
    sdk: voucherify.ApiClient, conditions: dict[str, list[object]]
) -> None:
    condition = voucherify.FiltersCondition.model_validate(conditions)  # the SDK's spelling of them
    filters = {"source_id": voucherify.FieldConditions(conditions=condition).to_dict()}
    parameters = voucherify.OrdersExportCreateRequestBodyParameters(fields=["source_id"], filters=filters)
    request = voucherify.OrdersExportCreateRequestBody(parameters=parameters)
    created = parsed(voucherify.OrdersApi(sdk).create_order_export_with_http_info, request)
    assert created.status == "SCHEDULED"


def test_exports_are_listed_and_deleted(sdk: voucherify.ApiClient) -> None:
    exports = voucherify.ExportsApi(sdk)
    created = parsed(
        voucherify.OrdersApi(sdk).create_order_export_with_http_info,
        voucherify.OrdersExportCreateRequestBody(),
    )
    listing = parsed(exports.list_exports_with_http_info, limit=10)
    assert isinstance(listing, voucherify.ExportsListResponseBody)
    assert ([export.id for export in listing.exports or []], listing.total) == ([created.id], 1)

    exports.delete_export(created.id)

    with pytest.raises(NotFoundException) as failure:
        exports.get_export(created.id)
    error = error_of(failure)
    assert (error.resource_type, error.resource_id) == ("export", created.id)


def test_a_sort_order_orders_lack_is_a_400(sdk: voucherify.ApiClient) -> None:
    parameters = voucherify.ExportsCreateRequestBodyParameters(order="-code")  # a sort of vouchers
    request = voucherify.ExportsCreateRequestBody(exported_object="order", parameters=parameters)
    with pytest.raises(BadRequestException) as failure:
        voucherify.ExportsApi(sdk).create_export(request)
    error = error_of(failure)
    assert error.key == "invalid_payload"
    assert (error.details or "").startswith("Property .parameters.order should be equal to one of")


def test_export_of_objects_the_emulator_does_not_hold_is_a_400(sdk: voucherify.ApiClient) -> None:
    request = voucherify.ExportsCreateRequestBody(exported_object="voucher")
    with pytest.raises(BadRequestException) as failure:
        voucherify.ExportsApi(sdk).create_export(request)
    error = error_of(failure)
    assert error.key == "invalid_payload"
    assert "orders only" in (error.details or "")


def test_download_with_a_wrong_token_is_a_401(sdk: voucherify.ApiClient) -> None:
    created = parsed(
        voucherify.OrdersApi(sdk).create_order_export_with_http_info,
        voucherify.OrdersExportCreateRequestBody(),
    )
    fetched = parsed(voucherify.ExportsApi(sdk).get_export_with_http_info, created.id)
    assert fetched.result is not None
    host = fetched.result.url.split("/v1/exports/")[0]
    with sdk_client(host) as files, pytest.raises(UnauthorizedException) as failure:
        voucherify.ExportsApi(files).download_export(created.id, token="forged")
    assert error_of(failure).key == "unauthorized"
