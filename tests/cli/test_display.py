from __future__ import annotations

import io

import anyio
import anyio.lowlevel
import pytest

import voucherify_async as vf
from voucherify_async.cli.display import (
    DisplayState,
    ProgressDisplay,
    choose_mode,
    describe_event,
    format_duration,
    render_bar,
)
from voucherify_async.importing.in_flight import InFlightAction
from voucherify_async.importing.progress import (
    BatchFinished,
    BatchPolled,
    BatchSubmitted,
    ImportProgress,
    OrdersRejected,
    RateLimitWait,
)
from voucherify_async.importing.report import BatchResult, OrderFailure

NOW = 1_700_000_000.0


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def polled(accounted: int, *, status: str = "IN_PROGRESS", action_progress: int = 40) -> BatchPolled:
    progress = ImportProgress(imported=accounted, rate=1000.0, total_orders=10_000, batches_done=2)
    return BatchPolled(
        progress, batch=3, async_action_id="aa_3", status=status, action_progress=action_progress
    )


def test_format_duration_shows_hours_only_when_needed() -> None:
    assert [format_duration(75), format_duration(3725), format_duration(None)] == ["1:15", "1:02:05", "?"]


def test_auto_mode_is_a_bar_on_a_terminal_and_plain_lines_in_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    assert (choose_mode("auto", FakeTerminal()), choose_mode("auto", io.StringIO())) == ("bar", "plain")


def test_bar_shows_share_batch_status_rate_and_eta() -> None:
    state = DisplayState()
    state.update(polled(4000))
    line = render_bar(state, now=NOW, width=200)
    for part in ("40%", "4,000/10,000", "batch 3 IN_PROGRESS 40%", "1,000/s", "ETA 0:06"):
        assert part in line, (part, line)


def test_bar_counts_down_a_rate_limit_wait() -> None:
    state = DisplayState()
    state.update(
        RateLimitWait(
            ImportProgress(), seconds=3000, until=NOW + 2500, limit_type="bulk_api_calls", reason="429"
        )
    )
    assert "429 on bulk_api_calls, retry in 41:40" in render_bar(state, now=NOW, width=200)


def test_bar_shows_no_eta_before_a_batch_finished() -> None:
    state = DisplayState(total_orders=10_000)
    state.update(
        BatchSubmitted(ImportProgress(rejected=2, rate=4.0), batch=1, size=2000, async_action_id="aa_1")
    )
    line = render_bar(state, now=NOW, width=200)
    assert "ETA ?" in line
    assert "/s" not in line


def test_narrow_bar_keeps_the_wait_and_the_eta() -> None:
    state = DisplayState(total_orders=6000)
    state.update(polled(4000))
    state.update(
        RateLimitWait(state.progress, 3600, until=NOW + 3599, limit_type="bulk_api_calls", reason="paced")
    )
    line = render_bar(state, now=NOW, width=80)
    assert "bulk_api_calls spent, next in 59:59" in line
    assert line.endswith("ETA 1:00:05")  # the wait, then the 2,000 orders left at 1,000/s


def test_bar_never_exceeds_the_terminal_width() -> None:
    state = DisplayState()
    state.update(polled(4000))
    assert len(render_bar(state, now=NOW, width=30)) < 30


def test_bar_mode_redraws_one_line_in_place() -> None:
    terminal = FakeTerminal()
    display = ProgressDisplay(terminal, mode="bar", clock=vf.ManualClock(start=NOW))
    display(polled(1000))
    display(polled(2000, status="DONE", action_progress=100))
    display.finish()
    assert terminal.getvalue().count("\n") == 1
    assert terminal.getvalue().count("\r") >= 2


def test_plain_mode_skips_polls() -> None:
    stream = io.StringIO()
    ProgressDisplay(stream, mode="plain", clock=vf.ManualClock(start=NOW))(polled(1000))
    assert stream.getvalue() == ""


def test_plain_mode_prints_a_line_per_finished_batch() -> None:
    stream = io.StringIO()
    display = ProgressDisplay(stream, mode="plain", clock=vf.ManualClock(start=NOW))
    result = BatchResult(index=2, async_action_id="aa_2", size=2000, status="DONE", imported=1999)
    result.failed.append(OrderFailure("o-7", "customer not found"))
    display(BatchFinished(ImportProgress(imported=3999, failed=1, total_orders=5000), result))
    assert "batch 2: DONE, 1,999 imported, 1 failed; 4,000/5,000 orders done" in stream.getvalue()


def test_none_mode_prints_nothing() -> None:
    stream = io.StringIO()
    display = ProgressDisplay(stream, mode="none")
    display(BatchSubmitted(ImportProgress(), batch=1, size=10, async_action_id="aa_1"))
    display.print_line("hello")
    display.finish()
    assert stream.getvalue() == ""


def test_rejections_line_names_an_example_order_and_its_reason() -> None:
    event = OrdersRejected(
        ImportProgress(rejected=2), (OrderFailure("o-1", "bad status"), OrderFailure(None, "x"))
    )
    assert describe_event(event, DisplayState()) == "rejected 2 orders before sending: o-1: bad status"


def test_bar_mode_prints_a_rate_limit_wait_above_the_bar() -> None:
    terminal = FakeTerminal()
    display = ProgressDisplay(terminal, mode="bar", clock=vf.ManualClock(start=NOW))
    display(polled(1000))
    display(RateLimitWait(ImportProgress(), 60, until=NOW + 60, limit_type="bulk_api_calls", reason="429"))
    assert "waiting 1:00 for the bulk_api_calls limit (the server answered 429)" in terminal.getvalue()


class ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError


def test_a_stream_that_went_away_silences_the_display_without_stopping_the_import() -> None:
    display = ProgressDisplay(ClosedPipe(), mode="plain", clock=vf.ManualClock(start=NOW))
    display(BatchSubmitted(ImportProgress(), batch=1, size=10, async_action_id="aa_1"))
    display(BatchSubmitted(ImportProgress(), batch=2, size=10, async_action_id="aa_2"))
    assert display.mode == "none"


@pytest.mark.anyio
async def test_keep_alive_counts_a_wait_down_each_second() -> None:
    clock, terminal = vf.ManualClock(start=NOW), FakeTerminal()
    display = ProgressDisplay(terminal, mode="bar", clock=clock)
    display(RateLimitWait(ImportProgress(), 60, until=NOW + 60, limit_type="bulk_api_calls", reason="paced"))
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(display.keep_alive)
        while len(clock.sleeps) < 3:
            await anyio.lowlevel.checkpoint()
        tasks.cancel_scope.cancel()
    assert "next in 0:59" in terminal.getvalue()
    assert "next in 0:58" in terminal.getvalue()


def running_batch(*, elapsed: float = 10.0) -> BatchSubmitted:
    """Batch 3 of 5 just submitted, 4,000 orders accounted for; its action is expected to take 4 s, and 8 s
    of work follow it."""
    action = InFlightAction(
        3, "aa_3", 2000, submitted_at=elapsed, seen_at=elapsed, expected_end=elapsed + 4.0
    )
    progress = ImportProgress(
        imported=4000,
        batches_done=2,
        polls=5,
        elapsed=elapsed,
        rate=400.0,
        total_orders=10_000,
        eta=12.0,
        in_flight=action,
    )
    return BatchSubmitted(progress, batch=3, size=2000, async_action_id="aa_3")


def test_between_two_polls_the_counts_and_the_eta_move_as_estimates() -> None:
    state = DisplayState()
    state.update(running_batch(), now=NOW)
    first, second, third = (render_bar(state, now=NOW + seconds, width=200) for seconds in (0, 1, 2))
    assert "40% 4,000/10,000" in first  # exact, as the report counts
    assert "~45% ~4,500/10,000" in second  # estimated, and marked so
    assert "~50% ~5,000/10,000" in third
    assert ("ETA 0:12" in first, "ETA 0:11" in second, "ETA 0:10" in third) == (True, True, True)
    assert ("400/s" in first, "409/s" in second, "417/s" in third) == (True, True, True)


def test_the_bar_shows_an_actions_status_only_as_a_poll_saw_it() -> None:
    state = DisplayState()
    state.update(running_batch(), now=NOW)
    submitted = render_bar(state, now=NOW + 1, width=200)
    state.update(polled(4000, status="IN_PROGRESS", action_progress=40), now=NOW + 2)
    assert "batch 3 submitted" in submitted
    assert "ENQUEUED" not in submitted  # nothing looked at the action yet
    assert "batch 3 IN_PROGRESS 40%" in render_bar(state, now=NOW + 2, width=200)


def test_the_bar_shows_the_elapsed_time_and_the_polls_spent() -> None:
    state = DisplayState()
    state.update(running_batch(elapsed=70.0), now=NOW)
    line = render_bar(state, now=NOW + 2, width=200)
    assert "elapsed 1:12" in line
    assert "polls 5" in line


def test_the_eta_of_a_rate_limit_wait_counts_the_wait_down_with_it() -> None:
    progress = ImportProgress(
        imported=400, batches_done=2, elapsed=10.0, rate=40.0, total_orders=800, eta=605.0, wait_ends_at=610.0
    )
    state = DisplayState()
    state.update(RateLimitWait(progress, 600, until=NOW + 600, limit_type=None, reason="429"), now=NOW)
    line = render_bar(state, now=NOW + 100, width=200)
    assert "retry in 8:20" in line
    assert "ETA 8:25" in line  # what is left of the wait, then the 400 orders left
    assert "  4/s  " in line  # 400 orders in 110 s: the rate does not stand still either


def test_a_resumed_run_shows_no_rate_of_orders_an_earlier_run_imported() -> None:
    progress = ImportProgress(
        imported=6000,
        batches_done=3,
        carried_over=6000,
        batches_carried_over=3,
        elapsed=1.0,
        total_orders=10_000,
    )
    state = DisplayState()
    state.update(BatchSubmitted(progress, batch=4, size=2000, async_action_id="aa_4"), now=NOW)
    line = render_bar(state, now=NOW + 1, width=200)
    assert "/s" not in line
    assert "ETA ?" in line


def test_a_narrow_terminal_keeps_the_estimate_the_batch_and_the_eta() -> None:
    state = DisplayState()
    state.update(running_batch(), now=NOW)
    line = render_bar(state, now=NOW + 1, width=40)
    assert len(line) < 40, line
    assert line == "~45%  batch 3 submitted  ETA 0:11"


@pytest.mark.anyio
async def test_the_live_line_moves_on_between_events() -> None:
    clock, terminal = vf.ManualClock(start=NOW), FakeTerminal()
    display = ProgressDisplay(terminal, mode="bar", clock=clock)
    display(running_batch())
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(display.keep_alive)
        while len(clock.sleeps) < 3:
            await anyio.lowlevel.checkpoint()
        tasks.cancel_scope.cancel()
    assert "~4,500/10,000" in terminal.getvalue()
    assert "~5,000/10,000" in terminal.getvalue()
