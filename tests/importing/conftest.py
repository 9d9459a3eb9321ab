"""Fixtures of the batcher's tests: emulators with options and their clients, on the ``clock``'s fake time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest

import voucherify_async as vf
from voucherify_async.emulator import Emulator


@pytest.fixture
async def emulators(clock: vf.ManualClock) -> AsyncIterator[Callable[..., Any]]:
    """Start emulators with any options, sharing the ``clock``'s time; closed after the test."""
    async with AsyncExitStack() as stack:

        async def start(**options: Any) -> Emulator:
            options.setdefault("time_source", clock.time)
            return await stack.enter_async_context(Emulator(**options))

        yield start


@pytest.fixture
async def clients(clock: vf.ManualClock) -> AsyncIterator[Callable[..., Any]]:
    """Open clients of an emulator's project on the ``clock``; closed after the test."""
    async with AsyncExitStack() as stack:

        async def open_client(
            emu: Emulator, app_id: str = "app", app_token: str = "token"
        ) -> vf.AsyncVoucherify:
            client = vf.AsyncVoucherify(app_id, app_token, base_url=emu.url, clock=clock)
            return await stack.enter_async_context(client)

        yield open_client


@pytest.fixture(autouse=True)
def every_run_accounts_for_every_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Check the report's invariant after every run of every test, however the run ended.

    A finished run: ``orders == imported + len(failed) + len(rejected)``; a stopped one also counts the
    orders of the batch that was in flight.
    """
    from voucherify_async.importing.batcher import ImportBatcher

    original = ImportBatcher.run

    async def checked_run(self: ImportBatcher, orders: Any) -> vf.ImportReport:
        try:
            report = await original(self, orders)
        finally:
            if self.report is not None:
                r = self.report
                accounted = r.imported + len(r.failed) + len(r.rejected)
                assert r.orders == accounted + r.in_flight_orders, r
        assert report.consistent
        assert report.in_flight_orders == 0
        return report

    monkeypatch.setattr(ImportBatcher, "run", checked_run)
