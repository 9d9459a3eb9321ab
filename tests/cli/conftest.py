"""Fixtures of the command-line tests: a loopback emulator on real time and the environment pointing at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cli_process import APP_ID, APP_TOKEN, command_env

from voucherify_async.emulator import Emulator


@pytest.fixture
async def cli_emulator() -> AsyncIterator[Emulator]:
    """An emulator on real time that processes imports at once, for one project (APP_ID, APP_TOKEN)."""
    async with Emulator(app_id=APP_ID, app_token=APP_TOKEN) as emulator:
        yield emulator


@pytest.fixture
def env(cli_emulator: Emulator) -> dict[str, str]:
    """The environment that points the command at ``cli_emulator``."""
    return command_env(cli_emulator.url)


@pytest.fixture
def journals(env: dict[str, str], tmp_path: Path) -> Path:
    """The folder of the default journals of the commands run with ``env``: the test's own."""
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    return tmp_path / "state" / "voucherify-async" / "journals"
