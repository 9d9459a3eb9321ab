"""What the transport puts on the wire and reads back, seen by a small loopback server."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from yarl import URL

import voucherify_async as vf
from voucherify_async._attempt import connection_error

pytestmark = pytest.mark.anyio

StartServer = Callable[[web.Application], Awaitable[str]]
IMPORT_URL = URL("http://127.0.0.1:1/v1/orders/import")


def recording_app(seen: list[web.Request], status: int = 200, body: bytes = b"{}", **headers: str) -> Any:
    async def handle(request: web.Request) -> web.Response:
        await request.read()
        seen.append(request)
        return web.Response(status=status, body=body, headers=headers, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


async def test_default_headers_name_the_sdk_and_its_channel(web_server: StartServer) -> None:
    seen: list[web.Request] = []
    url = await web_server(recording_app(seen))
    async with vf.AsyncVoucherify("app", "token", base_url=url) as client:
        await client._transport.request("GET", "/v1/orders")
    headers = seen[0].headers
    assert headers["User-Agent"].startswith(f"voucherify-async/{vf.__version__} ")
    assert headers["X-Voucherify-Channel"] == "voucherify-async"
    assert (headers["X-App-Id"], headers["X-App-Token"]) == ("app", "token")


async def test_json_body_is_sent_with_orjson_and_answer_decoded(web_server: StartServer) -> None:
    seen: list[web.Request] = []
    url = await web_server(recording_app(seen, body=b'{"id":"ord_1","amount":1000}'))
    async with vf.AsyncVoucherify("app", "token", base_url=url) as client:
        answer = await client._transport.request("POST", "/v1/orders", json={"source_id": "o-1"})
    assert answer == {"id": "ord_1", "amount": 1000}
    assert seen[0].headers["Content-Type"] == "application/json"
    assert orjson.loads(await seen[0].read()) == {"source_id": "o-1"}


async def test_pre_serialised_content_is_sent_byte_for_byte(web_server: StartServer) -> None:
    seen: list[web.Request] = []
    url = await web_server(recording_app(seen))
    payload = b'[{"source_id":"o-1"},{"source_id":"o-2"}]'
    async with vf.AsyncVoucherify("app", "token", base_url=url) as client:
        await client._transport.request("POST", "/v1/orders/import", content=payload)
    assert await seen[0].read() == payload


async def test_an_empty_answer_decodes_to_none(web_server: StartServer) -> None:
    seen: list[web.Request] = []
    url = await web_server(recording_app(seen, status=204, body=b""))
    async with vf.AsyncVoucherify("app", "token", base_url=url) as client:
        assert await client._transport.request("DELETE", "/v1/orders/o-1") is None


async def test_query_parameters_are_sent(web_server: StartServer) -> None:
    seen: list[web.Request] = []
    url = await web_server(recording_app(seen))
    async with vf.AsyncVoucherify("app", "token", base_url=url) as client:
        await client._transport.request("GET", "/v1/orders", params={"limit": 100, "page": 2})
    assert dict(seen[0].query) == {"limit": "100", "page": "2"}


async def test_a_gateway_html_page_raises_a_server_error_with_its_text(web_server: StartServer) -> None:
    seen: list[web.Request] = []
    url = await web_server(recording_app(seen, status=500, body=b"<html>upstream failed</html>"))
    async with vf.AsyncVoucherify("app", "token", base_url=url, max_retries=0) as client:
        with pytest.raises(vf.ServerError, match="upstream failed") as caught:
            await client._transport.request("GET", "/v1/orders")
    assert caught.value.body == {}


async def test_a_success_answer_that_is_not_json_raises(web_server: StartServer) -> None:
    seen: list[web.Request] = []
    url = await web_server(recording_app(seen, body=b"not json"))
    async with vf.AsyncVoucherify("app", "token", base_url=url) as client:
        with pytest.raises(vf.VoucherifyError, match="not JSON"):
            await client._transport.request("GET", "/v1/orders")


async def test_a_request_id_header_reaches_the_error(web_server: StartServer) -> None:
    seen: list[web.Request] = []
    app = recording_app(seen, status=404, body=b'{"code":404,"key":"not_found"}', **{"X-Request-Id": "v-9"})
    url = await web_server(app)
    async with vf.AsyncVoucherify("app", "token", base_url=url) as client:
        with pytest.raises(vf.NotFoundError) as caught:
            await client._transport.request("GET", "/v1/orders/o-404")
    assert caught.value.request_id == "v-9"


async def test_an_error_answer_is_logged_with_the_request_id_of_its_body(
    client: vf.AsyncVoucherify, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="voucherify_async")
    with pytest.raises(vf.NotFoundError) as caught:
        await client._transport.request("GET", "/v1/orders/o-missing")
    request_id = caught.value.request_id
    assert request_id
    assert [r.getMessage() for r in caplog.records if request_id in r.getMessage()] == [
        f"GET /v1/orders/o-missing -> 404 in 0.000 s (request id {request_id})"
    ]


async def test_unset_query_parameters_are_left_out_and_booleans_spelled_lowercase(
    web_server: StartServer,
) -> None:
    seen: list[web.Request] = []
    url = await web_server(recording_app(seen))
    async with vf.AsyncVoucherify("app", "token", base_url=url) as client:
        params = {"limit": 10, "end_date": None, "with_details": True, "archived": False}
        await client._transport.request("GET", "/v1/async-actions", params=params)
    assert dict(seen[0].query) == {"limit": "10", "with_details": "true", "archived": "false"}


def test_a_connect_timeout_is_a_timeout_of_a_request_never_sent() -> None:

    error = connection_error(
        aiohttp.ConnectionTimeoutError(), "POST", URL("http://127.0.0.1:1/v1/orders/import"), sent=None
    )
    assert isinstance(error, vf.APITimeoutError)
    assert error.request_sent is False


def test_a_read_timeout_is_a_timeout_of_a_request_that_may_have_been_processed() -> None:

    error = connection_error(
        aiohttp.SocketTimeoutError(), "POST", URL("http://127.0.0.1:1/v1/orders/import"), sent=None
    )
    assert isinstance(error, vf.APITimeoutError)
    assert error.request_sent is True


async def test_percent_escapes_in_a_path_are_kept(web_server: StartServer) -> None:
    seen: list[web.Request] = []
    url = await web_server(recording_app(seen))
    async with vf.AsyncVoucherify("app", "token", base_url=url) as client:
        await client._transport.request("GET", "/v1/orders/a%2Fb%3Fc")
    assert seen[0].raw_path == "/v1/orders/a%2Fb%3Fc"


async def test_a_base_url_with_a_path_prefix_is_kept(web_server: StartServer) -> None:
    seen: list[web.Request] = []
    url = await web_server(recording_app(seen))
    async with vf.AsyncVoucherify("app", "token", base_url=f"{url}/proxy/") as client:
        await client._transport.request("GET", "v1/orders")
    assert seen[0].raw_path == "/proxy/v1/orders"
