"""The client: options, session lifecycle, with_options, resources, and secrets kept out of sight."""

from __future__ import annotations

import logging
import warnings

import aiohttp
import pytest

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault
from voucherify_async.resources.async_actions import AsyncActions
from voucherify_async.resources.exports import Exports
from voucherify_async.resources.orders import Orders

SECRET = "s3cret-app-token"


@pytest.mark.anyio
async def test_session_is_created_on_entry_and_closed_on_exit(emulator: Emulator) -> None:
    client = vf.AsyncVoucherify("app", "token", base_url=emulator.url)
    assert client.session is None
    async with client:
        session = client.session
        assert session is not None
        await client._transport.request("GET", "/v1/orders")
    assert session.closed
    assert client.closed


@pytest.mark.anyio
async def test_session_is_created_lazily_by_the_first_request(emulator: Emulator) -> None:
    client = vf.AsyncVoucherify("app", "token", base_url=emulator.url)
    await client._transport.request("GET", "/v1/orders")
    assert client.session is not None
    await client.aclose()
    assert client.session.closed


@pytest.mark.anyio
async def test_a_users_session_is_used_and_left_open(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as session:
        async with vf.AsyncVoucherify("app", "token", base_url=emulator.url, session=session) as client:
            await client._transport.request("GET", "/v1/orders")
            assert client.session is session
        assert not session.closed


@pytest.mark.anyio
async def test_a_users_session_closed_too_early_raises_a_voucherify_error(emulator: Emulator) -> None:
    session = aiohttp.ClientSession()
    await session.close()
    client = vf.AsyncVoucherify("app", "token", base_url=emulator.url, session=session)

    with pytest.raises(vf.VoucherifyError, match="session given to AsyncVoucherify was closed"):
        await client.orders.list()


@pytest.mark.anyio
async def test_a_closed_client_refuses_requests(emulator: Emulator) -> None:
    async with vf.AsyncVoucherify("app", "token", base_url=emulator.url) as client:
        pass
    with pytest.raises(vf.VoucherifyError, match="closed"):
        await client._transport.request("GET", "/v1/orders")


@pytest.mark.anyio
async def test_an_unclosed_client_warns_when_collected(emulator: Emulator) -> None:
    client = vf.AsyncVoucherify("app", "token", base_url=emulator.url)
    await client._transport.request("GET", "/v1/orders")
    session = client.session
    assert session is not None
    with pytest.warns(ResourceWarning, match="AsyncVoucherify client was not closed"):
        client = None  # type: ignore[assignment]  # the last reference: the client is collected now
    await session.close()


def test_a_client_that_never_opened_a_session_does_not_warn() -> None:
    client: vf.AsyncVoucherify | None = vf.AsyncVoucherify("app", "token")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = None
    assert client is None
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


@pytest.mark.anyio
async def test_with_options_shares_the_session_and_changes_only_its_options(emulator: Emulator) -> None:
    async with vf.AsyncVoucherify("app", "token", base_url=emulator.url) as client:
        patient = client.with_options(timeout=150, max_retries=10)
        await patient._transport.request("GET", "/v1/orders")
        assert patient.session is client.session
        assert (patient.timeout.total, patient.max_retries) == (150, 10)
        assert (client.timeout.total, client.max_retries) == (60.0, vf.DEFAULT_MAX_RETRIES)
        assert patient.project_key == client.project_key


@pytest.mark.anyio
async def test_with_options_max_retries_governs_the_copys_requests(
    emulator: Emulator, client: vf.AsyncVoucherify
) -> None:
    emulator.add_fault(Fault("status", route="GET /v1/orders", status=503))
    with pytest.raises(vf.ServerError):
        await client.with_options(max_retries=1)._transport.request("GET", "/v1/orders")
    assert sum(1 for r in emulator.requests if r.route == "GET /v1/orders") == 2


@pytest.mark.anyio
async def test_closing_a_with_options_copy_leaves_the_session_open(emulator: Emulator) -> None:
    async with vf.AsyncVoucherify("app", "token", base_url=emulator.url) as client:
        async with client.with_options(max_retries=0) as copy:
            await copy._transport.request("GET", "/v1/orders")
        assert "orders" in await client._transport.request("GET", "/v1/orders")


@pytest.mark.anyio
async def test_with_options_copies_share_the_rate_limit_state(clock: vf.ManualClock) -> None:
    from voucherify_async.emulator import RateLimits

    limits = RateLimits(api_calls_per_minute=50)
    async with (
        Emulator("app", "token", rate_limits=limits, time_source=clock.time) as emulator,
        vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=clock) as client,
    ):
        await client.with_options(timeout=5)._transport.request("GET", "/v1/orders")
    assert client.rate_limit.remaining == 49


