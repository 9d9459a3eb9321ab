"""client.exports against the emulator: get, wait, download, rows."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

import voucherify_async as vf
from tests.conftest import StartServer
from voucherify_async.emulator import Emulator
from voucherify_async.resources.async_actions import WaitTimeout
from voucherify_async.resources.exports import ExportFailed

pytestmark = pytest.mark.anyio

EXPORT_DELAY = 6.0
"""Seconds of the manual clock the slow emulator takes to finish an export."""


@pytest.fixture
async def slow_emulator(clock: vf.ManualClock) -> AsyncIterator[Emulator]:
    async with Emulator(time_source=clock.time, export_delay=EXPORT_DELAY) as emu:
        yield emu


@pytest.fixture
async def slow_client(slow_emulator: Emulator, clock: vf.ManualClock) -> AsyncIterator[vf.AsyncVoucherify]:
    async with vf.AsyncVoucherify("app", "token", base_url=slow_emulator.url, clock=clock) as client:
        yield client


async def _three_orders(client: vf.AsyncVoucherify) -> None:
    await client.orders.create({"source_id": "o-1", "status": "PAID", "amount": 100})
    await client.orders.create({"source_id": "o-2", "status": "CREATED", "amount": 200})
    await client.orders.create({"source_id": 'o,3 "quoted"', "status": "PAID", "amount": 300})


async def test_rows_yield_the_csv_as_dicts(client: vf.AsyncVoucherify) -> None:
    await _three_orders(client)
    export = await client.orders.export(fields=["source_id", "amount"], order="created_at")

    rows = [row async for row in client.exports.rows(export.id)]

    assert rows == [
        {"Source ID": "o-1", "Amount": "100"},
        {"Source ID": "o-2", "Amount": "200"},
        {"Source ID": 'o,3 "quoted"', "Amount": "300"},
    ]


async def test_rows_apply_the_export_filters(client: vf.AsyncVoucherify) -> None:
    await _three_orders(client)
    export = await client.orders.export(
        fields=["source_id"], filters={"junction": "and", "status": {"conditions": {"$in": ["CREATED"]}}}
    )

    assert [row async for row in client.exports.rows(export)] == [{"Source ID": "o-2"}]


async def test_rows_wait_for_a_scheduled_export(
    slow_client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    await _three_orders(slow_client)
    export = await slow_client.orders.export(fields=["source_id"])
    assert export.status == vf.ExportStatus.SCHEDULED

    rows = [row async for row in slow_client.exports.rows(export)]

    assert len(rows) == 3
    assert clock.monotonic() >= EXPORT_DELAY


async def test_download_streams_the_csv_bytes(client: vf.AsyncVoucherify) -> None:
    await _three_orders(client)
    export = await client.orders.export(fields=["source_id"], order="created_at")

    data = b"".join([chunk async for chunk in client.exports.download(export.id)])

    assert data.decode().splitlines() == ["Source ID", "o-1", "o-2", '"o,3 ""quoted"""']


