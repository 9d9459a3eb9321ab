"""Without ``opentelemetry-api`` nothing of it is imported, and the SDK works as before.

The package never imports the API statically either (it is reached through ``importlib`` in ``_otel``):
so the type check of the package reads none of its files, and passes the same with or without the extra.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import voucherify_async

PACKAGE = Path(voucherify_async.__file__).parent

BLOCKER = """
import sys

class NoOpenTelemetry:
    def find_spec(self, name, path=None, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoOpenTelemetry())
"""

RUN = """
import anyio
import voucherify_async as vf
from voucherify_async.emulator import Emulator

seen = []

async def main():
    async with Emulator() as emu, vf.AsyncVoucherify(
        "app", "token", base_url=emu.url, event_hooks={"response": [seen.append]}
    ) as client:
        orders = [{"source_id": f"o-{n}", "status": "PAID", "amount": n + 1} for n in range(5)]
        report = await vf.ImportBatcher(client, batch_size=2).run(orders)
        raw = await client.with_raw_response.orders.get("o-1")
    assert report.imported == 5 and raw.status == 200, report
    print(len(seen), sorted(name for name in sys.modules if name.startswith("opentelemetry")))

anyio.run(main)
"""


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_an_import_run_without_the_api_imports_none_of_it() -> None:
    calls, modules = run("import sys\n" + BLOCKER + RUN).split(" ", 1)
    assert modules == "[]"
    assert int(calls) > 5  # the hooks still ran


def test_with_the_api_installed_the_same_run_imports_it_at_first_use_only() -> None:
    at_import = run(
        "import sys, voucherify_async; print([n for n in sys.modules if n.startswith('opentelemetry')])"
    )
    assert at_import == "[]"
    _, modules = run("import sys\n" + RUN).split(" ", 1)
    assert "'opentelemetry.trace'" in modules


def test_the_package_never_imports_opentelemetry_statically() -> None:
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.name}: {name}" for name in names if name.split(".")[0] == "opentelemetry"]
    assert found == []
