from __future__ import annotations

import aiohttp
import anyio
import pytest

from tests.emulator.conftest import Api, order
from voucherify_async import ManualClock
from voucherify_async.emulator import Emulator, Fault

pytestmark = pytest.mark.anyio

IMPORT = "POST /v1/orders/import"


async def test_status_fault_answers_the_status_with_the_api_error_body(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("status", route="GET /v1/orders", status=503))
    status, error, _ = await api.call("GET", "/v1/orders")
    assert status == 503
    assert (error["code"], error["key"]) == (503, "service_unavailable")


async def test_status_fault_does_not_process_the_request(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("status", route=IMPORT, status=503))
    await api.call("POST", "/v1/orders/import", json=[order("a")])
    assert emulator.project().import_requests == 0


async def test_429_fault_carries_retry_after_and_rate_limit_headers(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("status", route=IMPORT, status=429))
    status, _, headers = await api.call("POST", "/v1/orders/import", json=[order("a")])
    assert status == 429
    assert headers["Retry-After"] == "1"
    assert headers["X-Rate-Limit-Type"] == "bulk_api_calls"
    assert headers["X-Rate-Limit-Remaining"] == "0"


async def test_a_429_retry_after_given_moves_the_reset_time_with_it(
    api: Api, emulator: Emulator, clock: ManualClock
) -> None:
    emulator.add_fault(Fault("status", status=429, headers={"Retry-After": "3600"}))
    _, _, headers = await api.call("GET", "/v1/orders")
    assert headers["Retry-After"] == "3600"
    assert headers["X-Rate-Limit-Retry"] == str(int(clock.time()) + 3600)


async def test_fault_body_replaces_the_error_body(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("status", status=500, body={"oops": True}))
    _, body, _ = await api.call("GET", "/v1/orders")
    assert body == {"oops": True}


async def test_nth_schedule_hits_exactly_the_listed_requests(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("status", route=IMPORT, nth=(2, 4), status=502))
    statuses = [(await api.call("POST", "/v1/orders/import", json=[order(f"o{i}")]))[0] for i in range(5)]
    assert statuses == [200, 502, 200, 502, 200]


async def test_nth_counts_only_requests_of_its_route(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("status", route=IMPORT, nth=1, status=502))
    await api.call("GET", "/v1/orders")
    status, _, _ = await api.call("POST", "/v1/orders/import", json=[order("a")])
    assert status == 502


async def test_route_templates_match_any_id(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("status", route="GET /v1/async-actions/{id}", status=504))
    status, _, _ = await api.call("GET", "/v1/async-actions/aa_anything")
    assert status == 504


async def _statuses_with_probability(seed: int) -> list[int]:
    async with (
        Emulator(faults=[Fault("status", probability=0.5)], seed=seed) as emu,
        aiohttp.ClientSession() as s,
    ):
        api = Api(s, emu.url)
        return [(await api.call("GET", "/v1/orders"))[0] for _ in range(20)]


async def test_probabilistic_faults_repeat_with_the_same_seed() -> None:
    first = await _statuses_with_probability(7)
    assert first == await _statuses_with_probability(7)
    assert set(first) == {200, 503}


async def test_clear_faults_removes_them(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("status"))
    emulator.clear_faults()
    status, _, _ = await api.call("GET", "/v1/orders")
    assert status == 200


async def test_latency_fault_delays_then_answers_normally(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("latency", route="GET /v1/orders", delay=0.3))
    statuses: list[int] = []

    async def slow_call() -> None:
        statuses.append((await api.call("GET", "/v1/orders"))[0])

    async with anyio.create_task_group() as group:
        group.start_soon(slow_call)
        while not emulator.requests:  # noqa: ASYNC110 (the emulator's record is what is observed)
            await anyio.sleep(0.005)
        await api.call("GET", "/v1/orders/o-1")  # not delayed: answered while the other one waits
        assert {r.route: r.status for r in emulator.requests} == {
            "GET /v1/orders": 0,
            "GET /v1/orders/{id}": 404,
        }
    assert statuses == [200]


async def test_drop_closes_the_connection_without_processing(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("drop", route=IMPORT, nth=1))
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.call("POST", "/v1/orders/import", json=[order("a")])
    assert emulator.project().import_requests == 0
    assert emulator.requests[-1].status == 0