async def test_download_does_not_send_the_app_token(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    export = await client.orders.export(fields=["id"])

    _ = [chunk async for chunk in client.exports.download(export.id)]

    download = [request for request in emulator.requests if "download" in request.path]
    assert [request.project for request in download] == [None]


async def test_get_returns_the_export_with_its_url_once_done(client: vf.AsyncVoucherify) -> None:
    export = await client.orders.export(fields=["id"])

    fetched = await client.exports.get(export.id)

    assert fetched.status == vf.ExportStatus.DONE
    assert fetched.result is not None
    assert fetched.result.url is not None
    assert "token=***" in repr(fetched)


async def test_get_of_an_unknown_export_raises_not_found(client: vf.AsyncVoucherify) -> None:
    with pytest.raises(vf.NotFoundError):
        await client.exports.get("exp_unknown")


async def test_wait_returns_the_export_when_done(
    slow_client: vf.AsyncVoucherify, slow_emulator: Emulator
) -> None:
    export = await slow_client.orders.export(fields=["id"])

    done = await slow_client.exports.wait(export.id)

    assert done.status == vf.ExportStatus.DONE
    polls = [request for request in slow_emulator.requests if request.route == "GET /v1/exports/{id}"]
    assert 2 <= len(polls) <= 8


async def test_wait_raises_wait_timeout_at_the_deadline(
    slow_client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    export = await slow_client.orders.export(fields=["id"])
    started = clock.monotonic()

    with pytest.raises(WaitTimeout) as caught:
        await slow_client.exports.wait(export.id, timeout=2.0)

    assert clock.monotonic() - started == pytest.approx(2.0)
    assert (caught.value.resource_id, caught.value.timeout) == (export.id, 2.0)


async def test_wait_raises_export_failed_for_an_export_in_error(
    web_server: StartServer, clock: vf.ManualClock
) -> None:
    # The emulator's exports always succeed; a stand-in server answers the one ERROR.
    async def get_export(request: web.Request) -> web.Response:
        return web.json_response({"id": request.match_info["id"], "status": "ERROR", "result": None})

    app = web.Application()
    app.router.add_get("/v1/exports/{id}", get_export)
    base_url = await web_server(app)

    async with vf.AsyncVoucherify("app", "token", base_url=base_url, clock=clock) as client:
        with pytest.raises(ExportFailed) as caught:
            await client.exports.wait("exp_1")

    assert caught.value.export.id == "exp_1"


async def test_rows_of_an_unknown_export_raise_not_found(client: vf.AsyncVoucherify) -> None:
    with pytest.raises(vf.NotFoundError):
        _ = [row async for row in client.exports.rows("exp_unknown")]


async def test_rows_raise_a_connection_error_when_the_download_breaks(
    web_server: StartServer, clock: vf.ManualClock
) -> None:
    async def get_export(request: web.Request) -> web.Response:
        url = f"{request.url.origin()}/download/exp_1?token=t"
        return web.json_response({"id": "exp_1", "status": "DONE", "result": {"url": url}})

    async def download(request: web.Request) -> web.StreamResponse:
        # Promise 1000 bytes, send a header and one row, then hang up.
        response = web.StreamResponse(headers={"Content-Length": "1000", "Content-Type": "text/csv"})
        await response.prepare(request)
        await response.write(b"ID,Status\nord_1,PAID\n")
        assert request.transport is not None
        request.transport.close()
        return response

    app = web.Application()
    app.router.add_get("/v1/exports/{id}", get_export)
    app.router.add_get("/download/{id}", download)
    base_url = await web_server(app)
    rows: list[dict[str, str]] = []

    async def read_all(client: vf.AsyncVoucherify) -> None:
        async for row in client.exports.rows("exp_1"):
            rows.append(row)

    async with vf.AsyncVoucherify("app", "token", base_url=base_url, clock=clock) as client:
        with pytest.raises(vf.APIConnectionError):
            await read_all(client)

    assert rows == [{"ID": "ord_1", "Status": "PAID"}]


async def test_wait_calls_on_poll_with_each_polled_export(slow_client: vf.AsyncVoucherify) -> None:
    statuses: list[object] = []
    export = await slow_client.orders.export(fields=["id"])

    await slow_client.exports.wait(export.id, on_poll=lambda polled: statuses.append(polled.status))

    assert statuses[-1] == vf.ExportStatus.DONE
    assert len(statuses) >= 2


async def test_a_download_path_without_a_host_is_fetched_from_the_download_host(
    web_server: StartServer, clock: vf.ManualClock
) -> None:
    downloads: list[web.Request] = []

    async def export(request: web.Request) -> web.Response:
        done = {"id": "exp_1", "object": "export", "status": "DONE"}
        return web.json_response({**done, "result": {"url": "/v1/exports/exp_1?token=t-1"}})

    async def download(request: web.Request) -> web.Response:
        downloads.append(request)
        return web.Response(text="Source ID\no-1\n", content_type="text/csv")

    api, files = web.Application(), web.Application()
    api.router.add_get("/v1/exports/exp_1", export)
    files.router.add_get("/v1/exports/exp_1", download)
    api_url, files_url = await web_server(api), await web_server(files)
    async with vf.AsyncVoucherify(
        "app", "token", base_url=api_url, download_base_url=files_url, clock=clock
    ) as client:
        rows = [row async for row in client.exports.rows("exp_1")]

    assert rows == [{"Source ID": "o-1"}]
    assert downloads[0].query["token"] == "t-1"
    assert "X-App-Token" not in downloads[0].headers


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain; charset=utf-8",  # the spec's type (exports.json, download-export), the emulator's
        "text/csv; charset=utf-8",
        "text/csv",
        "application/octet-stream",
    ],
)
async def test_download_and_rows_read_the_file_whatever_its_content_type(
    web_server: StartServer, clock: vf.ManualClock, content_type: str
) -> None:
    async def export(request: web.Request) -> web.Response:
        url = f"{request.url.origin()}/download/exp_1?token=t"
        return web.json_response({"id": "exp_1", "status": "DONE", "result": {"url": url}})

    async def download(request: web.Request) -> web.Response:
        return web.Response(body=b"Source ID,Status\no-1,PAID\n", headers={"Content-Type": content_type})

    app = web.Application()
    app.router.add_get("/v1/exports/exp_1", export)
    app.router.add_get("/download/exp_1", download)
    base_url = await web_server(app)

    async with vf.AsyncVoucherify("app", "token", base_url=base_url, clock=clock) as client:
        data = b"".join([chunk async for chunk in client.exports.download("exp_1")])
        rows = [row async for row in client.exports.rows("exp_1")]

    assert data == b"Source ID,Status\no-1,PAID\n"
    assert rows == [{"Source ID": "o-1", "Status": "PAID"}]


async def test_rows_of_a_file_that_is_not_utf8_raise_unexpected_answer(
    web_server: StartServer, clock: vf.ManualClock
) -> None:
    async def export(request: web.Request) -> web.Response:
        url = f"{request.url.origin()}/download/exp_1?token=t"
        return web.json_response({"id": "exp_1", "status": "DONE", "result": {"url": url}})

    async def download(request: web.Request) -> web.Response:
        return web.Response(body="Source ID\nbücher\n".encode("latin-1"), content_type="text/csv")

    app = web.Application()
    app.router.add_get("/v1/exports/exp_1", export)
    app.router.add_get("/download/exp_1", download)
    base_url = await web_server(app)

    async with vf.AsyncVoucherify("app", "token", base_url=base_url, clock=clock) as client:
        with pytest.raises(vf.UnexpectedAnswer, match="exp_1 is not CSV text"):
            _ = [row async for row in client.exports.rows("exp_1")]


async def test_export_wait_with_a_negative_timeout_is_refused_before_polling(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="timeout must be a number of seconds"):
        await client.exports.wait("exp_1", timeout=-5)

    assert emulator.requests == []
