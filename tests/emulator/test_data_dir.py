"""``Emulator(data_dir=...)``: what survives a restart, and the data directories that are refused."""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.emulator.conftest import Api, order
from voucherify_async import ManualClock
from voucherify_async.emulator import DataDirError, Emulator
from voucherify_async.emulator.stores.sqlite_file import DATA_FILE

pytestmark = pytest.mark.anyio

SORTS = ("created_at", "-created_at", "updated_at", "-updated_at")


@asynccontextmanager
async def serving(data_dir: Path, clock: ManualClock, **options: Any) -> AsyncIterator[tuple[Emulator, Api]]:
    async with (
        Emulator(data_dir=data_dir, time_source=clock.time, **options) as emu,
        aiohttp.ClientSession() as session,
    ):
        yield emu, Api(session, emu.url)


async def _get(api: Api, path: str, **params: str) -> Any:
    status, body, _ = await api.call("GET", path, params=params or None)
    assert status == 200, body
    return body


async def _import(api: Api, orders: list[dict[str, Any]]) -> str:
    status, body, _ = await api.call("POST", "/v1/orders/import", json=orders)
    assert status == 200, body
    return str(body["async_action_id"])


async def _everything_a_client_sees(api: Api, action_ids: list[str]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for sort in SORTS:
        pages = [await _get(api, "/v1/orders", order=sort, limit="2", page=str(page)) for page in (1, 2, 3)]
        seen[sort] = pages
    seen["actions"] = await _get(api, "/v1/async-actions", limit="100")
    seen["each action"] = [await _get(api, f"/v1/async-actions/{action_id}") for action_id in action_ids]
    seen["by source_id"] = await _get(api, "/v1/orders/o-2")
    return seen


async def test_orders_async_actions_and_their_order_survive_a_restart(
    tmp_path: Path, clock: ManualClock
) -> None:
    async with serving(tmp_path, clock) as (_, api):
        first = await _import(api, [order("o-1"), order("o-2"), order("o-3", customer={"source_id": "c-1"})])
        clock.advance(1)
        await api.call("POST", "/v1/orders", json=order("o-0", created_at="2020-01-01T00:00:00Z"))
        clock.advance(1)
        second = await _import(api, [order("o-2", status="FULFILLED"), order("o-4")])
        clock.advance(1)
        await api.call("PUT", "/v1/orders/o-1", json={"status": "CANCELED"})
        before = await _everything_a_client_sees(api, [first, second])
    async with serving(tmp_path, clock) as (emu, api):
        after = await _everything_a_client_sees(api, [first, second])
        assert list(emu.project().orders) == ["o-1", "o-2", "o-3", "o-0", "o-4"]
    assert after == before
    assert [order["source_id"] for order in before["-updated_at"][0]["orders"]] == ["o-1", "o-4"]
    assert before["created_at"][0]["total"] == 5


async def test_customers_and_counters_survive_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    async with serving(tmp_path, clock) as (emu, api):
        customer = emu.project().create_customer("c-1", name="Ann")
        await _import(api, [order("o-1", customer_id=customer["id"])])
        await _import(api, [order("o-2", customer={"source_id": "c-1", "name": "Bea"})])
    async with serving(tmp_path, clock) as (emu, api):
        project = emu.project()
        assert dict(project.customers) == {customer["id"]: {**customer, "name": "Bea"}}
        assert (project.import_requests, project.imports_submitted_while_busy) == (2, 0)
        await _import(api, [order("o-3", customer_id=customer["id"])])  # the customer is known still
        assert project.orders["o-3"]["customer_id"] == customer["id"]


async def test_an_import_running_at_the_stop_goes_on_after_the_restart(
    tmp_path: Path, clock: ManualClock
) -> None:
    async with serving(tmp_path, clock, processing_rate=10) as (emu, api):
        action_id = await _import(api, [order(f"o-{index}") for index in range(20)])
        clock.advance(1.05)
        running = await _get(api, f"/v1/async-actions/{action_id}")
        assert len(emu.project().orders) == 10
    async with serving(tmp_path, clock, processing_rate=10) as (emu, api):
        assert await _get(api, f"/v1/async-actions/{action_id}") == running
        assert len(emu.project().orders) == 10
        clock.advance(1)
        done = await _get(api, f"/v1/async-actions/{action_id}")
        assert sorted(emu.project().orders) == sorted(f"o-{index}" for index in range(20))
    assert (running["status"], running["progress"]) == ("IN_PROGRESS", 52)
    assert (done["status"], done["result"]["done_count"]) == ("DONE", 20)


async def test_exports_and_their_files_survive_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    async with serving(tmp_path, clock) as (_, api):
        await _import(api, [order("o-1"), order("o-2", status="CANCELED")])
        _, kept, _ = await api.call("POST", "/v1/orders/export", json={"parameters": {"order": "status"}})
        _, deleted, _ = await api.call("POST", "/v1/orders/export", json={})
        await api.call("DELETE", f"/v1/exports/{deleted['id']}")
        kept = await _get(api, f"/v1/exports/{kept['id']}")
        await api.call("POST", "/v1/orders", json=order("o-3"))  # after the export: not in its file
        async with api.session.get(kept["result"]["url"]) as response:
            file = await response.text()
    async with serving(tmp_path, clock) as (_, api):
        fetched = await _get(api, f"/v1/exports/{kept['id']}")
        status, _, _ = await api.call("GET", f"/v1/exports/{deleted['id']}")
        listing = await _get(api, "/v1/exports")
        async with api.session.get(fetched["result"]["url"]) as response:
            assert (response.status, await response.text()) == (200, file)
    old_url, new_url = kept["result"]["url"], fetched["result"]["url"]
    assert old_url.split("/download/")[1] == new_url.split("/download/")[1]  # the same file, a new port
    assert {**fetched, "result": None} == {**kept, "result": None}
    assert status == 404
    assert [export["id"] for export in listing["exports"]] == [kept["id"]]
    assert [row.split(",")[1:] for row in file.splitlines()[1:]] == [["o-2", "CANCELED"], ["o-1", "PAID"]]


async def test_start_after_close_reads_the_directory_back(tmp_path: Path, clock: ManualClock) -> None:
    emu = Emulator(data_dir=tmp_path, time_source=clock.time)
    async with emu, aiohttp.ClientSession() as session:
        await Api(session, emu.url).call("POST", "/v1/orders", json=order("o-1"))
    async with emu, aiohttp.ClientSession() as session:
        listing = await _get(Api(session, emu.url), "/v1/orders")
    assert [found["source_id"] for found in listing["orders"]] == ["o-1"]


async def test_projects_keep_their_own_data_in_one_directory(tmp_path: Path, clock: ManualClock) -> None:
    other = {"X-App-Id": "other", "X-App-Token": "secret"}
    async with serving(tmp_path, clock, projects={"other": "secret"}) as (_, api):
        await api.call("POST", "/v1/orders", json=order("mine"))
        await api.call("POST", "/v1/orders", json=order("theirs"), headers=other)
    async with serving(tmp_path, clock, projects={"other": "secret"}) as (emu, _):
        assert (list(emu.project("app").orders), list(emu.project("other").orders)) == (["mine"], ["theirs"])


async def test_the_directory_is_created_when_missing(tmp_path: Path, clock: ManualClock) -> None:
    async with serving(tmp_path / "new" / "data", clock):
        assert (tmp_path / "new" / "data" / DATA_FILE).is_file()


# -- refused directories ------------------------------------------------------------------------------


def _refusal(data_dir: Path) -> str:
    with pytest.raises(DataDirError) as refused:
        Emulator(data_dir=data_dir)
    return str(refused.value)


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    damaged = tmp_path / DATA_FILE
    damaged.write_bytes(b"order_id,amount\n" * 512)
    message = _refusal(tmp_path)
    assert message.startswith(f"cannot use {damaged} as the emulator's data: it is not an SQLite database")
    assert damaged.read_bytes() == b"order_id,amount\n" * 512


def test_a_file_damaged_past_its_header_is_refused(tmp_path: Path) -> None:
    emu = Emulator(data_dir=tmp_path)
    emu.project().enqueue_import([order(f"o-{index}") for index in range(2000)])
    emu._close_data_file()
    path = tmp_path / DATA_FILE
    pages = bytearray(path.read_bytes())
    for offset in range(2 * 4096, len(pages), 3 * 4096):  # the header and the list of tables stay intact
        pages[offset : offset + 100] = b"\xff" * 100
    path.write_bytes(bytes(pages))
    assert _refusal(tmp_path).endswith("it is damaged (database disk image is malformed)")


def test_a_database_of_another_program_is_refused(tmp_path: Path) -> None:
    with contextlib.closing(sqlite3.connect(tmp_path / DATA_FILE)) as foreign:
        foreign.execute("CREATE TABLE orders (id TEXT)")
    assert "an SQLite database of another program" in _refusal(tmp_path)


def test_a_file_of_a_newer_emulator_is_refused(tmp_path: Path) -> None:
    Emulator(data_dir=tmp_path)._close_data_file()
    with contextlib.closing(sqlite3.connect(tmp_path / DATA_FILE)) as newer:
        newer.execute("PRAGMA user_version = 99")
    assert "written by a newer version of the emulator (layout 99" in _refusal(tmp_path)


def test_an_emulator_file_with_a_table_missing_is_refused(tmp_path: Path) -> None:
    Emulator(data_dir=tmp_path)._close_data_file()
    with contextlib.closing(sqlite3.connect(tmp_path / DATA_FILE)) as damaged:
        damaged.execute("DROP TABLE exports")
    assert _refusal(tmp_path).endswith("its tables are missing: exports")


def test_a_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a directory")
    assert _refusal(tmp_path / "data").endswith("it is not a directory")


async def test_a_second_emulator_is_refused_until_the_first_closes(
    tmp_path: Path, clock: ManualClock
) -> None:
    async with serving(tmp_path, clock) as (_, api):
        await api.call("POST", "/v1/orders", json=order("o-1"))
        assert _refusal(tmp_path).endswith("another emulator (or another program) is using it")
    async with serving(tmp_path, clock) as (emu, _):
        assert list(emu.project().orders) == ["o-1"]


# -- both stores ----------------------------------------------------------------------------------------


async def test_concurrent_imports_into_two_projects_keep_each_its_own(
    store_options: dict[str, Any], clock: ManualClock
) -> None:
    import anyio

    projects = {"p1": "t1", "p2": "t2"}
    async with (
        Emulator(projects=projects, processing_rate=1000, time_source=clock.time, **store_options) as emu,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, emu.url)
        actions: dict[str, list[str]] = {"p1": [], "p2": []}

        async def submit(project: str, batch: int) -> None:
            orders = [order(f"{project}-{batch}-{index}") for index in range(50)]
            headers = {"X-App-Id": project, "X-App-Token": projects[project]}
            status, body, _ = await api.call("POST", "/v1/orders/import", json=orders, headers=headers)
            assert status == 200, body
            actions[project].append(body["async_action_id"])

        async with anyio.create_task_group() as group:
            for batch in range(5):
                for project in projects:
                    group.start_soon(submit, project, batch)
        clock.advance(10)
        starts = {}
        for project in projects:
            state = emu.project(project)
            expected = {f"{project}-{batch}-{index}" for batch in range(5) for index in range(50)}
            assert set(state.orders) == expected
            ran = [action for action_id in actions[project] if (action := state.find_action(action_id))]
            assert [(action.status(clock.time()), action.order_count) for action in ran] == [("DONE", 50)] * 5
            queue = sorted((action.start, action.end) for action in ran)
            assert all(start >= end for (_, end), (start, _) in itertools.pairwise(queue))  # one at a time
            starts[project] = queue[0][0]
        assert starts["p1"] == starts["p2"]  # each project's queue is its own
        assert emu.project("app").orders == {}
