from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import anyio
import pytest

from tests.emulator.conftest import Api, order
from voucherify_async import ManualClock
from voucherify_async.emulator import Emulator
from voucherify_async.emulator.app import IMPORT_STEP
from voucherify_async.emulator.wire import parse_iso_time

pytestmark = pytest.mark.anyio


@pytest.fixture
async def slow(clock: ManualClock, store_options: dict[str, Any]) -> AsyncIterator[tuple[Emulator, Api]]:
    async with (
        Emulator(processing_rate=100, processing_delay=1.0, time_source=clock.time, **store_options) as emu,
        aiohttp.ClientSession() as session,
    ):
        yield emu, Api(session, emu.url)


async def _import(api: Api, count: int, prefix: str = "o") -> str:
    _, body, _ = await api.call(
        "POST", "/v1/orders/import", json=[order(f"{prefix}-{i}") for i in range(count)]
    )
    return str(body["async_action_id"])


async def _status(api: Api, action_id: str) -> tuple[str, int]:
    _, action, _ = await api.call("GET", f"/v1/async-actions/{action_id}")
    return action["status"], action["progress"]


async def test_action_moves_through_its_states_with_rising_progress(
    slow: tuple[Emulator, Api], clock: ManualClock
) -> None:
    _, api = slow
    action_id = await _import(api, 100)  # 1 s of orders + 1 s of delay
    seen = [await _status(api, action_id)]
    for _ in range(4):
        clock.advance(0.5)
        seen.append(await _status(api, action_id))
    assert seen == [
        ("IN_PROGRESS", 0),
        ("IN_PROGRESS", 25),
        ("IN_PROGRESS", 50),
        ("IN_PROGRESS", 75),
        ("DONE", 100),
    ]


async def test_second_import_waits_enqueued_until_the_first_is_done(
    slow: tuple[Emulator, Api], clock: ManualClock
) -> None:
    _, api = slow
    await _import(api, 100, "a")
    second = await _import(api, 100, "b")
    assert await _status(api, second) == ("ENQUEUED", 0)
    clock.advance(2.0)
    assert (await _status(api, second))[0] == "IN_PROGRESS"
    clock.advance(2.0)
    assert (await _status(api, second))[0] == "DONE"


async def test_orders_are_stored_progressively_after_the_delay(
    slow: tuple[Emulator, Api], clock: ManualClock
) -> None:
    emu, api = slow
    await _import(api, 100)  # 1 s of delay, then 100 orders at 100 per second
    counts = []
    for step in (0.9, 0.6, 0.5):
        clock.advance(step)
        counts.append(len(emu.project().orders))
    assert counts == [0, 50, 100]


async def test_a_result_lists_failures_found_along_the_way(
    slow: tuple[Emulator, Api], clock: ManualClock
) -> None:
    _, api = slow
    orders = [
        order("a", customer_id="cust_x"),
        *(order(f"o-{i}") for i in range(98)),
        order("z", customer_id="cust_y"),
    ]
    _, answer, _ = await api.call("POST", "/v1/orders/import", json=orders)
    clock.advance(1.5)
    _, running, _ = await api.call("GET", f"/v1/async-actions/{answer['async_action_id']}")
    clock.advance(0.5)
    _, done, _ = await api.call("GET", f"/v1/async-actions/{answer['async_action_id']}")
    assert "result" not in running
    assert [failure["source_id"] for failure in done["result"]["failed"]] == ["a", "z"]
    assert done["result"]["done_count"] == 98


async def test_imports_submitted_while_busy_are_counted(
    slow: tuple[Emulator, Api], clock: ManualClock
) -> None:
    emu, api = slow
    await _import(api, 100, "a")
    await _import(api, 100, "b")
    clock.advance(10)
    await _import(api, 100, "c")
    assert (emu.project().import_requests, emu.project().imports_submitted_while_busy) == (3, 1)


