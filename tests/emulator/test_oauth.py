from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import AUTH, Api
from voucherify_async import ManualClock

pytestmark = pytest.mark.anyio


async def _token(api: Api, scope: str = "api", credentials: dict[str, str] = AUTH) -> tuple[int, Any]:
    form = {"grant_type": "client_credentials", "scope": scope}
    async with api.session.post(api.base_url + "/v1/oauth/token", data=form, headers=credentials) as response:
        return response.status, await response.json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_token_answer_has_the_documented_fields(api: Api) -> None:
    status, body = await _token(api, "orders async-actions")
    assert status == 200
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("bearer", 900, "async-actions orders")


async def test_bearer_token_works_for_its_project(api: Api) -> None:
    _, body = await _token(api)
    status, _, _ = await api.call("GET", "/v1/orders", auth=False, headers=_bearer(body["access_token"]))
    assert status == 200


async def test_bearer_token_expires(api: Api, clock: ManualClock) -> None:
    _, body = await _token(api)
    clock.advance(900)
    status, error, _ = await api.call("GET", "/v1/orders", auth=False, headers=_bearer(body["access_token"]))
    assert (status, error["key"]) == (401, "unauthorized")


async def test_scopes_limit_the_endpoints(api: Api) -> None:
    _, body = await _token(api, "async-actions")
    headers = _bearer(body["access_token"])
    allowed, _, _ = await api.call("GET", "/v1/async-actions", auth=False, headers=headers)
    refused, _, _ = await api.call("GET", "/v1/orders", auth=False, headers=headers)
    assert (allowed, refused) == (200, 403)


async def test_unknown_token_is_a_401(api: Api) -> None:
    status, _, _ = await api.call("GET", "/v1/orders", auth=False, headers=_bearer("forged"))
    assert status == 401


async def test_wrong_credentials_get_no_token(api: Api) -> None:
    status, body = await _token(api, credentials={"X-App-Id": "app", "X-App-Token": "bad"})
    assert (status, body["key"]) == (401, "unauthorized")


@pytest.mark.parametrize("scope", ["", "galaxy"])
async def test_missing_or_unknown_scopes_are_a_400(api: Api, scope: str) -> None:
    status, _ = await _token(api, scope)
    assert status == 400


async def test_wrong_grant_type_is_a_400(api: Api) -> None:
    form = {"grant_type": "password", "scope": "api"}
    async with api.session.post(api.base_url + "/v1/oauth/token", data=form, headers=AUTH) as response:
        assert response.status == 400
