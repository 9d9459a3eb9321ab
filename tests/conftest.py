"""Fixtures shared by the whole suite.

- ``clock``: a :class:`vf.ManualClock`, so waits (backoff, Retry-After, polling) take no real time.
- ``emulator``: a running :class:`~voucherify_async.emulator.Emulator` (app id ``"app"``, token ``"token"``)
  whose time is the ``clock``'s, so rate-limit windows and token expiry follow the fake time.
- ``client``: an :class:`vf.AsyncVoucherify` bound to ``emulator`` over loopback, waiting on ``clock``.
- ``state_home``: the ``XDG_STATE_HOME`` of the session, where the command keeps its default journals.
- ``web_server``: starts a small ``aiohttp.web`` application on loopback and returns its base URL, for the
  few behaviours the emulator cannot produce (a gateway's HTML error page, say).

Every test runs without the ``VOUCHERIFY_*`` variables of the shell that started it: a client built
without credentials or cluster reads them, and a developer's own must not change what a test sees.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import voucherify_async as vf

if TYPE_CHECKING:
    from voucherify_async.emulator import Emulator

StartServer = Callable[[web.Application], Awaitable[str]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session", autouse=True)
def state_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The folder of the command's default journals in this session (``XDG_STATE_HOME``), never the user's.

    Set for the whole session before any other fixture, so the commands a module-scoped fixture starts
    inherit it too.
    """
    folder = tmp_path_factory.mktemp("state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def _no_voucherify_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("VOUCHERIFY_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def clock() -> vf.ManualClock:
    """A manual clock: sleeps return at once and move its time forward."""
    return vf.ManualClock()


@pytest.fixture
async def emulator(clock: vf.ManualClock) -> AsyncIterator[Emulator]:
    """A fresh emulator on loopback sharing the ``clock``'s time."""
    from voucherify_async.emulator import Emulator

    async with Emulator(app_id="app", app_token="token", time_source=clock.time) as emu:
        yield emu


@pytest.fixture
async def client(emulator: Emulator, clock: vf.ManualClock) -> AsyncIterator[vf.AsyncVoucherify]:
    """A client of the ``emulator``'s default project whose waits go through ``clock``."""
    async with vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=clock) as client:
        yield client


@pytest.fixture
async def web_server() -> AsyncIterator[StartServer]:
    """Start ``aiohttp.web`` applications on 127.0.0.1 (a free port each) and return their base URLs."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()
