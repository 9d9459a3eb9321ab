from __future__ import annotations

import copy
import pickle

import pytest

import voucherify_async as vf
from voucherify_async._errors import connection_failure, error_for_status
from voucherify_async._rate_limit import error_from_response

INVALID_PAYLOAD = (
    b'{"code":400,"key":"invalid_payload","message":"Invalid payload",'
    b'"details":"Property .items[0].initial_quantity cannot be lower than 1",'
    b'"request_id":"v-0a885062c80375740f"}'
)


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, vf.BadRequestError),
        (401, vf.AuthenticationError),
        (403, vf.PermissionDeniedError),
        (404, vf.NotFoundError),
        (409, vf.ConflictError),
        (429, vf.RateLimitError),
        (500, vf.ServerError),
        (502, vf.ServerError),
        (503, vf.ServerError),
        (418, vf.APIError),
    ],
)
def test_each_status_maps_to_its_error_class(status: int, error_class: type[vf.APIError]) -> None:
    assert error_for_status(status) is error_class


def test_every_error_is_a_voucherify_error() -> None:
    for error_class in (vf.APIError, vf.RateLimitError, vf.APIConnectionError, vf.APITimeoutError):
        assert issubclass(error_class, vf.VoucherifyError)
    assert issubclass(vf.APITimeoutError, vf.APIConnectionError)


def test_an_invalid_argument_is_caught_as_a_voucherify_value_or_type_error() -> None:
    for caught_as in (vf.VoucherifyError, ValueError, TypeError):
        with pytest.raises(caught_as):
            raise vf.InvalidArgumentError("limit must be between 1 and 100, got 0")


def test_api_error_carries_every_field_of_the_error_object() -> None:
    body = {
        "code": 404,
        "key": "not_found",
        "message": "Resource not found",
        "details": "Cannot find order with id o-1",
        "request_id": "v-1",
        "resource_id": "o-1",
        "resource_type": "order",
    }
    error = vf.NotFoundError(404, body)
    assert (error.status, error.code, error.key, error.message, error.details) == (
        404,
        404,
        "not_found",
        "Resource not found",
        "Cannot find order with id o-1",
    )
    assert (error.request_id, error.resource_id, error.resource_type) == ("v-1", "o-1", "order")
    assert error.body == body


def test_str_of_a_400_names_status_key_details_and_request_id() -> None:
    error = error_from_response(400, {}, INVALID_PAYLOAD, None, 0.0)
    assert str(error) == (
        "HTTP 400 invalid_payload: Invalid payload: "
        "Property .items[0].initial_quantity cannot be lower than 1 [request id v-0a885062c80375740f]."
    )


def test_request_id_from_headers_is_used_when_the_body_has_none() -> None:
    error = error_from_response(500, {}, b'{"code":500,"key":"error"}', "req-7", 0.0)
    assert error.request_id == "req-7"
    assert "req-7" in str(error)


def test_a_non_json_error_body_becomes_the_message() -> None:
    error = error_from_response(502, {}, b"<html>Bad Gateway</html>", None, 0.0)
    assert isinstance(error, vf.ServerError)
    assert error.body == {}
    assert str(error).startswith("HTTP 502: <html>Bad Gateway</html>.")


def test_an_empty_error_body_still_gives_a_sentence() -> None:
    assert str(error_from_response(503, {}, b"", None, 0.0)).startswith("HTTP 503.")


def test_a_429_reads_retry_after_and_the_rate_limit_headers() -> None:
    headers = {
        "Retry-After": "120",
        "X-Rate-Limit-Type": "bulk_api_calls",
        "X-Rate-Limit-Retry": "1700003600",
        "X-Rate-Limit-Limit": "1",
        "X-Rate-Limit-Remaining": "0",
    }
    error = error_from_response(429, headers, b'{"code":429,"key":"too_many_requests"}', None, 0.0)
    assert isinstance(error, vf.RateLimitError)
    assert (error.retry_after, error.limit_type, error.reset_at) == (120.0, "bulk_api_calls", 1700003600.0)
    assert str(error) == "HTTP 429 too_many_requests (limit type bulk_api_calls, retry after 120 s)."


def test_retry_after_as_an_http_date_becomes_seconds() -> None:
    headers = {"Retry-After": "Tue, 14 Nov 2023 22:14:20 GMT"}
    error = error_from_response(503, headers, b"", None, 1_700_000_000.0)
    assert error.retry_after == 60.0


def test_repr_of_an_api_error_is_short() -> None:
    error = vf.ConflictError(409, {"key": "duplicate", "request_id": "r1"})
    assert repr(error) == "ConflictError(status=409, key='duplicate', request_id='r1')"


def test_connection_error_says_whether_the_request_was_sent() -> None:
    error = vf.APIConnectionError("broken", request_sent=True, method="POST", path="/v1/orders/import")
    assert error.request_sent is True
    assert repr(error) == "APIConnectionError('broken', request_sent=True)"


@pytest.mark.parametrize(
    "error",
    [
        vf.NotFoundError(404, {"key": "not_found", "request_id": "r1"}),
        vf.RateLimitError(429, {"key": "too_many_requests"}, retry_after=3.0, limit_type="api_calls"),
        vf.APIConnectionError("broken", request_sent=True, method="POST", path="/v1/orders/import"),
        vf.InvalidArgumentError("limit must be between 1 and 100, got 0"),
    ],
)
def test_errors_survive_pickling_and_copying(error: vf.VoucherifyError) -> None:
    for clone in (pickle.loads(pickle.dumps(error)), copy.copy(error)):
        assert type(clone) is type(error)
        assert str(clone) == str(error)
        assert clone.__dict__ == error.__dict__


def test_a_connection_failure_says_whether_the_request_went_out() -> None:
    refused = connection_failure(
        "GET", "/v1/orders", "127.0.0.1:9", "ClientConnectorError", request_sent=False, timed_out=False
    )
    broken = connection_failure(
        "POST",
        "/v1/orders/import",
        "127.0.0.1:9",
        "ServerDisconnectedError",
        request_sent=True,
        timed_out=False,
    )
    assert str(refused) == (
        "GET /v1/orders could not connect to 127.0.0.1:9 (ClientConnectorError); the request was not sent."
    )
    assert str(broken) == (
        "POST /v1/orders/import: the connection broke before an answer arrived (ServerDisconnectedError)."
    )


def test_a_timeout_is_an_api_timeout_error_naming_its_phase() -> None:
    error = connection_failure(
        "GET", "/v1/orders", "127.0.0.1:9", "TimeoutError", request_sent=True, timed_out=True
    )
    assert isinstance(error, vf.APITimeoutError)
    assert str(error) == "GET /v1/orders timed out while waiting for the answer."


@pytest.mark.parametrize(
    ("status", "advice"),
    [(401, "Check the app id and app token"), (403, "OAuth scope"), (500, "quote the request id")],
)
def test_errors_a_person_can_act_on_say_what_to_do(status: int, advice: str) -> None:
    error = error_from_response(status, {}, b'{"code":%d,"key":"k","message":"M"}' % status, "v-1", 0.0)

    assert advice in str(error)


def test_a_400_adds_nothing_to_the_apis_own_details() -> None:
    error = error_from_response(400, {}, INVALID_PAYLOAD, None, 0.0)

    assert str(error).endswith("[request id v-0a885062c80375740f].")
