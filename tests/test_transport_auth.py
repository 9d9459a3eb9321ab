"""Authentication: app keys, a static bearer token, and OAuth tokens that renew themselves."""

from __future__ import annotations

import anyio
import pytest
from aiohttp import web

import voucherify_async as vf
from tests.conftest import StartServer
from voucherify_async._auth import OAuthTokenProvider
from voucherify_async.emulator import Emulator, Fault

pytestmark = pytest.mark.anyio

TOKEN_ROUTE = "POST /v1/oauth/token"


def hits(emulator: Emulator, route: str, status: int | None = None) -> int:
    return sum(1 for r in emulator.requests if r.route == route and (status is None or r.status == status))


def oauth_client(emulator: Emulator, clock: vf.ManualClock, *scopes: str) -> vf.AsyncVoucherify:
    credentials = vf.OAuthCredentials("app", "token", scopes=scopes or ("api",))
    return vf.AsyncVoucherify(oauth=credentials, base_url=emulator.url, clock=clock)


async def test_app_keys_authenticate_against_the_project(
    emulator: Emulator, client: vf.AsyncVoucherify
) -> None:
    await client._transport.request("GET", "/v1/orders")
    assert emulator.requests[-1].project == "app"


async def test_a_wrong_app_token_raises_authentication_error_without_retry(emulator: Emulator) -> None:
    async with vf.AsyncVoucherify("app", "wrong", base_url=emulator.url) as client:
        with pytest.raises(vf.AuthenticationError) as caught:
            await client._transport.request("GET", "/v1/orders")
    assert caught.value.status == 401
    assert "wrong" not in str(caught.value)
    assert hits(emulator, "GET /v1/orders") == 1


async def test_oauth_gets_one_token_for_many_concurrent_requests(
    emulator: Emulator, clock: vf.ManualClock
) -> None:
    async with oauth_client(emulator, clock) as client, anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(client._transport.request, "GET", "/v1/orders")
    assert hits(emulator, TOKEN_ROUTE) == 1
    assert hits(emulator, "GET /v1/orders", status=200) == 10


async def test_oauth_token_is_sent_as_bearer_for_the_project(
    emulator: Emulator, clock: vf.ManualClock
) -> None:
    async with oauth_client(emulator, clock, "orders") as client:
        await client._transport.request("GET", "/v1/orders")
    assert emulator.requests[-1].project == "app"
    assert emulator.requests[-1].status == 200


async def test_oauth_token_is_renewed_before_it_expires(emulator: Emulator, clock: vf.ManualClock) -> None:
    async with oauth_client(emulator, clock) as client:
        await client._transport.request("GET", "/v1/orders")
        clock.advance(900 - 30)  # inside the renewal margin, before the server's expiry
        await client._transport.request("GET", "/v1/orders")
    assert hits(emulator, TOKEN_ROUTE) == 2
    assert hits(emulator, "GET /v1/orders", status=401) == 0


async def test_concurrent_requests_near_expiry_renew_the_token_once(
    emulator: Emulator, clock: vf.ManualClock
) -> None:
    async with oauth_client(emulator, clock) as client:
        await client._transport.request("GET", "/v1/orders")
        clock.advance(900 - 30)
        async with anyio.create_task_group() as group:
            for _ in range(10):
                group.start_soon(client._transport.request, "GET", "/v1/orders")
    assert hits(emulator, TOKEN_ROUTE) == 2


async def test_a_failed_token_request_is_retried(emulator: Emulator, clock: vf.ManualClock) -> None:
    emulator.add_fault(Fault("status", route=TOKEN_ROUTE, nth=1, status=502))
    async with oauth_client(emulator, clock) as client:
        await client._transport.request("GET", "/v1/orders")
    assert hits(emulator, TOKEN_ROUTE) == 2
    assert hits(emulator, "GET /v1/orders", status=200) == 1


async def test_oauth_token_is_reused_while_fresh(emulator: Emulator, clock: vf.ManualClock) -> None:
    async with oauth_client(emulator, clock) as client:
        await client._transport.request("GET", "/v1/orders")
        clock.advance(600)
        await client._transport.request("GET", "/v1/orders")
    assert hits(emulator, TOKEN_ROUTE) == 1


async def test_a_stale_token_refused_with_401_is_renewed_once(
    emulator: Emulator, clock: vf.ManualClock
) -> None:
    emulator.add_fault(Fault("status", route="GET /v1/orders", nth=1, status=401))
    async with oauth_client(emulator, clock) as client:
        answer = await client._transport.request("GET", "/v1/orders")
    assert "orders" in answer
    assert hits(emulator, TOKEN_ROUTE) == 2
    assert hits(emulator, "GET /v1/orders") == 2


