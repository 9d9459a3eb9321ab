"""The pytest plugin registered through the ``pytest11`` entry point: the ``voucherify_emulator`` fixture.

The fixture is a running :class:`Emulator` (app id ``"app"``, app token ``"token"``) on a free loopback
port, closed after the test. A test can configure it with the ``voucherify_emulator`` marker, whose keyword
arguments go to :class:`Emulator`.

Example:
    >>> @pytest.mark.anyio                                          # doctest: +SKIP
    ... @pytest.mark.voucherify_emulator(processing_rate=100, rate_limits=RateLimits(bulk_calls_per_hour=1))
    ... async def test_import(voucherify_emulator):
    ...     async with AsyncVoucherify("app", "token", base_url=voucherify_emulator.url) as client:
    ...         ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from voucherify_async.emulator._emulator import Emulator

MARKER = "voucherify_emulator"


def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers", f"{MARKER}(**options): options of the voucherify_emulator fixture's Emulator"
    )


@pytest.fixture
async def voucherify_emulator(request: pytest.FixtureRequest, anyio_backend: str) -> AsyncIterator[Emulator]:
    """A running :class:`Emulator` (app id ``"app"``, app token ``"token"``), closed after the test.

    Async tests use it under anyio's pytest plugin (``@pytest.mark.anyio``) on the asyncio backend.
    Options come from the test's ``@pytest.mark.voucherify_emulator(...)`` marker, if any.
    """
    marker = request.node.get_closest_marker(MARKER)
    options: dict[str, Any] = {"app_id": "app", "app_token": "token"}
    if marker is not None:
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only")
        options.update(marker.kwargs)
    async with Emulator(**options) as emulator:
        yield emulator
