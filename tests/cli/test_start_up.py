"""What the command loads: ``--help`` and a dry run never load the HTTP stack (run in fresh interpreters)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from cli_process import write_jsonl

from voucherify_async.cli import dry_run

# Runs the command's main() on argv, then says on stderr whether the HTTP stack (aiohttp, or yarl, its URLs)
# was loaded by then.
RUN_AND_REPORT = """
import sys
from voucherify_async.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit_:
    code = exit_.code or 0
print(f"aiohttp loaded: {'aiohttp' in sys.modules or 'yarl' in sys.modules}", file=sys.stderr)
sys.exit(code)
"""


def run_fresh(*argv: str | Path) -> tuple[int, str, bool]:
    """The exit code, the output and whether aiohttp or yarl was loaded, of the command run in a fresh
    interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT, *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    *errors, last = done.stderr.splitlines()
    assert last.startswith("aiohttp loaded: "), done.stderr
    return done.returncode, done.stdout + "\n".join(errors), last.endswith("True")


def orders(count: int) -> list[dict[str, object]]:
    return [{"source_id": f"o-{n}", "status": "PAID", "amount": 1000} for n in range(count)]


@pytest.mark.parametrize("argv", [("--help",), ("import", "--help"), ("demo", "--help"), ()])
def test_help_loads_no_http_stack(argv: tuple[str, ...]) -> None:
    _, output, aiohttp_loaded = run_fresh(*argv)
    assert ("usage:" in output, aiohttp_loaded) == (True, False)


def test_a_dry_run_loads_no_http_stack(tmp_path: Path) -> None:
    code, output, aiohttp_loaded = run_fresh(
        "import", write_jsonl(tmp_path / "o.jsonl", orders(3)), "--dry-run"
    )
    assert (code, aiohttp_loaded) == (0, False)
    assert "3 orders read, 3 valid, 0 rejected" in output


def test_a_dry_run_with_rejections_loads_no_http_stack(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    path.write_bytes(b"\n".join([orjson.dumps(orders(1)[0]), b"{broken", b"42"]) + b"\n")
    code, output, aiohttp_loaded = run_fresh("import", path, "--dry-run")
    assert (code, aiohttp_loaded) == (1, False)
    assert "3 orders read, 1 valid, 2 rejected" in output


def test_an_import_does_load_the_http_stack(tmp_path: Path) -> None:
    # The checks above can fail: a command that sends requests loads aiohttp (here it stops at once, with
    # no token, after checking the base URL with the client's own check).
    path = write_jsonl(tmp_path / "o.jsonl", orders(1))
    code, output, aiohttp_loaded = run_fresh(
        "import", path, "--base-url", "http://127.0.0.1:9", "--app-id", "a"
    )
    assert (code, aiohttp_loaded) == (2, True), output


def test_the_dry_runs_client_refuses_every_use() -> None:
    client = dry_run._NoClient()
    with pytest.raises(AttributeError, match=r"a dry run has no client \(it asked for client.orders\)"):
        client.orders  # noqa: B018
