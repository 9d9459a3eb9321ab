"""``voucherify-async import --wait-for-other-imports`` next to another importer of the same project."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import orjson
import pytest
from cli_process import APP_ID, APP_TOKEN, command_env, make_orders, run_import, write_jsonl

from voucherify_async.emulator import Emulator


@pytest.mark.anyio
async def test_waits_for_another_processs_import_before_sending(tmp_path: Path) -> None:
    async with Emulator(app_id=APP_ID, app_token=APP_TOKEN, processing_rate=40) as emulator:
        # Another process's import of 20 orders, running for half a second.
        headers = {"X-App-Id": APP_ID, "X-App-Token": APP_TOKEN, "Content-Type": "application/json"}
        async with aiohttp.ClientSession(headers=headers) as session:
            body = orjson.dumps(make_orders(20, start=100))
            async with session.post(f"{emulator.url}/v1/orders/import", data=body) as answer:
                assert answer.status == 200
        source = write_jsonl(tmp_path / "orders.jsonl", make_orders(5))
        env = command_env(emulator.url)
        outcome = await run_import(source, "--wait-for-other-imports", "--progress", "plain", env=env)
        project = emulator.project(APP_ID)
        assert outcome.code == 0, outcome.output
        assert "waiting for another import to finish" in outcome.stderr
        assert project.imports_submitted_while_busy == 0