async def test_a_token_refused_twice_raises_authentication_error(
    emulator: Emulator, clock: vf.ManualClock
) -> None:
    emulator.add_fault(Fault("status", route="GET /v1/orders", status=401))
    async with oauth_client(emulator, clock) as client:
        with pytest.raises(vf.AuthenticationError):
            await client._transport.request("GET", "/v1/orders")
    assert hits(emulator, "GET /v1/orders") == 2
    assert hits(emulator, TOKEN_ROUTE) == 2


async def test_oauth_with_wrong_credentials_raises_authentication_error(emulator: Emulator) -> None:
    credentials = vf.OAuthCredentials("app", "wrong", scopes=["api"])
    async with vf.AsyncVoucherify(oauth=credentials, base_url=emulator.url) as client:
        with pytest.raises(vf.AuthenticationError):
            await client._transport.request("GET", "/v1/orders")
    assert hits(emulator, "GET /v1/orders") == 0


async def test_a_token_without_the_scope_raises_permission_denied(
    emulator: Emulator, clock: vf.ManualClock
) -> None:
    async with oauth_client(emulator, clock, "exports") as client:
        with pytest.raises(vf.PermissionDeniedError):
            await client._transport.request("GET", "/v1/orders")


async def test_a_static_bearer_token_works_and_is_not_renewed(emulator: Emulator) -> None:
    async with oauth_client(emulator, vf.ManualClock()) as issuer:
        assert isinstance(issuer._transport.auth, OAuthTokenProvider)
        token = await issuer._transport.auth.token(issuer._transport._fetch_token)
    emulator.add_fault(Fault("status", route="GET /v1/orders", nth=2, status=401))
    async with vf.AsyncVoucherify(access_token=token, base_url=emulator.url) as client:
        await client._transport.request("GET", "/v1/orders")
        with pytest.raises(vf.AuthenticationError):
            await client._transport.request("GET", "/v1/orders")
    assert hits(emulator, TOKEN_ROUTE) == 1


def test_scopes_given_as_a_string_are_split() -> None:
    assert vf.OAuthCredentials("app", "token", scopes="orders exports").scopes == ("orders", "exports")


def test_no_repr_shows_a_secret() -> None:
    credentials = vf.OAuthCredentials("app", "s3cret-app-token", scopes=["api"])
    shown = [
        repr(vf.AppKeys("app", "s3cret-app-token")),
        repr(vf.BearerToken("s3cret-app-token")),
        repr(credentials),
        repr(OAuthTokenProvider(credentials, vf.ManualClock())),
    ]
    assert all("s3cret" not in text for text in shown)
    assert all("app" in text for text in shown[:1] + shown[2:])


async def test_oauth_asks_with_the_app_keys_then_sends_only_the_bearer_token(
    web_server: StartServer, clock: vf.ManualClock
) -> None:
    seen: list[tuple[str, dict[str, str], bytes]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append((request.path, dict(request.headers), await request.read()))
        if request.path == "/v1/oauth/token":
            return web.json_response({"access_token": "tok-1", "token_type": "bearer", "expires_in": 900})
        return web.json_response({"orders": [], "total": 0})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    credentials = vf.OAuthCredentials("app", "token", scopes=["orders", "exports"])
    async with vf.AsyncVoucherify(oauth=credentials, base_url=await web_server(app), clock=clock) as client:
        await client.orders.list()

    (token_path, token_headers, form), (_, headers, _) = seen
    assert token_path == "/v1/oauth/token"
    assert (token_headers["X-App-Id"], token_headers["X-App-Token"]) == ("app", "token")
    assert form == b"grant_type=client_credentials&scope=orders+exports"
    assert headers["Authorization"] == "Bearer tok-1"
    assert "X-App-Token" not in headers


@pytest.mark.parametrize(
    ("credentials", "named"),
    [
        ({"app_id": "", "app_token": "SECRET-1"}, "app_id"),
        ({"app_id": "app", "app_token": " "}, "app_token"),
        ({"app_id": "app", "app_token": "SECRET-1", "scopes": []}, "scopes"),
        ({"app_id": "app", "app_token": "SECRET-1", "scopes": ""}, "scopes"),
    ],
)
def test_oauth_credentials_without_an_id_token_or_scope_are_refused_without_showing_the_token(
    credentials: dict[str, object], named: str
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=named) as caught:
        vf.OAuthCredentials(**credentials)  # type: ignore[arg-type]

    assert "SECRET-1" not in str(caught.value)


def test_an_empty_access_token_is_refused() -> None:
    with pytest.raises(vf.InvalidArgumentError, match="access_token"):
        vf.AsyncVoucherify(access_token="", base_url="http://127.0.0.1:8080")
