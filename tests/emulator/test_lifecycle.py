from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from voucherify_async.emulator import Emulator

USER_TEST = """
import aiohttp
import pytest

HEADERS = {"X-App-Id": "app", "X-App-Token": "token"}


@pytest.mark.anyio
async def test_users_can_use_the_fixture(voucherify_emulator):
    async with aiohttp.ClientSession() as session:
        async with session.get(voucherify_emulator.url + "/v1/orders", headers=HEADERS) as response:
            assert response.status == 200


@pytest.mark.anyio
@pytest.mark.voucherify_emulator(app_id="shop", processing_rate=5)
async def test_users_can_configure_it_with_the_marker(voucherify_emulator):
    assert voucherify_emulator.project("shop").processing_rate == 5
"""


def test_url_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        _ = Emulator().url


def test_processing_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="processing_rate"):
        Emulator(processing_rate=0)


@pytest.mark.anyio
async def test_two_emulators_get_different_free_ports() -> None:
    async with Emulator() as first, Emulator() as second:
        assert first.url != second.url


@pytest.mark.anyio
async def test_starting_twice_is_an_error() -> None:
    async with Emulator() as emu:
        with pytest.raises(RuntimeError, match="already running"):
            await emu.start()


@pytest.mark.anyio
async def test_close_stops_serving_and_can_be_repeated() -> None:
    emu = Emulator()
    await emu.start()
    url = emu.url
    await emu.close()
    await emu.close()
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(url + "/v1/orders")


def test_the_pytest_plugin_serves_users_tests(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(USER_TEST)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "--strict-markers",
        "-p",
        "no:cacheprovider",
        str(tmp_path),
    ]
    finished = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "2 passed" in finished.stdout


@pytest.mark.anyio
async def test_a_body_over_the_size_limit_is_a_413_in_the_api_format(monkeypatch: pytest.MonkeyPatch) -> None:
    from voucherify_async.emulator import app

    monkeypatch.setattr(app, "MAX_BODY_BYTES", 1000)
    headers = {"X-App-Id": "app", "X-App-Token": "token", "Content-Type": "application/json"}
    async with Emulator() as emu, aiohttp.ClientSession() as session:
        body = b"[" + b",".join([b'{"source_id": "order-0000"}'] * 100) + b"]"
        async with session.post(emu.url + "/v1/orders/import", data=body, headers=headers) as response:
            assert response.status == 413
            assert (await response.json())["code"] == 413
        assert emu.project().import_requests == 0


def test_the_emulator_imports_nothing_of_the_sdk() -> None:
    import ast

    import voucherify_async.emulator as package

    imported: set[str] = set()
    for module in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    sdk = {name for name in imported if name.startswith("voucherify_async")}
    assert sdk
    assert all(name.startswith("voucherify_async.emulator") for name in sdk), sorted(sdk)
