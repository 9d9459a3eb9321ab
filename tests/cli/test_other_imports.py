"""``voucherify-async import --wait-for-other-imports`` next to another importer of the same project."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import anyio
import orjson
import pytest
from cli_process import APP_ID, APP_TOKEN, COMMAND, FAST_POLL, HeldTime, command_env, make_orders, write_jsonl

from voucherify_async.emulator import Emulator


@pytest.mark.anyio
async def test_waits_for_another_processs_import_before_sending(tmp_path: Path) -> None:
    clock = HeldTime()
    async with Emulator(
        app_id=APP_ID, app_token=APP_TOKEN, processing_rate=400, time_source=clock
    ) as emulator:
        headers = {"X-App-Id": APP_ID, "X-App-Token": APP_TOKEN, "Content-Type": "application/json"}
        async with aiohttp.ClientSession(headers=headers) as session:  # another process's import
            body = orjson.dumps(make_orders(20, start=100))
            async with session.post(f"{emulator.url}/v1/orders/import", data=body) as answer:
                assert answer.status == 200
        source = write_jsonl(tmp_path / "orders.jsonl", make_orders(5))
        argv = [
            *COMMAND,
            "import",
            str(source),
            "--wait-for-other-imports",
            "--progress",
            "plain",
            *FAST_POLL,
        ]
        async with await anyio.open_process(argv, env=command_env(emulator.url)) as process:
            assert process.stderr is not None
            seen = b""
            with anyio.fail_after(30):
                async for chunk in process.stderr:
                    seen += chunk
                    if b"waiting for another import to finish" in seen:
                        break
            clock.release()
            with anyio.fail_after(30):
                code = await process.wait()
        assert code == 0, seen.decode()
        assert emulator.project(APP_ID).imports_submitted_while_busy == 0
