"""Streamed downloads (export files) through ``Transport.stream``."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

import voucherify_async as vf
from voucherify_async.emulator import Emulator

pytestmark = pytest.mark.anyio

StartServer = Callable[[web.Application], Awaitable[str]]


async def export_url(client: vf.AsyncVoucherify, *source_ids: str) -> str:
    transport = client._transport
    for source_id in source_ids:
        await transport.request("POST", "/v1/orders", json={"source_id": source_id, "amount": 100})
    body = {"parameters": {"fields": ["source_id"], "order": "created_at"}}
    export = await transport.request("POST", "/v1/orders/export", json=body)
    done: dict[str, Any] = await transport.request("GET", f"/v1/exports/{export['id']}")
    assert done["status"] == "DONE"
    url: str = done["result"]["url"]
    return url


async def read_all(client: vf.AsyncVoucherify, url: str, **options: Any) -> bytes:
    async with client._transport.stream("GET", url, **options) as chunks:
        return b"".join([chunk async for chunk in chunks])


async def test_an_export_file_is_streamed(client: vf.AsyncVoucherify) -> None:
    url = await export_url(client, "o-1", "o-2")
    body = await read_all(client, url, authenticate=False)
    assert body.decode().splitlines()[1:] == ["o-1", "o-2"]


async def test_a_download_without_authenticate_sends_no_credentials(
    clock: vf.ManualClock, web_server: StartServer
) -> None:
    seen: list[web.Request] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(request)
        return web.Response(text="a\n1\n", content_type="text/csv")

    app = web.Application()
    app.router.add_get("/file.csv", handle)
    url = await web_server(app)
    async with vf.AsyncVoucherify("app", "token", base_url="http://127.0.0.1:9", clock=clock) as client:
        await read_all(client, f"{url}/file.csv", authenticate=False)
    assert {"X-App-Id", "X-App-Token", "Authorization"} & set(seen[0].headers) == set()


async def test_the_download_token_never_reaches_the_log(
    client: vf.AsyncVoucherify, caplog: pytest.LogCaptureFixture
) -> None:
    url = await export_url(client, "o-1")
    token = url.split("token=", 1)[1]
    caplog.set_level(logging.DEBUG, logger="voucherify_async")
    await read_all(client, url, authenticate=False)
    assert caplog.records
    assert not [r for r in caplog.records if token in r.getMessage()]


async def test_a_refused_download_raises_before_any_chunk(
    emulator: Emulator, client: vf.AsyncVoucherify
) -> None:
    url = await export_url(client, "o-1")
    wrong = url.split("token=", 1)[0] + "token=wrong"
    with pytest.raises(vf.AuthenticationError):
        await read_all(client, wrong, authenticate=False)


async def test_credentials_are_never_sent_to_another_host(
    client: vf.AsyncVoucherify, web_server: StartServer
) -> None:
    seen: list[web.Request] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(request)
        return web.Response(text="x")

    app = web.Application()
    app.router.add_get("/file.csv", handle)
    other = await web_server(app)
    with pytest.raises(vf.VoucherifyError, match="Refusing to send credentials"):
        await read_all(client, f"{other}/file.csv")
    assert seen == []


async def test_a_path_on_the_api_is_streamed_with_credentials(
    emulator: Emulator, client: vf.AsyncVoucherify
) -> None:
    body = await read_all(client, "/v1/orders")
    assert b'"orders"' in body
    assert emulator.requests[-1].project == "app"


async def test_a_connection_broken_mid_body_raises_connection_error(
    clock: vf.ManualClock, web_server: StartServer
) -> None:
    async def handle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "1000000"})
        await response.prepare(request)
        await response.write(b"source_id\n" * 100)
        assert request.transport is not None
        request.transport.abort()
        return response

    app = web.Application()
    app.router.add_get("/v1/exports/file", handle)
    url = await web_server(app)
    async with vf.AsyncVoucherify("app", "token", base_url=url, clock=clock) as client:
        with pytest.raises(vf.APIConnectionError) as caught:
            await read_all(client, "/v1/exports/file")
    assert caught.value.request_sent is True


async def test_a_download_failing_with_503_before_the_body_is_retried(
    clock: vf.ManualClock, web_server: StartServer
) -> None:
    calls: list[int] = []

    async def handle(request: web.Request) -> web.Response:
        calls.append(1)
        if len(calls) == 1:
            return web.Response(status=503, headers={"Retry-After": "2"})
        return web.Response(text="a,b\n1,2\n", content_type="text/csv")

    app = web.Application()
    app.router.add_get("/file.csv", handle)
    url = await web_server(app)
    async with vf.AsyncVoucherify("app", "token", base_url="http://127.0.0.1:9", clock=clock) as client:
        body = await read_all(client, f"{url}/file.csv", authenticate=False)
    assert body == b"a,b\n1,2\n"
    assert clock.sleeps == [2.0]


async def test_leaving_a_download_early_leaves_the_client_usable(
    emulator: Emulator, client: vf.AsyncVoucherify
) -> None:
    url = await export_url(client, *[f"o-{i}" for i in range(50)])
    async with client._transport.stream("GET", url, authenticate=False) as chunks:
        async for _ in chunks:
            break
    assert "orders" in await client._transport.request("GET", "/v1/orders")


def _everything_said_about(error: BaseException) -> str:
    """The traceback, and the str and repr of every exception chained to ``error``, shown or not."""
    texts = ["".join(traceback.format_exception(error))]
    seen: BaseException | None = error
    while seen is not None:
        texts += [str(seen), repr(seen), repr(seen.args)]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(texts)


async def test_no_traceback_of_a_failed_download_shows_its_token(
    client: vf.AsyncVoucherify, web_server: StartServer
) -> None:
    url = await export_url(client, "o-1")
    token = url.split("token=", 1)[1]
    unreachable = "http://127.0.0.1:9/v1/exports/file.csv?token=" + token
    errors = []
    for target in (url.replace("token=", "token=x"), unreachable):
        with pytest.raises(vf.VoucherifyError) as caught:
            await read_all(client.with_options(max_retries=0), target, authenticate=False)
        errors.append(caught.value)

    assert [error for error in errors if token in _everything_said_about(error)] == []