def test_default_timeouts_stay_below_the_load_balancers_three_minutes() -> None:
    timeout = vf.AsyncVoucherify("app", "token").timeout
    assert timeout.total is not None
    assert timeout.total < 180
    assert timeout.connect is not None
    assert timeout.connect < timeout.total


def test_a_number_as_timeout_is_the_total() -> None:
    assert vf.AsyncVoucherify("app", "token", timeout=20).timeout == vf.Timeout(total=20, connect=10)


@pytest.mark.parametrize(
    ("cluster", "base_url", "download_url"),
    [
        ("api", "https://api.voucherify.io", "https://download.voucherify.io"),
        ("us1.api", "https://us1.api.voucherify.io", "https://us1.download.voucherify.io"),
        ("as1.api", "https://as1.api.voucherify.io", "https://as1.download.voucherify.io"),
    ],
)
def test_cluster_sets_the_api_and_download_hosts(cluster: str, base_url: str, download_url: str) -> None:
    client = vf.AsyncVoucherify("app", "token", cluster=cluster)
    assert (client.base_url, client.download_base_url) == (base_url, download_url)


def test_base_url_overrides_the_cluster() -> None:
    client = vf.AsyncVoucherify("app", "token", base_url="http://127.0.0.1:8080/")
    assert client.base_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize("cluster", ["", "api.voucherify.io/x", "http://api"])
def test_a_malformed_cluster_is_refused(cluster: str) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="cluster"):
        vf.AsyncVoucherify("app", "token", cluster=cluster)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"app_id": "app"},
        {"app_token": "token"},
        {"app_id": "app", "app_token": "token", "access_token": "t"},
        {"access_token": "t", "oauth": vf.OAuthCredentials("app", "token")},
    ],
)
def test_exactly_one_way_to_authenticate_is_required(kwargs: dict[str, object]) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=r"app_id|authenticate"):
        vf.AsyncVoucherify(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("timeout", [0, -1.5, float("nan"), "30"])
def test_a_timeout_that_is_not_seconds_above_zero_is_refused(timeout: object) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=r"timeout|Timeout\.total"):
        vf.AsyncVoucherify("app", "token", timeout=timeout)  # type: ignore[arg-type]


def test_a_timeout_part_below_zero_is_refused_naming_the_part() -> None:
    with pytest.raises(vf.InvalidArgumentError, match=r"Timeout\.connect"):
        vf.Timeout(30, connect=-1)


def test_project_key_names_base_url_and_app_id() -> None:
    client = vf.AsyncVoucherify("app", SECRET, base_url="http://127.0.0.1:8080")
    assert client.project_key == "http://127.0.0.1:8080#app"
    oauth = vf.AsyncVoucherify(oauth=vf.OAuthCredentials("app", SECRET), base_url="http://127.0.0.1:8080")
    assert oauth.project_key == client.project_key


def test_project_key_of_a_bearer_token_does_not_show_it() -> None:
    client = vf.AsyncVoucherify(access_token=SECRET, base_url="http://127.0.0.1:8080")
    assert SECRET not in client.project_key
    assert (
        client.project_key != vf.AsyncVoucherify(access_token="other", base_url=client.base_url).project_key
    )


def test_repr_of_a_client_never_shows_a_token() -> None:
    for client in (
        vf.AsyncVoucherify("app", SECRET),
        vf.AsyncVoucherify(access_token=SECRET),
        vf.AsyncVoucherify(oauth=vf.OAuthCredentials("app", SECRET)),
    ):
        assert SECRET not in repr(client)
        assert "https://api.voucherify.io" in repr(client)


def test_resources_are_built_on_the_clients_transport() -> None:
    client = vf.AsyncVoucherify("app", "token")
    assert isinstance(client.orders, Orders)
    assert isinstance(client.async_actions, AsyncActions)
    assert isinstance(client.exports, Exports)
    assert client.orders._transport is client._transport


