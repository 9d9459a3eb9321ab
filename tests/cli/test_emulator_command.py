from __future__ import annotations

import signal
import subprocess

import aiohttp
import anyio
import pytest
from anyio.streams.text import TextReceiveStream
from cli_process import COMMAND, command_env

from voucherify_async.cli.main import main


async def first_line(stream: TextReceiveStream) -> str:
    text = ""
    async for chunk in stream:
        text += chunk
        if "\n" in text:
            break
    return text.split("\n", 1)[0]


@pytest.mark.anyio
async def test_emulator_command_prints_its_url_first_and_serves_the_api_there() -> None:
    args = [*COMMAND, "emulator", "--port", "0", "--app-id", "e-app"]
    async with await anyio.open_process(args, env=command_env(None), stderr=subprocess.DEVNULL) as process:
        assert process.stdout is not None
        with anyio.fail_after(20):
            url = await first_line(TextReceiveStream(process.stdout))
        headers = {"X-App-Id": "e-app", "X-App-Token": "token"}
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{url}/v1/orders", headers=headers) as answer,
        ):
            body = await answer.json()
        process.send_signal(signal.SIGINT)
        with anyio.fail_after(20):
            code = await process.wait()
    assert url.startswith("http://127.0.0.1:")
    assert (answer.status, body["total"], code) == (200, 0, 0)


def test_emulator_command_help_lists_its_own_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["emulator", "--help"])
    assert (exit_.value.code, "--processing-rate" in capsys.readouterr().out) == (0, True)
