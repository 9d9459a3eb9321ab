"""The client's credentials and location from the ``VOUCHERIFY_*`` variables, and which arguments win."""

from __future__ import annotations

import pytest

import voucherify_async as vf
from voucherify_async._auth import OAuthTokenProvider
from voucherify_async._environment import read_environment
from voucherify_async.emulator import Emulator

SECRET = "s3cret-env-token"


def _set(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(f"VOUCHERIFY_{name}", value)


@pytest.mark.anyio
async def test_a_client_without_arguments_takes_app_keys_and_base_url_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, emulator: Emulator, clock: vf.ManualClock
) -> None:
    _set(monkeypatch, APP_ID="app", APP_TOKEN="token", BASE_URL=emulator.url)
    async with vf.AsyncVoucherify(clock=clock) as client:
        page = await client.orders.list()
    assert (page.total, client.project_key) == (0, f"{emulator.url}#app")


@pytest.mark.anyio
async def test_oauth_scopes_in_the_environment_exchange_the_app_keys_for_tokens(
    monkeypatch: pytest.MonkeyPatch, emulator: Emulator, clock: vf.ManualClock
) -> None:
    _set(monkeypatch, APP_ID="app", APP_TOKEN="token", OAUTH_SCOPES="api", BASE_URL=emulator.url)
    async with vf.AsyncVoucherify(clock=clock) as client:
        await client.orders.list()
        provider = client._transport.auth
    assert isinstance(provider, OAuthTokenProvider)
    assert (provider.credentials.scopes, provider.tokens_fetched) == (("api",), 1)


@pytest.mark.anyio
async def test_an_access_token_in_the_environment_is_sent_as_a_bearer_token(
    monkeypatch: pytest.MonkeyPatch, emulator: Emulator, clock: vf.ManualClock
) -> None:
    oauth = vf.OAuthCredentials("app", "token", scopes=["api"])
    async with vf.AsyncVoucherify(oauth=oauth, base_url=emulator.url, clock=clock) as issuer:
        assert isinstance(issuer._transport.auth, OAuthTokenProvider)
        token = await issuer._transport.auth.token(issuer._transport._fetch_token)
    _set(monkeypatch, ACCESS_TOKEN=token, BASE_URL=emulator.url)
    async with vf.AsyncVoucherify(clock=clock) as client:
        page = await client.orders.list()
    assert page.total == 0
    assert client.project_key == vf.AsyncVoucherify(access_token=token, base_url=emulator.url).project_key


def test_the_cluster_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, APP_ID="app", APP_TOKEN=SECRET, CLUSTER="us1.api")
    client = vf.AsyncVoucherify()
    assert (client.base_url, client.download_base_url) == (
        "https://us1.api.voucherify.io",
        "https://us1.download.voucherify.io",
    )


def test_explicit_credentials_win_and_the_environments_are_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, APP_ID="env-app", APP_TOKEN=SECRET)
    assert vf.AsyncVoucherify("own-app", "own-token").project_key == "https://api.voucherify.io#own-app"


def test_an_explicit_app_id_does_not_take_the_token_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _set(monkeypatch, APP_ID="env-app", APP_TOKEN=SECRET)
    with pytest.raises(vf.InvalidArgumentError, match="app_token") as caught:
        vf.AsyncVoucherify(app_id="own-app")
    assert SECRET not in str(caught.value)


def test_explicit_credentials_still_take_the_location_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _set(monkeypatch, BASE_URL="http://127.0.0.1:8080")
    assert vf.AsyncVoucherify("app", "token").base_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize("location", [{"cluster": "us1.api"}, {"base_url": "http://127.0.0.1:9"}])
def test_an_explicit_cluster_or_base_url_suppresses_both_location_variables(
    monkeypatch: pytest.MonkeyPatch, location: dict[str, str]
) -> None:
    _set(monkeypatch, BASE_URL="http://127.0.0.1:8080", CLUSTER="as1.api")
    client = vf.AsyncVoucherify("app", "token", **location)
    assert client.base_url in ("https://us1.api.voucherify.io", "http://127.0.0.1:9")


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({}, "VOUCHERIFY_APP_ID"),
        ({"APP_ID": "   ", "APP_TOKEN": ""}, "VOUCHERIFY_APP_ID"),
        ({"APP_TOKEN": SECRET}, "VOUCHERIFY_APP_ID is"),
        ({"APP_ID": "app"}, "VOUCHERIFY_APP_TOKEN is"),
        ({"APP_ID": "app", "APP_TOKEN": SECRET, "ACCESS_TOKEN": SECRET + "2"}, "VOUCHERIFY_ACCESS_TOKEN"),
        ({"APP_ID": "app", "APP_TOKEN": SECRET, "OAUTH_SCOPES": " , "}, "VOUCHERIFY_OAUTH_SCOPES"),
        ({"APP_ID": "app", "APP_TOKEN": SECRET, "CLUSTER": "eu/x"}, "VOUCHERIFY_CLUSTER"),
        ({"APP_ID": "app", "APP_TOKEN": SECRET, "BASE_URL": "127.0.0.1:8080"}, "VOUCHERIFY_BASE_URL"),
        ({"APP_ID": "app", "APP_TOKEN": SECRET, "BASE_URL": f"http://u:{SECRET}@h"}, "VOUCHERIFY_BASE_URL"),
    ],
)
def test_unusable_variables_are_refused_naming_them_and_never_a_token(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], named: str
) -> None:
    _set(monkeypatch, **variables)
    with pytest.raises(vf.InvalidArgumentError, match=named) as caught:
        vf.AsyncVoucherify()
    assert SECRET not in str(caught.value)


def test_scopes_are_separated_by_spaces_or_commas_and_blank_variables_are_unset() -> None:
    settings = read_environment(
        {"VOUCHERIFY_OAUTH_SCOPES": " orders, exports  api ", "VOUCHERIFY_CLUSTER": "  ", "OTHER": "x"}
    )
    assert (settings.oauth_scopes, settings.cluster, settings.app_id) == (
        ("orders", "exports", "api"),
        None,
        None,
    )


def test_the_settings_repr_never_shows_a_token() -> None:
    settings = read_environment({"VOUCHERIFY_APP_TOKEN": SECRET, "VOUCHERIFY_ACCESS_TOKEN": SECRET})
    assert SECRET not in repr(settings)
