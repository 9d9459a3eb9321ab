"""The emulator through Voucherify's official JS SDK (``@voucherify/sdk``), when Node.js can load it.

Skipped unless ``node`` is on the PATH and resolves ``@voucherify/sdk`` (the tests install nothing). To run:

    npm install --prefix ~/.cache/voucherify-js @voucherify/sdk
    NODE_PATH=~/.cache/voucherify-js/node_modules uv run pytest tests/compat/test_js_sdk.py

The JS SDK has no models (its types are TypeScript declarations): the checks are that every call the SDK
makes is answered, with the shapes its types declare, and that errors become its ``VoucherifyError``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from voucherify_async.emulator import Emulator

FLOW = Path(__file__).with_name("js_sdk_flow.cjs")


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    found = subprocess.run(
        [node, "-e", "require.resolve('@voucherify/sdk')"], capture_output=True, check=False, timeout=30
    )
    if found.returncode != 0:
        pytest.skip("@voucherify/sdk is not installed for Node.js (see this module's docstring)")
    return node


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    """Imports and exports finish at once: the emulator's clock stands still while Node.js runs."""
    return {"processing_rate": None, "export_delay": 0.0}


@pytest.fixture
def seen(emulator: Emulator) -> dict[str, Any]:
    """What each call of the JS flow answered."""
    node = _node()
    run = subprocess.run(
        [node, str(FLOW), emulator.url], capture_output=True, text=True, check=False, timeout=60
    )
    assert run.returncode == 0, run.stderr
    answers: dict[str, Any] = json.loads(run.stdout)
    return answers


def test_order_calls_are_answered(seen: dict[str, Any]) -> None:
    assert (seen["created"]["object"], seen["created"]["source_id"]) == ("order", "o-1")
    assert seen["fetched"]["id"] == seen["created"]["id"]
    assert seen["updated"]["status"] == "FULFILLED"
    assert (seen["listed"]["data_ref"], seen["listed"]["total"]) == ("orders", 1)


def test_import_is_followed_to_done_with_its_failure(seen: dict[str, Any]) -> None:
    result = seen["action"]["result"]
    assert (seen["action"]["status"], result["done_count"], result["failed_count"]) == ("DONE", 1, 1)
    assert [failure["source_id"] for failure in result["failed"]] == ["o-3"]
    assert seen["actions"]["async_actions"][0]["id"] == seen["action"]["id"]


def test_export_is_created_with_the_only_export_call_of_the_sdk(seen: dict[str, Any]) -> None:
    assert (seen["export"]["exported_object"], seen["export"]["status"]) == ("order", "DONE")
    assert seen["exports"]["total"] == 1
    download = seen["download"]
    assert (download["status"], download["type"]) == (200, "text/plain; charset=utf-8")
    assert download["text"].splitlines()[0] == "Source ID,Status"


def test_errors_become_voucherify_errors(seen: dict[str, Any]) -> None:
    assert (seen["not_found"]["code"], seen["not_found"]["key"]) == (404, "not_found")
    assert (seen["bad_request"]["code"], seen["bad_request"]["key"]) == (400, "invalid_payload")
    assert (seen["unauthorized"]["code"], seen["unauthorized"]["key"]) == (401, "unauthorized")
    assert all(seen[name]["request_id"] for name in ("not_found", "bad_request", "unauthorized"))
