"""Retries, waits and deadlines of the transport, against the emulator over loopback."""

from __future__ import annotations

import socket
from typing import Any

import aiohttp
import aiohttp.abc
import anyio
import pytest

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault, RateLimits

pytestmark = pytest.mark.anyio

ORDERS = "GET /v1/orders"
IMPORT = "POST /v1/orders/import"


def hits(emulator: Emulator, route: str) -> int:
    return sum(1 for request in emulator.requests if request.route == route)


async def test_a_503_then_success_is_retried_and_succeeds(
    emulator: Emulator, client: vf.AsyncVoucherify
) -> None:
    emulator.add_fault(Fault("status", route=ORDERS, nth=1, status=503))
    answer = await client._transport.request("GET", "/v1/orders")
    assert "orders" in answer
    assert hits(emulator, ORDERS) == 2


@pytest.mark.parametrize("status", [408, 429, 502, 503, 504])
async def test_each_retryable_status_is_retried_for_a_get(
    emulator: Emulator, client: vf.AsyncVoucherify, status: int
) -> None:
    emulator.add_fault(Fault("status", route=ORDERS, nth=1, status=status))
    await client._transport.request("GET", "/v1/orders")
    assert hits(emulator, ORDERS) == 2


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, vf.BadRequestError),
        (401, vf.AuthenticationError),
        (403, vf.PermissionDeniedError),
        (404, vf.NotFoundError),
        (409, vf.ConflictError),
        (500, vf.ServerError),
    ],
)
async def test_other_errors_are_raised_without_a_retry(
    emulator: Emulator, client: vf.AsyncVoucherify, status: int, error_class: type[vf.APIError]
) -> None:
    emulator.add_fault(Fault("status", route=ORDERS, status=status))
    with pytest.raises(error_class) as caught:
        await client._transport.request("GET", "/v1/orders")
    assert caught.value.status == status
    assert hits(emulator, ORDERS) == 1


