"""``AsyncVoucherify(event_hooks=...)``: request and response hooks around every attempt of a request."""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable, Callable

import anyio
import anyio.lowlevel
import pytest
from aiohttp import web

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault

pytestmark = pytest.mark.anyio

ORDERS = "GET /v1/orders"
StartServer = Callable[[web.Application], Awaitable[str]]


def hooked_client(
    emulator: Emulator, clock: vf.ManualClock, **hooks: list[vf.EventHook]
) -> vf.AsyncVoucherify:
    return vf.AsyncVoucherify(
        "app",
        "token",
        base_url=emulator.url,
        clock=clock,
        event_hooks=hooks,  # type: ignore[arg-type]
    )


async def test_hooks_see_each_request_before_and_its_answer_after(
    emulator: Emulator, clock: vf.ManualClock
) -> None:
    before: list[vf.RequestEvent] = []
    after: list[vf.RequestEvent] = []
    async with hooked_client(emulator, clock, request=[before.append], response=[after.append]) as client:
        await client.orders.create({"source_id": "o 1/2", "status": "PAID", "amount": 5})
        await client.orders.get("o 1/2")
    assert [(e.method, e.url_template, e.attempt, e.status) for e in before] == [
        ("POST", "/v1/orders", 1, None),
        ("GET", "/v1/orders/{id}", 1, None),
    ]
    got = after[1]
    assert (got.method, got.url_template, got.status, got.attempt, got.error) == (
        "GET", "/v1/orders/{id}", 200, 1, None,
    )  # fmt: skip
    assert got.url == f"{emulator.url}/v1/orders/o%201%2F2"
    assert got.request_id is not None
    assert got.request_id == (got.response_headers or {}).get("x-request-id")
    assert got.elapsed is not None
    assert got.elapsed >= 0
    assert before[1].elapsed is None


async def test_credentials_are_masked_in_the_headers_hooks_see(
    emulator: Emulator, clock: vf.ManualClock
) -> None:
    seen: list[vf.RequestEvent] = []
    async with hooked_client(emulator, clock, request=[seen.append]) as client:
        await client.orders.list(limit=3)
    assert seen[0].headers["x-app-token"] == "***"
    headers = dict(seen[0].headers)
    assert headers["X-App-Token"] == "***"
    assert headers["X-App-Id"] == "app"
    assert "token" not in repr(seen[0]).replace("X-App-Token", "")
    assert seen[0].url.endswith("/v1/orders?limit=3")


async def test_a_gateways_cookie_in_an_answer_is_masked(
    clock: vf.ManualClock, web_server: StartServer
) -> None:
    # A gateway in front of the API may set a session cookie on its answers: hooks never see its value.
    async def handle(request: web.Request) -> web.Response:
        response = web.json_response({"object": "order", "id": "ord_1", "source_id": "o-1"})
        response.headers["Set-Cookie"] = "gw_session=s3cret-cookie; Path=/"
        return response

    app = web.Application()
    app.router.add_get("/v1/orders/{id}", handle)
    url = await web_server(app)
    seen: list[vf.RequestEvent] = []
    async with vf.AsyncVoucherify(
        "app", "token", base_url=url, clock=clock, event_hooks={"response": [seen.append]}
    ) as client:
        await client.orders.get("o-1")
    headers = seen[0].response_headers or {}
    assert headers.get("set-cookie") == "***"
    assert "s3cret-cookie" not in repr(seen[0])


async def test_an_oauth_bearer_token_is_masked(emulator: Emulator, clock: vf.ManualClock) -> None:
    seen: list[vf.RequestEvent] = []
    oauth = vf.OAuthCredentials("app", "token", scopes=["api"])
    hooks: vf.EventHooks = {"request": [seen.append]}
    async with vf.AsyncVoucherify(
        oauth=oauth, base_url=emulator.url, clock=clock, event_hooks=hooks
    ) as client:
        await client.orders.list()
    assert [e.url_template for e in seen] == ["/v1/oauth/token", "/v1/orders"]
    assert seen[0].headers["X-App-Token"] == "***"
    assert seen[1].headers["Authorization"] == "***"


async def test_a_download_url_s_token_is_masked(emulator: Emulator, clock: vf.ManualClock) -> None:
    seen: list[vf.RequestEvent] = []
    async with hooked_client(emulator, clock, response=[seen.append]) as client:
        await client.orders.create({"source_id": "o-1", "status": "PAID", "amount": 5})
        export = await client.orders.export(fields=["source_id"])
        rows = [row async for row in client.exports.rows(export.id)]
        done = await client.exports.get(export.id)
    assert rows == [{"Source ID": "o-1"}]
    assert done.result is not None
    token = str(done.result.url).rpartition("token=")[2]
    download = seen[-2]
    assert download.url_template == "/download/v1/exports/{id}"
    assert download.url.endswith("?token=***")
    assert all(token not in repr(event) for event in seen)


