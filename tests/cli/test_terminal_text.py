"""Text from the server or the order file reaches the terminal with its control characters made visible
(:mod:`voucherify_async.cli.terminal_text`), and long lines wrap at words."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from cli_process import make_orders, run_import

from voucherify_async.cli.display import DisplayState, ProgressDisplay, describe_event, render_bar
from voucherify_async.cli.summary import reason_table, render_summary
from voucherify_async.cli.terminal_text import fit, terminal_safe
from voucherify_async.importing.progress import BatchPolled, ImportProgress, OrdersRejected
from voucherify_async.importing.report import ImportReport, OrderFailure

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\r\x9b\u202e"
RAW_CONTROLS = ("\x1b", "\x07", "\r", "\x9b", "\u202e")


def test_controls_become_visible_escapes() -> None:
    assert terminal_safe(f"id {HOSTILE}\n") == "id \\x1b]0;pwned\\x07\\x1b[2J\\r\\x9b\\u202e\\n"


def test_non_ascii_text_stays_as_it_is() -> None:
    assert terminal_safe("café 日本 Zürich") == "café 日本 Zürich"


def test_a_rejection_line_escapes_the_source_id() -> None:
    failure = OrderFailure(f"o{HOSTILE}", f"Cannot find customer with id {HOSTILE}")
    stream = io.StringIO()
    ProgressDisplay(stream, mode="plain")(OrdersRejected(ImportProgress(rejected=1), (failure,)))
    assert [control for control in RAW_CONTROLS if control in stream.getvalue()] == []


def test_a_rejection_line_says_a_reason_naming_its_order_once() -> None:
    source_id = "ex\\7"  # its repr in the reason doubles the backslash
    failure = OrderFailure(source_id, f"order #8 (source_id {source_id!r}): quantity must be at least 1")
    line = describe_event(OrdersRejected(ImportProgress(rejected=1), (failure,)), DisplayState())
    assert line == f"rejected 1 order before sending: {failure.reason}"


def test_the_bar_escapes_the_status_the_server_gave() -> None:
    state = DisplayState()
    polled = BatchPolled(
        ImportProgress(), batch=1, async_action_id="aa_1", status=f"DONE{HOSTILE}", action_progress=5
    )
    state.update(polled)
    line = render_bar(state, now=0.0, width=200)
    assert [control for control in RAW_CONTROLS if control in line] == []


def test_the_summary_escapes_reasons_and_the_source_error() -> None:
    report = ImportReport(orders=1, source_error=f"line 2: {HOSTILE}")
    report.failed.append(OrderFailure("o-1", f"Cannot find customer with id {HOSTILE}"))
    summary = render_summary(report)
    assert [control for control in RAW_CONTROLS if control in summary] == []


def test_fit_wraps_at_words_keeping_ids_whole() -> None:
    long_id = "aa_" + "0" * 70
    lines = fit(f"The journal of this import is /state/{long_id}: run it again", 60).splitlines()
    assert lines == ["The journal of this import is", f"/state/{long_id}:", "run it again"]


def test_a_summary_60_columns_wide_wraps_reasons_at_words() -> None:
    report = ImportReport(orders=1)
    reason = "amount must be a non-negative integer in the smallest currency unit (cents)"
    report.rejected.append(OrderFailure("o-1", f"order #1 (source_id 'o-1'): {reason}, got -5"))
    lines = render_summary(report, width=60).splitlines()
    assert lines[-2:] == [
        "        1  amount must be a non-negative integer in the",
        "           smallest currency unit (cents)",
    ]


def test_reason_table_says_how_many_other_reasons() -> None:
    failures = [OrderFailure(None, f"order #{n}: rule {n}") for n in range(7)]
    assert reason_table("rejected", failures, 5)[-1] == "  ... and 2 other reasons"


@pytest.mark.anyio
async def test_an_import_prints_no_control_character_of_the_file_or_the_server(
    env: dict[str, str], tmp_path: Path
) -> None:
    malformed = {**make_orders(1)[0], "source_id": f"o{HOSTILE}", "amount": -5}
    ghost = {**make_orders(1, start=1)[0], "customer": {"id": f"café-日本{HOSTILE}"}}
    source = tmp_path / "hostile.jsonl"
    source.write_bytes(orjson.dumps(malformed) + b"\n" + orjson.dumps(ghost) + b"\n")
    run = await run_import(source, "--no-checkpoint", "--progress", "plain", env=env)
    assert [control for control in RAW_CONTROLS if control in run.output] == [], run.output
    assert "café-日本\\x1b]0;pwned\\x07" in run.stdout, run.stdout


@pytest.mark.anyio
async def test_a_dry_run_prints_no_control_character_and_groups_its_reasons(
    env: dict[str, str], tmp_path: Path
) -> None:
    orders = [
        {**order, "source_id": f"{order['source_id']}{HOSTILE}", "amount": -5} for order in make_orders(7)
    ]
    orders.append({**make_orders(1, start=9)[0], "status": f"NOPE{HOSTILE}"})
    source = tmp_path / "hostile.jsonl"
    source.write_bytes(b"".join(orjson.dumps(order) + b"\n" for order in orders))
    run = await run_import(source, "--dry-run", env=env)
    assert [control for control in RAW_CONTROLS if control in run.output] == [], run.output
    assert "most common reasons rejected:" in run.stdout, run.stdout
    assert "        7  amount must be a non-negative integer" in run.stdout, run.stdout


@pytest.mark.anyio
async def test_a_wrong_token_gives_the_advice_once(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "one.jsonl"
    source.write_bytes(orjson.dumps(make_orders(1)[0]) + b"\n")
    run = await run_import(source, "--no-checkpoint", env={**env, "VOUCHERIFY_APP_TOKEN": "wrong"})
    assert (run.code, run.stderr.count("Check the app id")) == (2, 1), run.stderr
