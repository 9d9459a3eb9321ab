"""The emulator in a thread of its own, and the official Python SDK (``voucherify``) pointed at it.

The official SDK is synchronous (urllib3): the tests are plain functions calling it, while the emulator
serves from an event loop in a worker thread (``anyio.from_thread.start_blocking_portal``). Only the
emulator's loopback address is ever contacted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import anyio.from_thread
import pytest
import voucherify

from voucherify_async import ManualClock
from voucherify_async.emulator import Emulator

APP_ID = "app"
APP_TOKEN = "token"

Model = TypeVar("Model")


@pytest.fixture
def clock() -> ManualClock:
    """The emulator's time: imports and exports move on only when a test advances it."""
    return ManualClock(start=1_700_000_000.0)


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    """Options of the :class:`Emulator` (override the fixture in a module to change them)."""
    return {}


@pytest.fixture
def emulator(clock: ManualClock, emulator_options: dict[str, Any]) -> Iterator[Emulator]:
    """A running emulator (app id ``app``, token ``token``), served from a thread of its own."""
    emu = Emulator(app_id=APP_ID, app_token=APP_TOKEN, time_source=clock.time, **emulator_options)
    with anyio.from_thread.start_blocking_portal() as portal, portal.wrap_async_context_manager(emu):
        yield emu


def sdk_client(host: str, app_token: str = APP_TOKEN) -> voucherify.ApiClient:
    """An official SDK client of ``host`` with the app keys, configured as its README shows."""
    configuration = voucherify.Configuration(
        host=host, api_key={"X-App-Id": APP_ID, "X-App-Token": app_token}
    )
    return voucherify.ApiClient(configuration)


@pytest.fixture
def sdk(emulator: Emulator) -> Iterator[voucherify.ApiClient]:
    """The official SDK's client of the emulator."""
    with sdk_client(emulator.url) as client:
        yield client


def lost_fields(raw: Any, parsed: Any, path: str = "") -> list[str]:
    """The fields of a JSON answer (not ``null``) that the SDK's model dropped while parsing it."""
    if isinstance(raw, dict):
        if not isinstance(parsed, dict):
            return [f"{path or '<root>'}: parsed as {type(parsed).__name__}"]
        lost = [f"{path}.{key}" for key, value in raw.items() if key not in parsed and value is not None]
        for key in raw.keys() & parsed.keys():
            lost += lost_fields(raw[key], parsed[key], f"{path}.{key}")
        return lost
    if isinstance(raw, list) and isinstance(parsed, list):
        return [
            problem
            for index, (item, parsed_item) in enumerate(zip(raw, parsed, strict=True))
            for problem in lost_fields(item, parsed_item, f"{path}[{index}]")
        ]
    return []


def parsed(call: Callable[..., voucherify.ApiResponse[Model]], *args: Any, **kwargs: Any) -> Model:
    """Call an SDK method's ``*_with_http_info`` variant; check its model kept every field of the answer.

    Example:
        >>> order = parsed(voucherify.OrdersApi(sdk).get_order_with_http_info, "o-1")
    """
    response = call(*args, **kwargs)
    model = response.data
    assert type(model).__module__.startswith("voucherify.models."), type(model)
    raw = json.loads(response.raw_data)
    lost = lost_fields(raw, model.to_dict())  # type: ignore[attr-defined]
    assert not lost, f"{type(model).__name__} dropped {lost}"
    return model


def error_of(failure: pytest.ExceptionInfo[voucherify.ApiException]) -> voucherify.Error:
    """The API Error object of an SDK exception, parsed from its body into the SDK's own model."""
    assert isinstance(failure.value, voucherify.ApiException)
    body = failure.value.body
    assert isinstance(body, str)
    error = voucherify.Error.from_json(body)
    assert error is not None
    assert error.code == failure.value.status
    assert error.request_id
    return error