async def test_default_is_three_retries_so_four_attempts(
    emulator: Emulator, client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    emulator.add_fault(Fault("status", route=ORDERS, status=503))
    with pytest.raises(vf.ServerError):
        await client._transport.request("GET", "/v1/orders")
    assert vf.DEFAULT_MAX_RETRIES == 3
    assert client.max_retries == 3
    assert hits(emulator, ORDERS) == 4
    assert len(clock.sleeps) == 3


async def test_max_retries_zero_makes_one_attempt(emulator: Emulator, client: vf.AsyncVoucherify) -> None:
    emulator.add_fault(Fault("status", route=ORDERS, status=503))
    with pytest.raises(vf.ServerError):
        await client._transport.request("GET", "/v1/orders", max_retries=0)
    assert hits(emulator, ORDERS) == 1


async def test_backoff_waits_stay_under_their_growing_caps(
    emulator: Emulator, client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    emulator.add_fault(Fault("status", route=ORDERS, status=502))
    with pytest.raises(vf.ServerError):
        await client._transport.request("GET", "/v1/orders", max_retries=8)
    policy = vf.RetryPolicy()
    caps = [min(policy.max_delay, policy.initial_delay * 2**n) for n in range(8)]
    assert len(clock.sleeps) == 8
    assert all(0 <= wait <= cap for wait, cap in zip(clock.sleeps, caps, strict=True))
    assert caps[-1] == policy.max_delay


def test_full_jitter_draws_between_zero_and_the_cap() -> None:
    policy = vf.RetryPolicy(initial_delay=0.5, max_delay=30.0)
    assert policy.backoff(0, lambda: 1.0) == 0.5
    assert policy.backoff(3, lambda: 0.5) == 2.0
    assert policy.backoff(10, lambda: 1.0) == 30.0
    assert policy.backoff(10, lambda: 0.0) == 0.0


def test_a_reset_time_already_past_falls_back_to_backoff() -> None:
    error = vf.RateLimitError(429, reset_at=1_000.0)
    assert vf.RetryPolicy(initial_delay=0.5).delay(error, 0, now=2_000.0, draw=lambda: 1.0) == 0.5


def test_a_connection_error_of_a_post_is_retried_only_when_never_sent() -> None:
    policy = vf.RetryPolicy()
    sent = vf.APIConnectionError("broken", request_sent=True)
    not_sent = vf.APIConnectionError("refused", request_sent=False)
    assert (policy.may_retry(sent, idempotent=False), policy.may_retry(not_sent, idempotent=False)) == (
        False,
        True,
    )
    assert policy.may_retry(sent, idempotent=True)


async def test_retry_after_of_a_429_is_waited_exactly(
    emulator: Emulator, client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    emulator.add_fault(Fault("status", route=ORDERS, nth=1, status=429, headers={"Retry-After": "37"}))
    await client._transport.request("GET", "/v1/orders")
    assert clock.sleeps == [37.0]


async def test_an_hour_long_retry_after_is_honoured_in_full(
    emulator: Emulator, client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    emulator.add_fault(Fault("status", route=IMPORT, nth=1, status=429, headers={"Retry-After": "3599"}))
    await client._transport.request("POST", "/v1/orders/import", content=b'[{"source_id":"o-1"}]')
    assert clock.sleeps == [3599.0]
    assert hits(emulator, IMPORT) == 2


async def test_x_rate_limit_retry_sets_the_wait_when_retry_after_is_missing(
    emulator: Emulator, client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    reset_at = int(clock.time()) + 1800
    headers = {"Retry-After": "", "X-Rate-Limit-Retry": str(reset_at)}
    emulator.add_fault(Fault("status", route=ORDERS, nth=1, status=429, headers=headers))
    await client._transport.request("GET", "/v1/orders")
    assert clock.sleeps == [1800.0]


async def test_a_503_retry_after_is_honoured(
    emulator: Emulator, client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    emulator.add_fault(Fault("status", route=ORDERS, nth=1, status=503, headers={"Retry-After": "12"}))
    await client._transport.request("GET", "/v1/orders")
    assert clock.sleeps == [12.0]


async def test_a_wait_longer_than_max_wait_raises_at_once(emulator: Emulator, clock: vf.ManualClock) -> None:
    emulator.add_fault(Fault("status", route=ORDERS, status=429, headers={"Retry-After": "3600"}))
    policy = vf.RetryPolicy(max_wait=60.0)
    async with vf.AsyncVoucherify(
        "app", "token", base_url=emulator.url, clock=clock, retry_policy=policy
    ) as c:
        with pytest.raises(vf.RateLimitError) as caught:
            await c._transport.request("GET", "/v1/orders")
    assert caught.value.retry_after == 3600.0
    assert clock.sleeps == []


async def test_a_deadline_shorter_than_retry_after_raises_instead_of_sleeping(
    emulator: Emulator, client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    emulator.add_fault(Fault("status", route=ORDERS, status=429, headers={"Retry-After": "60"}))
    with anyio.fail_after(5), pytest.raises(vf.RateLimitError):
        await client._transport.request("GET", "/v1/orders")
    assert clock.sleeps == []
    assert hits(emulator, ORDERS) == 1


async def test_a_dropped_connection_is_retried_for_a_get(
    emulator: Emulator, client: vf.AsyncVoucherify
) -> None:
    # Two drops in a row: aiohttp itself resends an idempotent request once after a disconnect
    # (ClientSession._request, after RFC 9112 "Retrying Requests"), so only the second drop reaches the
    # transport's own retry.
    emulator.add_fault(Fault("drop", route=ORDERS, nth=[1, 2]))
    await client._transport.request("GET", "/v1/orders")
    assert hits(emulator, ORDERS) == 3


async def test_a_dropped_post_raises_request_sent_and_is_not_resent(
    emulator: Emulator, client: vf.AsyncVoucherify
) -> None:
    emulator.add_fault(Fault("drop", route=IMPORT, nth=1))
    with pytest.raises(vf.APIConnectionError) as caught:
        await client._transport.request("POST", "/v1/orders/import", content=b'[{"source_id":"o-1"}]')
    assert caught.value.request_sent is True
    assert hits(emulator, IMPORT) == 1


async def test_a_lost_ack_import_is_queued_once_and_not_resent(
    emulator: Emulator, client: vf.AsyncVoucherify
) -> None:
    emulator.add_fault(Fault("lost_ack", route=IMPORT, nth=1))
    with pytest.raises(vf.APIConnectionError) as caught:
        await client._transport.request("POST", "/v1/orders/import", content=b'[{"source_id":"o-1"}]')
    assert caught.value.request_sent is True
    assert emulator.project("app").import_requests == 1
    assert hits(emulator, IMPORT) == 1


@pytest.mark.parametrize("status", [408, 429, 503])
async def test_a_post_is_resent_after_a_status_proving_it_was_not_processed(
    emulator: Emulator, client: vf.AsyncVoucherify, status: int
) -> None:
    emulator.add_fault(Fault("status", route=IMPORT, nth=1, status=status))
    await client._transport.request("POST", "/v1/orders/import", content=b'[{"source_id":"o-1"}]')
    assert hits(emulator, IMPORT) == 2
    assert emulator.project("app").import_requests == 1


@pytest.mark.parametrize("status", [502, 504])
async def test_a_post_is_not_resent_after_a_gateway_error(
    emulator: Emulator, client: vf.AsyncVoucherify, status: int
) -> None:
    emulator.add_fault(Fault("status", route=IMPORT, nth=1, status=status))
    with pytest.raises(vf.ServerError):
        await client._transport.request("POST", "/v1/orders/import", content=b'[{"source_id":"o-1"}]')
    assert hits(emulator, IMPORT) == 1


async def test_an_idempotent_post_may_be_resent_after_a_drop(
    emulator: Emulator, client: vf.AsyncVoucherify
) -> None:
    emulator.add_fault(Fault("drop", route="POST /v1/orders", nth=1))
    await client._transport.request("POST", "/v1/orders", json={"source_id": "o-1"}, idempotent=True)
    assert hits(emulator, "POST /v1/orders") == 2


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_a_refused_connection_is_not_sent_and_is_retried(clock: vf.ManualClock) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    async with vf.AsyncVoucherify("app", "token", base_url=url, clock=clock) as client:
        with pytest.raises(vf.APIConnectionError) as caught:
            await client._transport.request("POST", "/v1/orders/import", content=b"[]")
    assert caught.value.request_sent is False
    assert not isinstance(caught.value, vf.APITimeoutError)
    assert len(clock.sleeps) == 3


async def test_a_refused_connection_names_the_host_and_the_cause() -> None:
    port = closed_port()
    async with vf.AsyncVoucherify("app", "token", base_url=f"http://127.0.0.1:{port}") as client:
        with pytest.raises(vf.APIConnectionError) as caught:
            await client.with_options(max_retries=0).orders.get("o-1")
    assert (caught.value.host, caught.value.reason) == (f"127.0.0.1:{port}", "connection refused")
    assert f"could not connect to 127.0.0.1:{port} (connection refused)" in str(caught.value)


class _NoNameResolves(aiohttp.abc.AbstractResolver):
    """A resolver that finds no host: the test asks no DNS server (tests contact loopback only)."""

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async def close(self) -> None:
        pass


async def test_a_host_name_that_does_not_resolve_says_so() -> None:
    connector = aiohttp.TCPConnector(resolver=_NoNameResolves())
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        vf.AsyncVoucherify(
            "app", "token", base_url="http://voucherify-typo.invalid", session=session
        ) as client,
    ):
        with pytest.raises(vf.APIConnectionError) as caught:
            await client.with_options(max_retries=0).orders.get("o-1")
    assert caught.value.host == "voucherify-typo.invalid:80"
    assert caught.value.reason.startswith("host name not found")


async def test_a_slow_answer_raises_a_timeout(emulator: Emulator, client: vf.AsyncVoucherify) -> None:
    emulator.add_fault(Fault("latency", route=ORDERS, delay=0.3))
    with pytest.raises(vf.APITimeoutError) as caught:
        await client._transport.request("GET", "/v1/orders", timeout=0.05, max_retries=0)
    assert caught.value.request_sent is True


async def test_a_timed_out_get_is_retried(emulator: Emulator, client: vf.AsyncVoucherify) -> None:
    emulator.add_fault(Fault("latency", route=ORDERS, nth=1, delay=0.3))
    fast = client.with_options(timeout=0.05)
    await fast._transport.request("GET", "/v1/orders")
    assert hits(emulator, ORDERS) == 2


async def test_a_timed_out_post_is_not_resent(emulator: Emulator, client: vf.AsyncVoucherify) -> None:
    emulator.add_fault(Fault("latency", route=IMPORT, nth=1, delay=0.3))
    with pytest.raises(vf.APITimeoutError):
        await client._transport.request("POST", "/v1/orders/import", content=b"[]", timeout=0.05)
    assert hits(emulator, IMPORT) == 1


async def test_cancellation_mid_request_leaves_the_client_usable(
    emulator: Emulator, client: vf.AsyncVoucherify
) -> None:
    emulator.add_fault(Fault("latency", route=ORDERS, nth=1, delay=0.3))
    with anyio.move_on_after(0.05) as scope:
        await client._transport.request("GET", "/v1/orders")
    assert scope.cancelled_caught
    assert "orders" in await client._transport.request("GET", "/v1/orders")


class BlockingClock(vf.ManualClock):
    """Sleeps block until cancelled, to cancel a request in the middle of its backoff."""

    def __init__(self) -> None:
        super().__init__()
        self.sleeping = anyio.Event()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.sleeping.set()
        await anyio.sleep_forever()


async def test_cancellation_mid_backoff_stops_the_retries(emulator: Emulator) -> None:
    emulator.add_fault(Fault("status", route=ORDERS, status=503))
    clock = BlockingClock()
    async with (
        vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=clock) as client,
        anyio.create_task_group() as group,
    ):
        group.start_soon(client._transport.request, "GET", "/v1/orders")
        await clock.sleeping.wait()
        group.cancel_scope.cancel()
    assert len(clock.sleeps) == 1
    assert hits(emulator, ORDERS) == 1


async def test_rate_limit_headers_are_kept_after_every_answer(clock: vf.ManualClock) -> None:
    limits = RateLimits(api_calls_per_minute=100, bulk_calls_per_hour=10)
    async with (
        Emulator("app", "token", time_source=clock.time, rate_limits=limits) as emulator,
        vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=clock) as client,
    ):
        await client._transport.request("POST", "/v1/orders/import", content=b'[{"source_id":"o-1"}]')
        await client._transport.request("GET", "/v1/orders")
    assert client.rate_limit == vf.RateLimitInfo(
        limit=100, remaining=98, reset_at=clock.time() + 60, limit_type="api_calls"
    )
    assert client.rate_limits["bulk_api_calls"].remaining == 9


async def test_a_spent_general_budget_is_waited_for_instead_of_earning_a_429(clock: vf.ManualClock) -> None:
    limits = RateLimits(api_calls_per_minute=2)
    async with (
        Emulator("app", "token", time_source=clock.time, rate_limits=limits) as emulator,
        vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=clock) as client,
    ):
        for _ in range(3):
            await client.orders.list()
    assert [request.status for request in emulator.requests] == [200, 200, 200]
    assert clock.sleeps == [pytest.approx(60.0)]


async def test_a_spent_budget_past_the_callers_deadline_raises_the_429_without_waiting(
    clock: vf.ManualClock,
) -> None:
    limits = RateLimits(api_calls_per_minute=1)
    async with (
        Emulator("app", "token", time_source=clock.time, rate_limits=limits) as emulator,
        vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=clock) as client,
    ):
        await client.orders.list()
        with anyio.fail_after(30), pytest.raises(vf.RateLimitError):
            await client.orders.list()
    assert [request.status for request in emulator.requests] == [200, 429]
    assert clock.sleeps == []


async def test_a_spent_budget_longer_than_max_wait_is_not_waited_for(clock: vf.ManualClock) -> None:
    limits = RateLimits(api_calls_per_minute=1)
    policy = vf.RetryPolicy(max_wait=10.0)
    async with (
        Emulator("app", "token", time_source=clock.time, rate_limits=limits) as emulator,
        vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=clock, retry_policy=policy) as client,
    ):
        await client.orders.list()
        with pytest.raises(vf.RateLimitError):
            await client.orders.list()
    assert clock.sleeps == []
