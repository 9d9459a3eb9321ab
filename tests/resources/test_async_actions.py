"""client.async_actions against the emulator: get, list, iterate, wait."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault, RateLimits
from voucherify_async.resources.async_actions import AsyncActionFailed, WaitTimeout

pytestmark = pytest.mark.anyio

RATE = 100.0
"""Orders per second the slow emulator imports: 500 orders take 5 s of the manual clock."""

POLL = "GET /v1/async-actions/{id}"


@pytest.fixture
async def slow_emulator(clock: vf.ManualClock) -> AsyncIterator[Emulator]:
    async with Emulator(time_source=clock.time, processing_rate=RATE) as emu:
        yield emu


@pytest.fixture
async def slow_client(slow_emulator: Emulator, clock: vf.ManualClock) -> AsyncIterator[vf.AsyncVoucherify]:
    async with vf.AsyncVoucherify("app", "token", base_url=slow_emulator.url, clock=clock) as client:
        yield client


def _orders(count: int, prefix: str = "o") -> list[dict[str, object]]:
    return [{"source_id": f"{prefix}-{n}"} for n in range(count)]


def _polls(emulator: Emulator) -> int:
    return sum(1 for request in emulator.requests if request.route == POLL)


async def test_get_returns_the_typed_import_result(client: vf.AsyncVoucherify) -> None:
    action_id = await client.orders.import_orders(_orders(2))

    action = await client.async_actions.get(action_id)

    assert (action.id, action.type, action.status) == (action_id, "ORDERS.IMPORT", "DONE")
    assert isinstance(action.result, vf.OrdersImportResult)
    assert (action.result.done_count, action.result.failed) == (2, [])


async def test_get_reports_progress_while_in_progress(
    slow_client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    action_id = await slow_client.orders.import_orders(_orders(500))
    clock.advance(2.5)

    action = await slow_client.async_actions.get(action_id)

    assert (action.status, action.progress, action.result) == ("IN_PROGRESS", 50, None)


async def test_get_of_an_unknown_action_raises_not_found(client: vf.AsyncVoucherify) -> None:
    with pytest.raises(vf.NotFoundError):
        await client.async_actions.get("aa_unknown")


async def test_list_returns_newest_first_without_results(
    client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    first = await client.orders.import_orders(_orders(1, "a"))
    clock.advance(1)
    second = await client.orders.import_orders(_orders(1, "b"))

    page = await client.async_actions.list(limit=10)

    assert [action.id for action in page.async_actions] == [second, first]
    assert [action.result for action in page.async_actions] == [None, None]
    assert not page.has_more


async def test_list_with_end_date_returns_older_actions(
    client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    first = await client.orders.import_orders(_orders(1, "a"))
    clock.advance(1)
    second = await client.orders.import_orders(_orders(1, "b"))
    newest = (await client.async_actions.get(second)).created_at

    page = await client.async_actions.list(end_date=newest)

    assert [action.id for action in page.async_actions] == [first]


@pytest.mark.parametrize("limit", [0, 101, "10", 10.0])
async def test_list_limit_out_of_range_is_refused_locally(
    client: vf.AsyncVoucherify, emulator: Emulator, limit: int
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="between 1 and 100"):
        await client.async_actions.list(limit=limit)

    assert emulator.requests == []


async def test_iterate_walks_back_through_every_action(
    client: vf.AsyncVoucherify, emulator: Emulator, clock: vf.ManualClock
) -> None:
    created = []
    for n in range(5):
        created.append(await client.orders.import_orders(_orders(1, f"batch{n}")))
        clock.advance(1)

    listed = [action.id async for action in client.async_actions.iterate(limit=3)]

    assert listed == created[::-1]
    # Pages: [4, 3, 2], then [2, 1, 0] from the millisecond of action 2 on (2 is not yielded again).
    assert sum(1 for request in emulator.requests if request.route == "GET /v1/async-actions") == 2


async def test_iterate_of_a_project_without_actions_yields_nothing(client: vf.AsyncVoucherify) -> None:
    assert [action async for action in client.async_actions.iterate()] == []


async def test_wait_returns_the_finished_action(slow_client: vf.AsyncVoucherify) -> None:
    action_id = await slow_client.orders.import_orders(_orders(500))

    action = await slow_client.async_actions.wait(action_id)

    assert action.status == vf.AsyncActionStatus.DONE
    assert isinstance(action.result, vf.OrdersImportResult)
    assert action.result.done_count == 500


@pytest.mark.parametrize("count", [50, 200, 1000, 2000])
async def test_wait_polls_at_most_8_times(
    slow_client: vf.AsyncVoucherify, slow_emulator: Emulator, count: int
) -> None:
    action_id = await slow_client.orders.import_orders(_orders(count))

    await slow_client.async_actions.wait(action_id)

    assert _polls(slow_emulator) <= 8


@pytest.mark.parametrize("count", [50, 200, 1000, 2000])
async def test_wait_notices_the_end_within_a_tenth_of_the_duration(
    slow_client: vf.AsyncVoucherify, clock: vf.ManualClock, count: int
) -> None:
    started = clock.monotonic()
    action_id = await slow_client.orders.import_orders(_orders(count))

    await slow_client.async_actions.wait(action_id)

    duration = count / RATE
    assert clock.monotonic() - started - duration <= max(0.1 * duration, 0.25)


async def test_wait_for_an_action_enqueued_behind_another_polls_at_most_8_times_and_is_on_time(
    slow_client: vf.AsyncVoucherify, slow_emulator: Emulator, clock: vf.ManualClock
) -> None:
    started = clock.monotonic()
    await slow_client.orders.import_orders(_orders(150, "first"))
    action_id = await slow_client.orders.import_orders(_orders(250, "second"))

    await slow_client.async_actions.wait(action_id)

    duration = (150 + 250) / RATE  # 1.5 s ENQUEUED, then 2.5 s IN_PROGRESS
    assert _polls(slow_emulator) <= 8
    assert clock.monotonic() - started - duration <= max(0.1 * duration, 0.25)


async def test_wait_of_a_finished_action_polls_once(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    action_id = await client.orders.import_orders(_orders(3))

    await client.async_actions.wait(action_id)

    assert _polls(emulator) == 1


async def test_wait_raises_wait_timeout_at_the_deadline(
    slow_client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    action_id = await slow_client.orders.import_orders(_orders(2000))
    started = clock.monotonic()

    with pytest.raises(WaitTimeout) as caught:
        await slow_client.async_actions.wait(action_id, timeout=3.0)

    assert clock.monotonic() - started == pytest.approx(3.0)
    assert (caught.value.resource_id, caught.value.last_status) == (action_id, "IN_PROGRESS")
    assert isinstance(caught.value, TimeoutError)


async def test_wait_raises_for_a_failed_action(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    emulator.add_fault(Fault("action_failed", route="POST /v1/orders/import"))
    action_id = await client.orders.import_orders(_orders(3))

    with pytest.raises(AsyncActionFailed) as caught:
        await client.async_actions.wait(action_id)

    assert caught.value.action.id == action_id
    assert isinstance(caught.value, vf.VoucherifyError)


async def test_wait_returns_a_failed_action_when_asked(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("action_failed", route="POST /v1/orders/import"))
    action_id = await client.orders.import_orders(_orders(3))

    action = await client.async_actions.wait(action_id, raise_on_failure=False)

    assert action.failed


async def test_wait_calls_on_poll_with_each_polled_action(
    slow_client: vf.AsyncVoucherify, slow_emulator: Emulator
) -> None:
    seen: list[vf.AsyncAction] = []
    action_id = await slow_client.orders.import_orders(_orders(300))

    await slow_client.async_actions.wait(action_id, on_poll=seen.append)

    assert len(seen) == _polls(slow_emulator)
    assert seen[-1].status == "DONE"
    assert seen[0].status == "IN_PROGRESS"


async def test_wait_awaits_an_async_on_poll(client: vf.AsyncVoucherify) -> None:
    seen: list[str] = []

    async def on_poll(action: vf.AsyncAction) -> None:
        seen.append(action.id)

    action_id = await client.orders.import_orders(_orders(1))
    await client.async_actions.wait(action_id, on_poll=on_poll)

    assert seen == [action_id]


async def test_wait_for_an_unknown_action_raises_not_found(client: vf.AsyncVoucherify) -> None:
    with pytest.raises(vf.NotFoundError):
        await client.async_actions.wait("aa_unknown")


async def test_wait_survives_a_503_between_polls(
    slow_client: vf.AsyncVoucherify, slow_emulator: Emulator
) -> None:
    slow_emulator.add_fault(Fault("status", route=POLL, nth=2, status=503))
    action_id = await slow_client.orders.import_orders(_orders(300))

    action = await slow_client.async_actions.wait(action_id)

    assert action.status == "DONE"


async def test_iterate_keeps_actions_of_the_same_millisecond_across_pages(
    client: vf.AsyncVoucherify, clock: vf.ManualClock
) -> None:
    created = [await client.orders.import_orders(_orders(1, "oldest"))]
    clock.advance(1)
    created += [await client.orders.import_orders(_orders(1, f"same{n}")) for n in range(2)]
    for n in range(2):
        clock.advance(1)
        created.append(await client.orders.import_orders(_orders(1, f"newer{n}")))

    # The first page of 3 ends between the two actions of the same millisecond.
    listed = [action.id async for action in client.async_actions.iterate(limit=3)]

    assert listed == created[::-1]


async def test_wait_stops_when_the_caller_cancels(
    slow_client: vf.AsyncVoucherify, slow_emulator: Emulator
) -> None:
    action_id = await slow_client.orders.import_orders(_orders(2000))

    with anyio.CancelScope() as scope:
        await slow_client.async_actions.wait(action_id, on_poll=lambda _: scope.cancel())

    assert scope.cancelled_caught
    assert _polls(slow_emulator) == 1


async def test_get_retries_a_dropped_connection(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    action_id = await client.orders.import_orders(_orders(1))
    emulator.add_fault(Fault("drop", route=POLL, nth=1))

    action = await client.async_actions.get(action_id)

    assert action.id == action_id
    assert _polls(emulator) == 2


async def test_wait_honours_a_429_between_polls(
    slow_client: vf.AsyncVoucherify, slow_emulator: Emulator, clock: vf.ManualClock
) -> None:
    slow_emulator.add_fault(Fault("status", route=POLL, nth=2, status=429, headers={"Retry-After": "7"}))
    action_id = await slow_client.orders.import_orders(_orders(100))

    action = await slow_client.async_actions.wait(action_id)

    assert action.status == "DONE"
    assert 7.0 in clock.sleeps


async def test_wait_leaves_a_low_api_budget_unspent_until_its_window_resets(clock: vf.ManualClock) -> None:
    limits = RateLimits(api_calls_per_minute=20)
    async with (
        Emulator(time_source=clock.time, processing_rate=1.0, rate_limits=limits) as emulator,
        vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=clock) as client,
    ):
        for _ in range(16):
            await client.orders.list(limit=1)
        action_id = await client.orders.import_orders(_orders(90))  # 90 s of processing
        remaining: list[int | None] = []

        await client.async_actions.wait(
            action_id, on_poll=lambda _: remaining.append(client.rate_limits["api_calls"].remaining)
        )

    # The first poll leaves 2 of 20 calls: the next waits for the next minute instead of spending them.
    assert remaining[0] == 2
    assert min(r for r in remaining if r is not None) >= 2


async def test_wait_for_an_action_ten_minutes_in_the_queue_polls_it_there_at_most_43_times(
    clock: vf.ManualClock,
) -> None:
    # Every import takes 600 s (processing_delay) more than its orders: ours waits behind the first for 600 s.
    async with (
        Emulator(time_source=clock.time, processing_rate=RATE, processing_delay=600.0) as emulator,
        vf.AsyncVoucherify("app", "token", base_url=emulator.url, clock=clock) as client,
    ):
        await client.orders.import_orders(_orders(1, "first"))
        action_id = await client.orders.import_orders(_orders(50))
        statuses: list[str] = []

        await client.async_actions.wait(action_id, on_poll=lambda action: statuses.append(str(action.status)))

    assert statuses.count("ENQUEUED") <= 43  # 83 before polls grew with the time waited


async def test_wait_takes_a_vf_poll_policy(slow_client: vf.AsyncVoucherify, slow_emulator: Emulator) -> None:
    action_id = await slow_client.orders.import_orders(_orders(500))

    await slow_client.async_actions.wait(action_id, policy=vf.PollPolicy(initial_delay=6.0))

    assert _polls(slow_emulator) == 1


@pytest.mark.parametrize("seconds", [0, -1.0, "60"])
async def test_wait_with_a_timeout_that_is_not_seconds_above_zero_is_refused_before_polling(
    client: vf.AsyncVoucherify, emulator: Emulator, seconds: object
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="timeout must be a number of seconds"):
        await client.async_actions.wait("aa_1", timeout=seconds)  # type: ignore[arg-type]

    assert emulator.requests == []
