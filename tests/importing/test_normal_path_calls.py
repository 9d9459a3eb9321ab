"""A run without lost answers makes exactly the API calls it made before the lost-answer safety checks.

The checks of 80f2d75 and 787f166 (an adopted action proven ours by looking its orders up, the server's clock
read from ``Date`` headers, searches paging back through async actions) only act after an answer was lost.
Their promise is that a normal run pays nothing for them: no order look-ups, no action searches, no extra
polls. The counts pinned below are those of b838bcd, the commit before the checks, measured by running this
very file there (``git worktree add /tmp/before b838bcd``). They are pinned as equal, not "at most": a
normal run that lost a call (a poll, a coordination look) would be a change of behaviour too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from batcher_scenarios import make_orders

import voucherify_async as vf
from voucherify_async.emulator import Emulator
from voucherify_async.importing.batcher import ImportBatcher

IMPORT = "POST /v1/orders/import"
POLL = "GET /v1/async-actions/{id}"
LIST_ACTIONS = "GET /v1/async-actions"

# 6 orders in batches of 2: 3 imports. Measured on b838bcd; any other route (GET /v1/orders/{id}, say) is a
# call the checks added to the normal path.
AT_ONCE = {
    "plain": {IMPORT: 3, POLL: 3},
    "checkpoint": {IMPORT: 3, POLL: 3},
    # One look for another process's unfinished import before each submission, as b838bcd did.
    "coordinated": {LIST_ACTIONS: 3, IMPORT: 3, POLL: 3},
}
# The server taking 3 s plus 1 s per order: the first batch is polled 3 times, the next ones once, each on
# the end the first one's processing time predicts (measured on b838bcd as well).
WITH_SERVER_TIME = {
    "plain": {IMPORT: 3, POLL: 5},
    "checkpoint": {IMPORT: 3, POLL: 5},
    "coordinated": {LIST_ACTIONS: 3, IMPORT: 3, POLL: 5},
}


async def _calls_of_a_run(
    client: vf.AsyncVoucherify, emu: Emulator, scenario: str, tmp_path: Path
) -> Counter[str]:
    settings: dict[str, dict[str, Any]] = {
        "plain": {},
        "checkpoint": {"checkpoint": tmp_path / "orders.journal"},
        "coordinated": {"coordinate_with_other_processes": True},
    }
    options = settings[scenario]
    report = await ImportBatcher(client, batch_size=2, **options).run(make_orders(6))
    assert (report.imported, len(report.batches)) == (6, 3)
    return Counter(request.route for request in emu.requests)


@pytest.mark.anyio
@pytest.mark.parametrize("scenario", list(AT_ONCE))
async def test_a_normal_run_makes_the_calls_it_made_before_the_safety_checks(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path, scenario: str
) -> None:
    assert await _calls_of_a_run(client, emulator, scenario, tmp_path) == AT_ONCE[scenario]


@pytest.mark.anyio
@pytest.mark.parametrize("scenario", list(WITH_SERVER_TIME))
async def test_a_normal_run_against_a_slow_server_polls_as_often_as_before_the_safety_checks(
    emulators: Callable[..., Any], clients: Callable[..., Any], tmp_path: Path, scenario: str
) -> None:
    emu = await emulators(app_id="app", app_token="token", processing_rate=1.0, processing_delay=3.0)
    calls = await _calls_of_a_run(await clients(emu), emu, scenario, tmp_path)
    assert calls == WITH_SERVER_TIME[scenario]


@pytest.mark.anyio
async def test_coordinating_in_a_project_of_many_actions_reads_one_page_of_them_per_batch(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    # 150 actions, more than the one page of 100 that b838bcd read per look (these counts are its too).
    await ImportBatcher(client, batch_size=1).run(make_orders(150, start=100))
    earlier = len(emulator.requests)
    report = await ImportBatcher(client, batch_size=2, coordinate_with_other_processes=True).run(
        make_orders(6)
    )
    assert report.imported == 6
    calls = Counter(request.route for request in emulator.requests[earlier:])
    assert calls == {LIST_ACTIONS: 3, IMPORT: 3, POLL: 3}
