from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.emulator.conftest import Api, order
from voucherify_async.emulator import Emulator

pytestmark = pytest.mark.anyio


@pytest.fixture
async def strict() -> AsyncIterator[tuple[Emulator, Api]]:
    async with (
        Emulator(metadata_schema={"channel": ["web", "store"]}) as emu,
        aiohttp.ClientSession() as session,
    ):
        yield emu, Api(session, emu.url)


async def test_import_breaking_the_rule_is_a_400_naming_the_metadata_path(
    strict: tuple[Emulator, Api],
) -> None:
    emu, api = strict
    orders = [order("a", metadata={"channel": "web"}), order("b", metadata={"channel": "phone"})]
    status, error, _ = await api.call("POST", "/v1/orders/import", json=orders)
    assert status == 400
    assert error["key"] == "invalid_payload"
    assert error["details"] == "Property .metadata.channel must be one of: web, store"
    assert emu.project().import_requests == 0


async def test_orders_keeping_the_rule_import(strict: tuple[Emulator, Api]) -> None:
    _, api = strict
    orders = [order("a", metadata={"channel": "store"}), order("b", metadata={"other": 1}), order("c")]
    status, _, _ = await api.call("POST", "/v1/orders/import", json=orders)
    assert status == 200


async def test_the_rule_applies_to_each_value_of_a_list(strict: tuple[Emulator, Api]) -> None:
    _, api = strict
    status, _, _ = await api.call("POST", "/v1/orders", json=order("a", metadata={"channel": ["web", "fax"]}))
    assert status == 400
