"""``processing_spread``: each import's processing time varies around its mean, drawn from the seed."""

from __future__ import annotations

import math

import aiohttp
import pytest

from tests.emulator.conftest import AUTH, Api, order
from voucherify_async import ManualClock
from voucherify_async.emulator import Emulator

pytestmark = pytest.mark.anyio

OTHER = {"X-App-Id": "other", "X-App-Token": "other-token"}


async def processing_times(
    clock: ManualClock, imports: int, *, spread: float, seed: int = 0, projects: int = 1
) -> list[list[float]]:
    """Seconds each of ``imports`` imports of 100 orders took (at 100 orders/s + 0.5 s), per project; the
    projects (the default one, then ``other``) take turns importing."""
    async with (
        Emulator(
            processing_rate=100,
            processing_delay=0.5,
            processing_spread=spread,
            seed=seed,
            projects={"other": "other-token"},
            time_source=clock.time,
        ) as emu,
        aiohttp.ClientSession() as session,
    ):
        api = Api(session, emu.url)
        ids: list[list[str]] = [[] for _ in range(projects)]
        for n in range(imports):
            for project, headers in enumerate([AUTH, OTHER][:projects]):
                batch = [order(f"o-{n}-{i}") for i in range(100)]
                _, body, _ = await api.call("POST", "/v1/orders/import", json=batch, headers=headers)
                ids[project].append(body["async_action_id"])
        clock.advance(imports * 2.0)
        times: list[list[float]] = [[] for _ in range(projects)]
        for project, headers in enumerate([AUTH, OTHER][:projects]):
            for action_id in ids[project]:
                _, action, _ = await api.call("GET", f"/v1/async-actions/{action_id}", headers=headers)
                assert action["status"] == "DONE"
                times[project].append(action["processing_time"] / 1000)
        return times


async def test_without_a_spread_every_import_takes_its_exact_time(clock: ManualClock) -> None:
    assert await processing_times(clock, 5, spread=0.0) == [[1.5] * 5]


async def test_with_a_spread_the_times_vary_within_it_around_the_mean(clock: ManualClock) -> None:
    [times] = await processing_times(clock, 40, spread=0.3)
    assert min(times) >= 1.5 * 0.7
    assert max(times) <= 1.5 * 1.3
    # Spread over the range, not bunched at the mean: both outer fifths of it are reached.
    assert min(times) < 1.5 * 0.82
    assert max(times) > 1.5 * 1.18


async def test_every_project_draws_the_same_times_in_turn(clock: ManualClock) -> None:
    # Two clients compared side by side, each in a project of its own, meet the same server times.
    default, other = await processing_times(clock, 6, spread=0.3, seed=7, projects=2)
    assert (default == other, len(set(default))) == (True, 6)


async def test_another_seed_gives_other_times(clock: ManualClock) -> None:
    assert await processing_times(clock, 6, spread=0.3, seed=1) != await processing_times(
        clock, 6, spread=0.3, seed=2
    )


@pytest.mark.parametrize("spread", [-0.1, 1.0, 1.5, math.nan])
def test_a_spread_outside_0_to_1_is_refused(spread: float) -> None:
    with pytest.raises(ValueError, match="processing_spread must be at least 0 and below 1"):
        Emulator(processing_spread=spread)