def test_clock_defaults_to_the_system_clock_and_can_be_injected() -> None:
    clock = vf.ManualClock()
    assert isinstance(vf.AsyncVoucherify("app", "token").clock, vf.SystemClock)
    assert vf.AsyncVoucherify("app", "token", clock=clock).clock is clock


@pytest.mark.anyio
async def test_no_log_record_or_error_carries_a_token(
    caplog: pytest.LogCaptureFixture, clock: vf.ManualClock
) -> None:
    caplog.set_level(logging.DEBUG, logger="voucherify_async")
    async with Emulator("app", SECRET, time_source=clock.time) as emulator:
        emulator.add_fault(Fault("status", route="GET /v1/orders", nth=[1, 2], status=401))
        emulator.add_fault(Fault("status", route="GET /v1/orders/{id}", status=503))
        credentials = vf.OAuthCredentials("app", SECRET)
        async with vf.AsyncVoucherify(oauth=credentials, base_url=emulator.url, clock=clock) as client:
            errors: list[BaseException] = []
            for path in ("/v1/orders", "/v1/orders/o-1"):
                with pytest.raises(vf.APIError) as caught:
                    await client._transport.request("GET", path)
                errors.append(caught.value)
            token = client._transport.auth._token  # type: ignore[union-attr]
    secrets = [SECRET, token]
    texts = [record.getMessage() for record in caplog.records] + [str(e) for e in errors]
    texts += [repr(e) for e in errors]
    assert len(caplog.records) >= 5
    assert not [text for text in texts for secret in secrets if secret and secret in text]


@pytest.mark.parametrize("base_url", ["127.0.0.1:8080", "ftp://127.0.0.1", "/v1", " "])
def test_a_base_url_that_is_not_an_absolute_http_url_is_refused(base_url: str) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="base_url must be an absolute http"):
        vf.AsyncVoucherify("app", "token", base_url=base_url)


def test_a_download_base_url_that_is_not_an_absolute_http_url_is_refused() -> None:
    with pytest.raises(vf.InvalidArgumentError, match="download_base_url"):
        vf.AsyncVoucherify("app", "token", download_base_url="download.voucherify.io")


@pytest.mark.parametrize(
    "url",
    [
        f"http://user:{SECRET}@127.0.0.1:8080",
        f"https://:{SECRET}@acme.voucherify.io/",
        f"http://{SECRET}@127.0.0.1:8080",
        f"http://user:{SECRET}%40x@[::1]:8080",
    ],
)
@pytest.mark.parametrize("argument", ["base_url", "download_base_url"])
def test_a_base_url_with_a_user_or_password_is_refused_without_showing_it(argument: str, url: str) -> None:
    with pytest.raises(
        vf.InvalidArgumentError, match=f"{argument} must not hold a user name or password"
    ) as caught:
        vf.AsyncVoucherify("app", "token", **{argument: url})  # type: ignore[arg-type]
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("url", [f"user:{SECRET}@127.0.0.1:8080", f"http://user:{SECRET}@[::1"])
def test_a_malformed_base_url_holding_an_at_sign_is_refused_without_showing_it(url: str) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="base_url must be an absolute http") as caught:
        vf.AsyncVoucherify("app", "token", base_url=url)
    assert SECRET not in str(caught.value)


def test_a_clusters_whole_host_name_is_taken_as_the_cluster() -> None:
    client = vf.AsyncVoucherify("app", "token", cluster="us1.api.voucherify.io")

    assert (client.base_url, client.download_base_url) == (
        "https://us1.api.voucherify.io",
        "https://us1.download.voucherify.io",
    )


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"max_retries": -1}, "max_retries must be a whole number"),
        ({"max_retries": 2.5}, "max_retries must be a whole number"),
        ({"max_wait": -1.0}, "max_wait must be a number of seconds"),
        ({"initial_delay": float("nan")}, "initial_delay must be a number of seconds"),
    ],
)
def test_a_retry_policy_with_a_negative_or_non_number_is_refused(
    options: dict[str, object], named: str
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=named):
        vf.RetryPolicy(**options)  # type: ignore[arg-type]


def test_with_options_refuses_a_negative_retry_count() -> None:
    client = vf.AsyncVoucherify("app", "token", base_url="http://127.0.0.1:8080")

    with pytest.raises(vf.InvalidArgumentError, match="max_retries"):
        client.with_options(max_retries=-1)
