"""Settings of the wrong type, or out of range, are refused when they are made, before anything is sent.

Counts are ``int`` (not ``bool``, not ``float``): ``batch_size=1.5`` used to send every order in one request,
which was refused, and then spend 7 bulk calls isolating. Seconds are finite numbers:
``ImportPollPolicy(maximum=nan)`` used to poll 1,500 times in 2 s.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from batcher_scenarios import make_orders
from hypothesis import given
from hypothesis import strategies as st

import voucherify_async as vf
from voucherify_async.emulator import Emulator
from voucherify_async.importing.batcher import ImportBatcher

NAN = float("nan")
INF = float("inf")

UNOPENED_CLIENT = vf.AsyncVoucherify("app", "token", base_url="http://127.0.0.1:9")
"""For the tests of the constructor alone, which only keeps its client: nothing is sent through it."""

WRONG_BATCHER_SETTINGS: dict[str, list[object]] = {
    "batch_size": [1.5, 2000.0, True, False, NAN, INF, "2", None, 0, -1, 2001],
    "max_batch_bytes": [4096.0, True, NAN, INF, "4096", None, 2, -1],
    "batch_timeout": [NAN, INF, -INF, True, "60", 0, 0.0, -1],
    "lost_ack_margin": [NAN, INF, -INF, True, "5", None, -1, -0.5],
    "max_submit_attempts": [1.5, True, NAN, INF, "3", None, 0, -1],
    "max_refusals": [1.5, True, False, NAN, INF, "3", None, -1],
    "total_orders": [1.5, True, NAN, INF, "6", -1],
}

VALID_BATCHER_SETTINGS: dict[str, list[object]] = {
    "batch_size": [1, 2000],
    "max_batch_bytes": [3, 10_000_000],
    "batch_timeout": [None, 0.5, 60],
    "lost_ack_margin": [0, 0.0, 5, 0.25],
    "max_submit_attempts": [1, 10],
    "max_refusals": [0, 100],
    "total_orders": [None, 0, 6],
}

WRONG_IMPORT_POLL_SETTINGS: dict[str, list[object]] = {
    "first": [NAN, INF, True, "0.25", None, -1, -0.01],
    "minimum": [NAN, INF, True, "0.1", None, -0.1],
    "maximum": [NAN, INF, True, "30", None, 0, 0.0, -1],
    "backoff": [NAN, INF, True, "2", None, 0.5, 0, -1],
    "max_poll_errors": [1.5, True, NAN, INF, "5", None, -1],
    "resend": [NAN, INF, True, "1", None, -1],
}

POLL_POLICY_FIELDS = [field.name for field in attrs.fields(vf.PollPolicy)]


def _cases(settings: dict[str, list[object]]) -> list[Any]:
    return [
        pytest.param(name, value, id=f"{name}={value!r}")
        for name, values in settings.items()
        for value in values
    ]


def _refusal(name: str, value: object) -> str:
    """The error's whole text: it names the setting and the value refused."""
    return rf"^{re.escape(name)} must be .+, got {re.escape(repr(value))}$"


def _batcher_with(name: str) -> Callable[[object], object]:
    def make(value: object) -> ImportBatcher:
        options: dict[str, Any] = {name: value}
        return ImportBatcher(UNOPENED_CLIENT, **options)

    return make


def _policy_with(policy: type[Any], name: str) -> Callable[[object], object]:
    def make(value: object) -> object:
        return policy(**{name: value})

    return make


@pytest.mark.parametrize(("name", "value"), _cases(WRONG_BATCHER_SETTINGS))
def test_a_wrong_batcher_setting_is_refused_with_its_name_and_value(name: str, value: object) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=_refusal(name, value)):
        _batcher_with(name)(value)


@pytest.mark.parametrize(("name", "value"), _cases(VALID_BATCHER_SETTINGS))
def test_a_valid_batcher_setting_is_kept(name: str, value: object) -> None:
    batcher = _batcher_with(name)(value)
    assert isinstance(batcher, ImportBatcher)
    holder = batcher.settings if hasattr(batcher.settings, name) else batcher
    assert getattr(holder, name) == value


@pytest.mark.parametrize(("name", "value"), _cases(WRONG_IMPORT_POLL_SETTINGS))
def test_a_wrong_import_poll_policy_number_is_refused_naming_it(name: str, value: object) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=_refusal(f"ImportPollPolicy.{name}", value)):
        _policy_with(vf.ImportPollPolicy, name)(value)


def test_the_smallest_import_poll_policy_numbers_are_accepted() -> None:
    policy = vf.ImportPollPolicy(first=0, minimum=0, maximum=1, backoff=1, max_poll_errors=0, resend=0)
    assert policy.clamp(5.0) == 1


def test_a_changed_import_poll_policy_is_checked_too() -> None:
    with pytest.raises(vf.InvalidArgumentError, match=_refusal("ImportPollPolicy.maximum", NAN)):
        attrs.evolve(vf.ImportPollPolicy(), maximum=NAN)


