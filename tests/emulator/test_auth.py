from __future__ import annotations

import pytest

from tests.emulator.conftest import AUTH, Api
from voucherify_async.emulator import Emulator

pytestmark = pytest.mark.anyio


async def test_wrong_app_token_is_the_api_401(api: Api) -> None:
    status, error, _ = await api.call(
        "GET", "/v1/orders", auth=False, headers={"X-App-Id": "app", "X-App-Token": "bad"}
    )
    assert status == 401
    assert (error["code"], error["key"], error["message"]) == (401, "unauthorized", "Unauthorized")


async def test_missing_credentials_are_a_401(api: Api) -> None:
    status, _, _ = await api.call("GET", "/v1/orders", auth=False)
    assert status == 401


async def test_401_never_echoes_the_token(api: Api) -> None:
    headers = {"X-App-Id": "app", "X-App-Token": "s3cr3t"}
    status, raw, _ = await api.call("GET", "/v1/orders", auth=False, headers=headers)
    assert status == 401
    assert "s3cr3t" not in str(raw)


async def test_requests_are_recorded_with_route_status_and_project(api: Api, emulator: Emulator) -> None:
    await api.call("GET", "/v1/orders/o-1")
    await api.call("GET", "/v1/orders", auth=False)
    recorded = [(r.method, r.path, r.route, r.status, r.project) for r in emulator.requests]
    assert recorded == [
        ("GET", "/v1/orders/o-1", "GET /v1/orders/{id}", 404, "app"),
        ("GET", "/v1/orders", "GET /v1/orders", 401, None),
    ]


async def test_unknown_endpoint_is_a_404_in_the_api_format(api: Api) -> None:
    status, error, _ = await api.call("GET", "/v1/vouchers")
    assert status == 404
    assert error["key"] == "not_found"


async def test_plugin_fixture_yields_a_running_emulator(voucherify_emulator: Emulator) -> None:
    assert voucherify_emulator.url.startswith("http://127.0.0.1:")


async def test_no_token_shows_in_the_emulator_reprs(api: Api, emulator: Emulator) -> None:
    form = {"grant_type": "client_credentials", "scope": "api"}
    async with api.session.post(api.base_url + "/v1/oauth/token", data=form, headers=AUTH) as response:
        access_token = (await response.json())["access_token"]
    await api.call("POST", "/v1/orders/export", json={})
    shown = repr(emulator) + repr(emulator.tokens) + repr(list(emulator.project().exports.values()))
    assert "token" not in repr(emulator)
    assert access_token not in shown
    export = next(iter(emulator.project().exports.values()))
    assert export.token not in shown