async def test_list_answers_newest_first_without_result(api: Api) -> None:
    first = (await api.call("POST", "/v1/orders/import", json=[order("a")]))[1]["async_action_id"]
    second = (await api.call("POST", "/v1/orders/import", json=[order("b")]))[1]["async_action_id"]
    status, listing, _ = await api.call("GET", "/v1/async-actions", params={"limit": "1"})
    assert status == 200
    assert (listing["object"], listing["data_ref"], listing["has_more"]) == ("list", "async_actions", True)
    assert [action["id"] for action in listing["async_actions"]] == [second]
    assert "result" not in listing["async_actions"][0]
    assert first != second


async def test_list_walks_back_by_end_date(slow: tuple[Emulator, Api], clock: ManualClock) -> None:
    _, api = slow
    first = await _import(api, 1, "a")
    clock.advance(5)
    second = await _import(api, 1, "b")
    _, newest, _ = await api.call("GET", "/v1/async-actions")
    assert [action["id"] for action in newest["async_actions"]] == [second, first]
    end_date = newest["async_actions"][0]["created_at"]
    _, older, _ = await api.call("GET", "/v1/async-actions", params={"end_date": end_date})
    assert [action["id"] for action in older["async_actions"]] == [first]
    assert older["has_more"] is False


async def test_list_rejects_an_end_date_that_is_not_iso_8601(api: Api) -> None:
    status, error, _ = await api.call("GET", "/v1/async-actions", params={"end_date": "yesterday"})
    assert status == 400
    assert error["details"] == "Property .end_date cannot be recognized as a ISO-8601 compliant date"


async def test_unknown_async_action_is_a_404(api: Api) -> None:
    status, error, _ = await api.call("GET", "/v1/async-actions/aa_missing")
    assert status == 404
    assert error["resource_type"] == "async_action"


async def test_paging_back_by_end_date_sees_every_action_once_when_time_stands_still(api: Api) -> None:
    submitted = [(await api.call("POST", "/v1/orders/import", json=[order(f"o-{i}")]))[1] for i in range(5)]
    seen: list[str] = []
    params = {"limit": "2"}
    while True:
        _, page, _ = await api.call("GET", "/v1/async-actions", params=params)
        seen += [action["id"] for action in page["async_actions"]]
        if not page["has_more"]:
            break
        params = {"limit": "2", "end_date": page["async_actions"][-1]["created_at"]}
    assert seen == [answer["async_action_id"] for answer in reversed(submitted)]


async def test_a_running_import_stores_its_orders_without_anyone_looking(
    slow: tuple[Emulator, Api], clock: ManualClock
) -> None:
    emu, api = slow
    action_id = await _import(api, 100)
    clock.advance(1.5)  # the delay, then half of the orders
    await anyio.sleep(4 * IMPORT_STEP)
    action = emu.project("app").find_action(action_id)
    assert action is not None
    assert (action.applied, action.result) == (50, None)


async def test_a_finished_import_has_its_result_before_anyone_looks(
    slow: tuple[Emulator, Api], clock: ManualClock
) -> None:
    emu, api = slow
    action_id = await _import(api, 100)
    clock.advance(2.0)
    await anyio.sleep(4 * IMPORT_STEP)
    action = emu.project("app").find_action(action_id)
    assert action is not None
    assert action.result is not None
    assert action.result["done_count"] == 100


@pytest.mark.parametrize("fraction", ["", ".1", ".12", ".1234", ".123456789"])
@pytest.mark.parametrize("offset", ["Z", "+00:00", "+0000"])
async def test_end_date_takes_any_fraction_of_a_second_and_offset(fraction: str, offset: str) -> None:
    # Python 3.10's fromisoformat takes 3 or 6 digits and "+00:00" only; the official SDK writes "+0000".
    expected = 1_700_000_000 + (float(f"0{fraction}") if fraction else 0.0)
    assert parse_iso_time(f"2023-11-14T22:13:20{fraction}{offset}") == pytest.approx(expected)