@pytest.mark.parametrize("name", POLL_POLICY_FIELDS)
@pytest.mark.parametrize("value", [NAN, INF, -INF, True, False, "1", -1, -0.5])
def test_a_wrong_poll_policy_number_is_refused_with_its_name_and_value(name: str, value: object) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=_refusal(f"PollPolicy.{name}", value)):
        _policy_with(vf.PollPolicy, name)(value)


@pytest.mark.parametrize("name", [name for name in POLL_POLICY_FIELDS if name != "shortest_action"])
def test_a_poll_policy_number_other_than_the_shortest_action_cannot_be_none(name: str) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=_refusal(f"PollPolicy.{name}", None)):
        _policy_with(vf.PollPolicy, name)(None)


def test_a_poll_policy_refuses_a_longest_pause_of_0() -> None:
    with pytest.raises(vf.InvalidArgumentError, match=_refusal("PollPolicy.max_interval", 0)):
        vf.PollPolicy(max_interval=0)


def test_a_poll_policy_of_whole_seconds_and_no_shortest_action_is_accepted() -> None:
    policy = vf.PollPolicy(max_interval=10, initial_delay=0, shortest_action=None)
    assert (policy.max_interval, policy.initial_delay, policy.shortest_action) == (10, 0, None)


@pytest.mark.anyio
async def test_a_batch_size_of_one_and_a_half_is_refused_before_anything_is_sent(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=_refusal("batch_size", 1.5)):
        await ImportBatcher(client, batch_size=1.5).run(make_orders(5))  # type: ignore[arg-type]
    assert emulator.requests == []


@pytest.mark.anyio
async def test_a_bool_batch_size_is_refused_before_anything_is_sent(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=_refusal("batch_size", True)):
        await ImportBatcher(client, batch_size=True).run(make_orders(5))
    assert emulator.requests == []


@pytest.mark.anyio
async def test_a_nan_longest_poll_is_refused_before_anything_is_sent(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=_refusal("ImportPollPolicy.maximum", NAN)):
        await ImportBatcher(client, poll=vf.ImportPollPolicy(maximum=NAN)).run(make_orders(5))
    assert emulator.requests == []


# Every setting counted in seconds (PollPolicy's fractions too, which follow the same rule): how to make
# something with it, its bound, and whether the bound itself is allowed.
SECONDS_SETTINGS: dict[str, tuple[Callable[[object], object], float, bool]] = {
    "batch_timeout": (_batcher_with("batch_timeout"), 0, False),
    "lost_ack_margin": (_batcher_with("lost_ack_margin"), 0, True),
    **{
        f"ImportPollPolicy.{name}": (_policy_with(vf.ImportPollPolicy, name), 0, name != "maximum")
        for name in ["first", "minimum", "maximum", "resend"]
    },
    **{
        f"PollPolicy.{name}": (_policy_with(vf.PollPolicy, name), 0, name != "max_interval")
        for name in POLL_POLICY_FIELDS
    },
}

COUNT_SETTINGS: dict[str, tuple[int, int | None]] = {
    "batch_size": (1, 2000),
    "max_batch_bytes": (3, None),
    "max_submit_attempts": (1, None),
    "max_refusals": (0, None),
    "total_orders": (0, None),
}

ANY_NUMBER = st.floats() | st.integers() | st.booleans()
NOT_FINITE = st.sampled_from([NAN, -NAN, INF, -INF]) | st.booleans()


@given(setting=st.sampled_from(sorted(SECONDS_SETTINGS)), value=NOT_FINITE)
def test_no_seconds_setting_takes_a_number_that_is_not_finite_or_a_bool(setting: str, value: float) -> None:
    make, _, _ = SECONDS_SETTINGS[setting]
    with pytest.raises(vf.InvalidArgumentError, match=f"^{re.escape(setting)} must be"):
        make(value)


@given(setting=st.sampled_from(sorted(SECONDS_SETTINGS)), value=ANY_NUMBER)
def test_a_seconds_setting_is_accepted_exactly_when_it_is_a_finite_number_in_range(
    setting: str, value: float
) -> None:
    make, bound, bound_allowed = SECONDS_SETTINGS[setting]
    finite = not isinstance(value, bool) and (isinstance(value, int) or math.isfinite(value))
    if finite and (value >= bound if bound_allowed else value > bound):
        make(value)
    else:
        with pytest.raises(vf.InvalidArgumentError, match=f"^{re.escape(setting)} must be"):
            make(value)


@given(setting=st.sampled_from(sorted(COUNT_SETTINGS)), value=ANY_NUMBER)
def test_a_count_is_accepted_exactly_when_it_is_an_int_in_range(setting: str, value: float) -> None:
    lowest, highest = COUNT_SETTINGS[setting]
    whole = isinstance(value, int) and not isinstance(value, bool)
    if whole and lowest <= value and (highest is None or value <= highest):
        _batcher_with(setting)(value)
    else:
        with pytest.raises(vf.InvalidArgumentError, match=f"^{setting} must be"):
            _batcher_with(setting)(value)