async def test_retries_show_their_attempt_numbers_and_errors(
    emulator: Emulator, clock: vf.ManualClock
) -> None:
    emulator.add_fault(Fault("status", route=ORDERS, nth=[1, 2], status=503))
    before: list[vf.RequestEvent] = []
    after: list[vf.RequestEvent] = []
    async with hooked_client(emulator, clock, request=[before.append], response=[after.append]) as client:
        await client.orders.list()
    assert [e.attempt for e in before] == [1, 2, 3]
    assert [(e.attempt, e.status, type(e.error).__name__) for e in after] == [
        (1, 503, "ServerError"),
        (2, 503, "ServerError"),
        (3, 200, "NoneType"),
    ]
    assert after[0].request_id == getattr(after[0].error, "request_id", None)


async def test_async_hooks_are_awaited_in_order(emulator: Emulator, clock: vf.ManualClock) -> None:
    calls: list[str] = []

    async def first(event: vf.RequestEvent) -> None:
        await anyio.lowlevel.checkpoint()
        calls.append(f"first {event.status}")

    def second(event: vf.RequestEvent) -> None:
        calls.append(f"second {event.status}")

    async with hooked_client(emulator, clock, request=[first, second], response=[second, first]) as client:
        await client.orders.list()
    assert calls == ["first None", "second None", "second 200", "first 200"]


async def test_no_answer_reaches_response_hooks_as_a_connection_error(clock: vf.ManualClock) -> None:
    with socket.socket() as spare:
        spare.bind(("127.0.0.1", 0))
        port = spare.getsockname()[1]
    seen: list[vf.RequestEvent] = []
    hooks: vf.EventHooks = {"response": [seen.append]}
    url = f"http://127.0.0.1:{port}"
    async with vf.AsyncVoucherify("app", "token", base_url=url, clock=clock, event_hooks=hooks) as client:
        with pytest.raises(vf.APIConnectionError):
            await client.orders.list()
    assert [(e.attempt, e.status, type(e.error).__name__) for e in seen] == [
        (n, None, "APIConnectionError") for n in range(1, 5)
    ]


async def test_a_hook_that_raises_breaks_nothing_and_is_logged_once(
    emulator: Emulator, clock: vf.ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: vf.RequestEvent) -> None:
        raise RuntimeError("hook bug")

    async def broken_too(event: vf.RequestEvent) -> None:
        raise KeyError(event.method)

    seen: list[vf.RequestEvent] = []
    hooks = {"request": [broken, seen.append], "response": [broken_too]}
    caplog.set_level(logging.WARNING, "voucherify_async")
    async with hooked_client(emulator, clock, **hooks) as client:
        for _ in range(3):
            page = await client.orders.list()
    assert page.total == 0
    assert len(seen) == 3  # the hooks after a broken one still run
    warnings = [r for r in caplog.records if "event hook" in r.getMessage()]
    assert [(r.getMessage().split()[3], r.exc_info[0] if r.exc_info else None) for r in warnings] == [
        ("test_a_hook_that_raises_breaks_nothing_and_is_logged_once.<locals>.broken", RuntimeError),
        ("test_a_hook_that_raises_breaks_nothing_and_is_logged_once.<locals>.broken_too", KeyError),
    ]


async def test_a_cancelled_request_calls_no_response_hook(emulator: Emulator, clock: vf.ManualClock) -> None:
    emulator.add_fault(Fault("latency", route=ORDERS, delay=5.0))
    before: list[vf.RequestEvent] = []
    after: list[vf.RequestEvent] = []
    async with hooked_client(emulator, clock, request=[before.append], response=[after.append]) as client:
        with anyio.move_on_after(0.05):
            await client.orders.list()
    assert (len(before), after) == (1, [])


async def test_with_options_copies_share_the_hooks(emulator: Emulator, clock: vf.ManualClock) -> None:
    seen: list[vf.RequestEvent] = []
    async with hooked_client(emulator, clock, response=[seen.append]) as client:
        await client.with_options(max_retries=0).orders.list()
    assert [e.status for e in seen] == [200]


@pytest.mark.parametrize(
    ("hooks", "words"),
    [
        ({"requests": []}, "not 'requests'"),
        ({"response": ["not a function"]}, "must be callable, got str"),
    ],
)
def test_malformed_hooks_are_refused(hooks: object, words: str) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=words):
        vf.AsyncVoucherify("app", "token", base_url="http://127.0.0.1:9", event_hooks=hooks)  # type: ignore[arg-type]
