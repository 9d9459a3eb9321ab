"""Ids that mean something in a URL (``.``, ``..``, ``/``, ``%``, ``?``, ``#``...) reach the server unchanged.

An order's ``source_id`` is the user's own string; every path that carries an id must name that id and no
other path: not ``GET /v1/`` for ``..``, not ``GET /v1/orders/`` for ``.``.
"""

from __future__ import annotations

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import voucherify_async as vf
from voucherify_async.emulator import Emulator
from voucherify_async.resources._paths import path_with_id

ODD_IDS = [
    ".",
    "..",
    "...",
    "/",
    "%",
    "?",
    "#",
    " ",
    ";",
    "+",
    "a/../b",
    "../x",
    "x/..",
    "./.",
    "%2F",
    "%2E",
    "%2E%2E",
    "a%2Fb",
    "%25",
    "a?b=c#d",
    "{",
    "}",
    "{id}",
    "import",
    "zamówienie-ü",
    "🧾 order",
]

EXPORT_IDS = ODD_IDS

_GET = "GET /v1/orders/{id}"
_PUT = "PUT /v1/orders/{id}"


async def _create_get_update(client: vf.AsyncVoucherify, order_id: str) -> tuple[vf.Order, ...]:
    created = await client.orders.create({"source_id": order_id, "status": "PAID", "amount": 1000})
    fetched = await client.orders.get(order_id)
    updated = await client.orders.update(order_id, {"amount": 2000})
    return created, fetched, updated


def _recorded(emulator: Emulator, route: str) -> list[tuple[str, int]]:
    return [(request.path, request.status) for request in emulator.requests if request.route == route]


@pytest.mark.anyio
@pytest.mark.parametrize("order_id", ODD_IDS)
async def test_get_and_update_name_the_order_created_with_that_source_id(
    client: vf.AsyncVoucherify, order_id: str
) -> None:
    created, fetched, updated = await _create_get_update(client, order_id)

    assert [order.source_id for order in (created, fetched, updated)] == [order_id] * 3
    assert fetched.id == updated.id == created.id
    assert updated.amount == 2000


@pytest.mark.anyio
@pytest.mark.parametrize("order_id", ODD_IDS)
async def test_the_emulator_receives_the_id_as_one_path_segment(
    client: vf.AsyncVoucherify, emulator: Emulator, order_id: str
) -> None:
    await _create_get_update(client, order_id)

    # The recorded path is the decoded one: the route proves the id stayed one segment.
    assert _recorded(emulator, _GET) == [(f"/v1/orders/{order_id}", 200)]
    assert _recorded(emulator, _PUT) == [(f"/v1/orders/{order_id}", 200)]


@pytest.mark.anyio
@pytest.mark.parametrize("order_id", ODD_IDS)
async def test_an_unknown_id_is_not_found_under_that_id(
    client: vf.AsyncVoucherify, emulator: Emulator, order_id: str
) -> None:
    with pytest.raises(vf.NotFoundError) as raised:
        await client.orders.get(order_id)

    assert (raised.value.resource_type, raised.value.resource_id) == ("order", order_id)
    assert _recorded(emulator, _GET) == [(f"/v1/orders/{order_id}", 404)]


@pytest.mark.anyio
@pytest.mark.parametrize("action_id", ODD_IDS)
async def test_an_unknown_async_action_id_is_not_found_under_that_id(
    client: vf.AsyncVoucherify, action_id: str
) -> None:
    with pytest.raises(vf.NotFoundError) as raised:
        await client.async_actions.get(action_id)

    assert (raised.value.resource_type, raised.value.resource_id) == ("async_action", action_id)


@pytest.mark.anyio
@pytest.mark.parametrize("export_id", EXPORT_IDS)
async def test_an_unknown_export_id_is_not_found_under_that_id(
    client: vf.AsyncVoucherify, export_id: str
) -> None:
    with pytest.raises(vf.NotFoundError) as raised:
        await client.exports.get(export_id)

    assert (raised.value.resource_type, raised.value.resource_id) == ("export", export_id)


@pytest.mark.anyio
@pytest.mark.parametrize("export_id", EXPORT_IDS)
async def test_the_download_route_receives_the_export_id_as_one_path_segment(
    client: vf.AsyncVoucherify, emulator: Emulator, export_id: str
) -> None:
    path = path_with_id("/download/v1/exports/", export_id)
    # No such export: the emulator's download route answers 401 whatever the token.
    with pytest.raises(vf.AuthenticationError):
        async with client._transport.stream("GET", path, params={"token": "t"}, authenticate=False):
            pass

    expected = [(f"/download/v1/exports/{export_id}", 401)]
    assert _recorded(emulator, "GET /download/v1/exports/{id}") == expected


async def _round_trip_alone(order_id: str) -> None:
    # A fresh emulator per example: hypothesis runs the examples of one test call, which function-scoped
    # pytest fixtures (the shared ``emulator`` and ``client``) cannot follow.
    async with (
        Emulator(app_id="app", app_token="token") as emulator,
        vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=vf.ManualClock()) as client,
    ):
        created, fetched, updated = await _create_get_update(client, order_id)
        assert [order.source_id for order in (created, fetched, updated)] == [order_id] * 3
        assert fetched.id == updated.id == created.id
        assert _recorded(emulator, _GET) == [(f"/v1/orders/{order_id}", 200)]
        assert _recorded(emulator, _PUT) == [(f"/v1/orders/{order_id}", 200)]


# Text in general, and text made of the pieces that URL parsers treat specially.
_URL_PIECES = [".", "..", "/", "%", "%2E", "%2F", "?", "#", ";", "+", " ", "{", "}", "a", "ü"]
_ANY_IDS = st.text(min_size=1) | st.lists(st.sampled_from(_URL_PIECES), min_size=1, max_size=4).map("".join)


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(order_id=_ANY_IDS)
def test_any_text_round_trips_as_an_order_id(order_id: str) -> None:
    anyio.run(_round_trip_alone, order_id, backend="asyncio")
