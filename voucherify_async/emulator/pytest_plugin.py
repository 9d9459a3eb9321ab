"""The pytest plugin registered through the ``pytest11`` entry point: the ``voucherify_emulator`` fixture.

Example:
    >>> @pytest.mark.anyio                                          # doctest: +SKIP
    ... async def test_create(voucherify_emulator):
    ...     async with AsyncVoucherify("app", "token", base_url=voucherify_emulator.url) as client:
    ...         await client.orders.create({"source_id": "o-1"})
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from voucherify_async.emulator._emulator import Emulator


@pytest.fixture
async def voucherify_emulator(anyio_backend: str) -> AsyncIterator[Emulator]:
    """A running :class:`Emulator` (app id ``"app"``, app token ``"token"``), closed after the test.

    Async tests use it under anyio's pytest plugin (``@pytest.mark.anyio``) on the asyncio backend.
    """
    async with Emulator(app_id="app", app_token="token") as emulator:
        yield emulator