async def test_lost_ack_processes_the_import_but_closes_without_an_answer(
    api: Api, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("lost_ack", route=IMPORT, nth=1))
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.call("POST", "/v1/orders/import", json=[order("a")])
    assert emulator.project().import_requests == 1
    assert list(emulator.project().orders) == ["a"]
    assert len(emulator.project().async_actions) == 1


async def test_slow_ack_queues_the_import_before_answering_late(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("slow_ack", route=IMPORT, nth=1, delay=0.2))

    async def send() -> None:
        await api.call("POST", "/v1/orders/import", json=[order("a")])

    async with anyio.create_task_group() as group:
        group.start_soon(send)
        with anyio.fail_after(5):
            while not emulator.project().async_actions:  # noqa: ASYNC110 (the emulator's state is observed)
                await anyio.sleep(0.005)
        assert emulator.requests[-1].status == 200  # processed, while the answer is still held back
        assert list(emulator.project().orders) == ["a"]


async def test_slow_ack_answers_after_its_delay(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("slow_ack", route=IMPORT, nth=1, delay=0.2))
    started = anyio.current_time()
    status, body, _ = await api.call("POST", "/v1/orders/import", json=[order("a")])
    assert (status, body["async_action_id"]) == (200, emulator.project().async_actions[0]["id"])
    assert anyio.current_time() - started >= 0.2


async def test_a_client_that_times_out_on_a_slow_ack_leaves_its_import_queued(
    api: Api, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("slow_ack", route=IMPORT, nth=1, delay=0.5))
    with pytest.raises(TimeoutError):
        with anyio.fail_after(0.1):
            await api.call("POST", "/v1/orders/import", json=[order("a")])
    assert emulator.project().import_requests == 1
    assert list(emulator.project().orders) == ["a"]


async def test_closing_releases_an_answer_held_by_a_slow_ack_at_once(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("slow_ack", route=IMPORT, nth=1, delay=30))
    with pytest.raises(TimeoutError):
        with anyio.fail_after(0.1):
            await api.call("POST", "/v1/orders/import", json=[order("a")])
    with anyio.fail_after(5):  # not the 30 s the answer was held for
        await emulator.close()
    assert emulator.project().import_requests == 1


async def test_server_keeps_serving_after_a_dropped_connection(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("drop", route=IMPORT, nth=1))
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.call("POST", "/v1/orders/import", json=[order("a")])
    status, _, _ = await api.call("POST", "/v1/orders/import", json=[order("a")])
    assert status == 200


async def test_drop_of_a_get_is_retried_once_by_aiohttp_itself(api: Api, emulator: Emulator) -> None:
    # aiohttp's client resends an idempotent request once after a disconnect: two drops in a row reach it.
    emulator.add_fault(Fault("drop", route="GET /v1/orders", nth=(1, 2)))
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.call("GET", "/v1/orders")
    assert [r.status for r in emulator.requests] == [0, 0]


async def test_action_failed_fault_ends_the_import_failed(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("action_failed", route=IMPORT, nth=1))
    _, answer, _ = await api.call("POST", "/v1/orders/import", json=[order("a")])
    _, action, _ = await api.call("GET", f"/v1/async-actions/{answer['async_action_id']}")
    assert action["status"] == "FAILED"
    assert emulator.project().orders == {}


def test_unknown_fault_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("explode")  # type: ignore[arg-type]


def test_a_fault_on_an_unknown_route_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown route"):
        Emulator(faults=[Fault("drop", route="POST /v1/orders/imports")])


async def test_an_emulator_bug_is_answered_as_an_api_500(
    api: Api, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(key: str) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(emulator.project(), "find_order", broken)
    status, error, _ = await api.call("GET", "/v1/orders/o-1")
    assert (status, error["key"]) == (500, "internal_error")
    assert emulator.requests[-1].status == 500


async def test_a_header_given_empty_is_left_out(api: Api, emulator: Emulator) -> None:
    emulator.add_fault(Fault("status", status=429, headers={"Retry-After": ""}))
    status, _, headers = await api.call("GET", "/v1/orders")
    assert status == 429
    assert "Retry-After" not in headers
    assert "X-Rate-Limit-Retry" in headers
