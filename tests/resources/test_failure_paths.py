"""Failure paths through the public resource methods (the transport's own tests cover each rule in detail).

Each error kind the API answers, a 429 with Retry-After, 5xx, a dropped connection, a timeout and a
cancellation in the middle of a request, each met by a method users call.
"""

from __future__ import annotations

import anyio
import pytest

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault

pytestmark = pytest.mark.anyio

GET_ORDER = "GET /v1/orders/{id}"
LIST_ORDERS = "GET /v1/orders"
CREATE_ORDER = "POST /v1/orders"
IMPORT = "POST /v1/orders/import"
GET_EXPORT = "GET /v1/exports/{id}"


def _hits(emulator: Emulator, route: str) -> int:
    return sum(1 for request in emulator.requests if request.route == route)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, vf.BadRequestError),
        (401, vf.AuthenticationError),
        (403, vf.PermissionDeniedError),
        (404, vf.NotFoundError),
        (409, vf.ConflictError),
        (500, vf.ServerError),
    ],
)
async def test_orders_get_raises_the_error_of_its_status_without_a_retry(
    client: vf.AsyncVoucherify, emulator: Emulator, status: int, error: type[vf.APIError]
) -> None:
    emulator.add_fault(Fault("status", route=GET_ORDER, status=status))

    with pytest.raises(error) as caught:
        await client.orders.get("o-1")

    assert caught.value.status == status
    assert caught.value.request_id is not None
    assert _hits(emulator, GET_ORDER) == 1


async def test_import_orders_after_a_429_waits_its_retry_after_and_imports_once(
    client: vf.AsyncVoucherify, emulator: Emulator, clock: vf.ManualClock
) -> None:
    emulator.add_fault(Fault("status", route=IMPORT, nth=1, status=429, headers={"Retry-After": "42"}))

    await client.orders.import_orders([{"source_id": "o-1"}])

    assert clock.sleeps == [42.0]
    assert emulator.project("app").import_requests == 1
    assert list(emulator.project("app").orders) == ["o-1"]


async def test_import_orders_raises_a_rate_limit_error_once_the_retries_are_spent(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("status", route=IMPORT, status=429, headers={"Retry-After": "5"}))

    with pytest.raises(vf.RateLimitError) as caught:
        await client.with_options(max_retries=1).orders.import_orders([{"source_id": "o-1"}])

    assert caught.value.retry_after == 5.0
    assert "retry after 5 s" in str(caught.value)
    assert _hits(emulator, IMPORT) == 2


async def test_import_orders_answered_502_raises_server_error_and_is_not_resent(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    # A gateway error may hide an accepted import: a resend could import it twice.
    emulator.add_fault(Fault("status", route=IMPORT, nth=1, status=502))

    with pytest.raises(vf.ServerError):
        await client.orders.import_orders([{"source_id": "o-1"}])

    assert _hits(emulator, IMPORT) == 1


async def test_orders_list_answered_503_is_retried(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    emulator.add_fault(Fault("status", route=LIST_ORDERS, nth=[1, 2], status=503))

    page = await client.orders.list()

    assert page.total == 0
    assert _hits(emulator, LIST_ORDERS) == 3


async def test_exports_get_answered_504_is_retried(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    export = await client.orders.export(fields=["id"])
    emulator.add_fault(Fault("status", route=GET_EXPORT, nth=1, status=504))

    assert (await client.exports.get(export.id)).id == export.id
    assert _hits(emulator, GET_EXPORT) == 2


async def test_orders_create_whose_connection_drops_raises_request_sent_and_is_not_resent(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("drop", route=CREATE_ORDER))

    with pytest.raises(vf.APIConnectionError) as caught:
        await client.orders.create({"source_id": "o-1"})

    assert caught.value.request_sent is True
    assert _hits(emulator, CREATE_ORDER) == 1


async def test_orders_update_whose_connection_drops_once_is_resent(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    # PUT sets the fields given: sending it twice leaves the order as sending it once.
    await client.orders.create({"source_id": "o-1"})
    emulator.add_fault(Fault("drop", route="PUT /v1/orders/{id}", nth=1))

    order = await client.orders.update("o-1", {"status": "FULFILLED"})

    assert order.status == vf.OrderStatus.FULFILLED


async def test_orders_get_slower_than_its_timeout_raises_api_timeout_error(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("latency", route=GET_ORDER, delay=0.15))

    with pytest.raises(vf.APITimeoutError) as caught:
        await client.with_options(timeout=0.03, max_retries=1).orders.get("o-1")

    assert caught.value.request_sent is True
    assert _hits(emulator, GET_ORDER) == 2


async def test_import_orders_slower_than_its_timeout_raises_and_is_not_resent(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("latency", route=IMPORT, delay=0.15))

    with pytest.raises(vf.APITimeoutError) as caught:
        await client.with_options(timeout=0.03).orders.import_orders([{"source_id": "o-1"}])

    assert caught.value.request_sent is True
    assert _hits(emulator, IMPORT) == 1


async def test_cancelling_orders_list_mid_request_leaves_the_client_usable(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("latency", route=LIST_ORDERS, nth=1, delay=0.15))

    with anyio.move_on_after(0.03) as scope:
        await client.orders.list()

    assert scope.cancelled_caught
    assert (await client.orders.list()).total == 0


async def test_cancelling_async_actions_wait_mid_poll_stops_it(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("latency", route="GET /v1/async-actions/{id}", delay=0.15))
    action_id = await client.orders.import_orders([{"source_id": "o-1"}])

    with anyio.move_on_after(0.03) as scope:
        await client.async_actions.wait(action_id)

    assert scope.cancelled_caught
    assert _hits(emulator, "GET /v1/async-actions/{id}") <= 1
