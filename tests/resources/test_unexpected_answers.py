"""A 200 answer that is not the resource asked for raises UnexpectedAnswer, a VoucherifyError."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

import voucherify_async as vf
from tests.conftest import StartServer
from voucherify_async.resources import UnexpectedAnswer

pytestmark = pytest.mark.anyio


@pytest.fixture
async def odd_client(web_server: StartServer, clock: vf.ManualClock) -> AsyncIterator[vf.AsyncVoucherify]:
    """A client of a server that answers 200 with bodies of the wrong shape."""

    async def wrong(_: web.Request) -> web.Response:
        return web.json_response({"items": "not a list", "secret": "download-token"})

    app = web.Application()
    app.router.add_get("/v1/orders/{id}", wrong)
    app.router.add_get("/v1/async-actions/{id}", wrong)
    app.router.add_post("/v1/orders/import", wrong)
    base_url = await web_server(app)
    async with vf.AsyncVoucherify("app", "token", base_url=base_url, clock=clock) as client:
        yield client


async def test_an_order_of_the_wrong_shape_raises_unexpected_answer(odd_client: vf.AsyncVoucherify) -> None:
    with pytest.raises(UnexpectedAnswer, match="does not read as Order") as caught:
        await odd_client.orders.get("o-1")

    assert isinstance(caught.value, vf.VoucherifyError)
    assert "download-token" not in str(caught.value)


async def test_an_action_without_an_id_raises_unexpected_answer(odd_client: vf.AsyncVoucherify) -> None:
    with pytest.raises(UnexpectedAnswer, match="AsyncAction"):
        await odd_client.async_actions.get("aa_1")


async def test_an_import_answer_without_an_action_id_raises_unexpected_answer(
    odd_client: vf.AsyncVoucherify,
) -> None:
    with pytest.raises(UnexpectedAnswer, match="async_action_id"):
        await odd_client.orders.import_orders([{"source_id": "o-1"}])
