"""What the ``import`` and ``demo`` commands show while they work (the summary at the end: :mod:`.summary`).

On a terminal, one live line is redrawn in place (``\\r`` and an ANSI erase-to-end-of-line): orders accounted
for out of the total, batches, the current async action's status and progress as its last poll saw them, a
rate-limit wait with its countdown, the polls spent, the elapsed time, the rate and the ETA. Between two
events it moves on by itself (the batcher's estimates of the action in flight, marked ``~``). Anywhere else
(a log file, CI, a pipe) it prints one plain line per step worth a line. Both are fed by the batcher's
progress events (:mod:`voucherify_async.importing.progress`), and use only the standard library. What they
show of the file or the server goes through :func:`~voucherify_async.cli.terminal_text.terminal_safe`.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from typing import Literal, TextIO

import attrs

from voucherify_async._clock import DEFAULT_CLOCK, Clock
from voucherify_async.cli.terminal_text import terminal_safe
from voucherify_async.importing.progress import (
    ActionSetAside,
    ActionVanished,
    BatchFinished,
    BatchPolled,
    BatchRefused,
    BatchSubmitted,
    DatesReplaced,
    ImportProgress,
    OrdersRejected,
    ProgressEvent,
    RateLimitWait,
    WaitingForOtherImport,
)
from voucherify_async.importing.report import OrderFailure

DisplayMode = Literal["bar", "plain", "none"]

ERASE_TO_END_OF_LINE = "\x1b[K"
BAR_WIDTH = 24


def choose_mode(requested: str, stream: TextIO) -> DisplayMode:
    """Resolve ``--progress``: ``auto`` is a bar on a terminal and plain lines anywhere else."""
    if requested == "auto":
        interactive = stream.isatty() and os.environ.get("TERM") != "dumb"
        return "bar" if interactive else "plain"
    if requested in ("bar", "plain", "none"):
        return requested  # type: ignore[return-value]  # narrowed by the test above
    raise ValueError(f"unknown progress mode: {requested}")


def format_duration(seconds: float | None) -> str:
    """``75`` -> ``1:15``, ``3725`` -> ``1:02:05``, ``None`` -> ``?``."""
    if seconds is None:
        return "?"
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``plural(1, "batch", "batches")`` -> ``1 batch``; ``plural(2000, "order")`` -> ``2,000 orders``."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


@attrs.define
class DisplayState:
    """What the live line shows, updated from each event.

    Attributes:
        progress: The batcher's latest running totals.
        total_orders: The number of orders in the source, when known.
        batch: The number of the batch in flight.
        action_id: Its async action.
        status: The action's status as the last poll saw it (``None`` before its first poll).
        action_progress: The action's ``progress`` (0..100) as the last poll saw it.
        waiting_until: When a rate-limit wait ends (epoch seconds), while one is under way.
        waiting_for: What the wait is for, in words.
        waiting_short: The same, in fewer words (for a narrow terminal).
        event_at: When the last event came (epoch seconds): the line moves on from there.
        how: How the action came to stand for the batch (``submitted``, ``adopted``, ``reattached``).
    """

    progress: ImportProgress = attrs.field(factory=ImportProgress)
    total_orders: int | None = None
    batch: int | None = None
    action_id: str | None = None
    status: str | None = None
    action_progress: int = 0
    waiting_until: float | None = None
    waiting_for: str | None = None
    waiting_short: str | None = None
    event_at: float | None = None
    how: str = "submitted"

    def update(self, event: ProgressEvent, *, now: float | None = None) -> None:
        """Take in one event, come at epoch time ``now`` (``None``: the line does not move on its own)."""
        self.progress = event.progress
        self.event_at = now
        if event.progress.total_orders is not None:
            self.total_orders = event.progress.total_orders
        if isinstance(event, RateLimitWait):
            self.waiting_until = event.until
            limit = event.limit_type or "rate"
            if event.reason == "429":
                self.waiting_for, self.waiting_short = f"429 on {limit}, retry in", "429, retry in"
            else:
                self.waiting_for, self.waiting_short = f"{limit} spent, next in", "limit spent, next in"
            return
        if isinstance(event, WaitingForOtherImport):
            self.waiting_until = None
            self.waiting_for = f"waiting for import {event.async_action_id} ({event.status})"
            self.waiting_short = "waiting for another import"
            return
        self.waiting_until = self.waiting_for = self.waiting_short = None
        if isinstance(event, BatchSubmitted):
            # Nothing is known of the action until a poll looks at it: no status is made up meanwhile.
            self.batch, self.action_id, self.how = event.batch, event.async_action_id, event.how
            self.status, self.action_progress = None, 0
        elif isinstance(event, BatchPolled):
            self.batch, self.action_id = event.batch, event.async_action_id
            self.status, self.action_progress = event.status, event.action_progress
        elif isinstance(event, BatchFinished):
            self.status, self.action_progress = event.result.status, 100

    def run_seconds(self, now: float) -> float:
        """The run's seconds (``ImportProgress.elapsed``'s scale) at epoch time ``now``."""
        since = 0.0 if self.event_at is None else max(0.0, now - self.event_at)
        return self.progress.elapsed + since


_PARTS = ("graphic", "counts", "batches", "activity", "polls", "elapsed", "rate", "eta")
_SHRINK = ("graphic", "rate", "polls", "elapsed", "batches", "counts", "activity")
"""The order the parts shrink in on a narrow terminal: each to its next shorter form, then away if it may."""
_OPTIONAL = frozenset({"graphic", "rate", "polls", "elapsed", "batches"})


def render_bar(state: DisplayState, *, now: float, width: int) -> str:
    """The live line for ``state`` at epoch time ``now``, at most ``width - 1`` characters.

    Between two events the line moves on by itself: the orders of the action in flight estimated done
    (marked ``~``: an estimate from the progress the polls saw and the pace of the batches before; the
    report's counts stay exact), the rate, the elapsed time, and the ETA, which counts a rate-limit wait
    down with it. The action's status and progress are the last poll's. When the terminal is narrow the
    least useful parts shrink or go first: the bar's graphic, the rate, the polls, the elapsed time, the
    batch count, then the counts (to the share alone) and the batch's words; what the import waits for and
    the ETA stay.
    """
    progress = state.progress
    at = state.run_seconds(now)
    exact = progress.accounted
    estimated = max(exact, progress.estimated_accounted(at))
    mark = "~" if estimated > exact else ""
    total = state.total_orders
    forms: dict[str, list[str]] = {"graphic": []}
    if total:
        done = min(1.0, estimated / total)
        filled = int(done * BAR_WIDTH)
        forms["graphic"] = [f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}]"]
        share = f"{mark}{done:.0%}"
        forms["counts"] = [f"{share} {mark}{estimated:,}/{total:,}", share]
    else:
        forms["counts"] = [f"{mark}{estimated:,} orders"]
    forms["batches"] = [f"batches {progress.batches_done}"]
    forms["activity"] = [terminal_safe(form) for form in _activity(state, now)]  # server's ids and status
    forms["polls"] = [f"polls {progress.polls}"]
    forms["elapsed"] = [f"elapsed {format_duration(at)}"]
    rate = _rate(state, at)
    forms["rate"] = [] if rate is None else [f"{rate:,.0f}/s"]
    forms["eta"] = [f"ETA {format_duration(_eta(state, now))}"]
    return _fit(forms, width)


def _activity(state: DisplayState, now: float) -> list[str]:
    """What the import is doing, in a few forms, longest first."""
    if state.waiting_for is not None:
        if state.waiting_until is None:
            return [state.waiting_for, state.waiting_short or state.waiting_for]
        left = format_duration(state.waiting_until - now)
        return [f"{state.waiting_for} {left}", f"{state.waiting_short} {left}", f"wait {left}"]
    if state.batch is None:
        return []
    if state.status is None:
        return [f"batch {state.batch} {state.how}", f"#{state.batch} {state.how}"]
    seen = f"{state.status} {state.action_progress}%"
    return [
        f"batch {state.batch} {seen}",
        f"#{state.batch} {seen}",
        f"#{state.batch} {state.action_progress}%",
    ]


def _fit(forms: dict[str, list[str]], width: int) -> str:
    chosen = dict.fromkeys(forms, 0)

    def line() -> str:
        return "  ".join(forms[name][chosen[name]] for name in _PARTS if chosen[name] < len(forms[name]))

    for name in _SHRINK:
        last = len(forms[name]) if name in _OPTIONAL else len(forms[name]) - 1
        while len(line()) >= width and chosen[name] < last:
            chosen[name] += 1
    text = line()
    return text if len(text) < width else text[: max(0, width - 2)] + "…"


def _rate(state: DisplayState, at: float) -> float | None:
    """This run's orders per second, once it measured something (never the orders of an earlier run)."""
    progress = state.progress
    in_flight = progress.in_flight
    if progress.batches_this_run or (in_flight is not None and in_flight.expected_end is not None):
        return progress.estimated_rate(at)
    return None


def _eta(state: DisplayState, now: float | None = None) -> float | None:
    """The ETA at epoch time ``now`` (``None``: at the last event), counted down from the batcher's."""
    progress = state.progress
    at = progress.elapsed if now is None else state.run_seconds(now)
    eta = progress.eta_at(at)
    if eta is not None or not progress.batches_this_run or state.total_orders is None:
        return eta  # before this run finished a batch, nothing tells the server's speed
    # Events that carry no ETA (made by hand): what is left at this run's rate, after the wait under way.
    rate = progress.estimated_rate(at)
    if not rate:
        return None
    wait = 0.0 if now is None or state.waiting_until is None else max(0.0, state.waiting_until - now)
    return wait + max(0, state.total_orders - progress.estimated_accounted(at)) / rate


def describe_event(event: ProgressEvent, state: DisplayState) -> str | None:
    """One plain line for an event worth a line of a log, else ``None`` (polls, prepared batches)."""
    if isinstance(event, OrdersRejected):
        return (
            f"rejected {plural(len(event.rejections), 'order')} before sending: {_example(event.rejections)}"
        )
    if isinstance(event, BatchSubmitted):
        verb = {"submitted": "submitted as", "adopted": "adopted", "reattached": "reattached to"}[event.how]
        return f"batch {event.batch}: {plural(event.size, 'order')} {verb} {event.async_action_id}"
    if isinstance(event, BatchRefused):
        return (
            f"batch {event.batch}: refused by the server ({event.details}); "
            f"{plural(event.offenders, 'order')} dropped, resending {event.resending:,}"
        )
    if isinstance(event, BatchFinished):
        result = event.result
        counts = f"{result.imported:,} imported, {len(result.failed):,} failed"
        if result.rejected:
            counts += f", {len(result.rejected):,} rejected"
        total = f"/{state.total_orders:,}" if state.total_orders else ""
        return (
            f"batch {result.index}: {result.status}, {counts}; {event.progress.accounted:,}{total} orders "
            f"done, ETA {format_duration(_eta(state))}"
        )
    if isinstance(event, RateLimitWait):
        why = "the server answered 429" if event.reason == "429" else "the budget is spent"
        until = time.strftime("%H:%M:%S UTC", time.gmtime(event.until))
        limit = event.limit_type or "rate"
        return f"waiting {format_duration(event.seconds)} for the {limit} limit ({why}), until {until}"
    if isinstance(event, WaitingForOtherImport):
        return f"waiting for another import to finish: {event.async_action_id} ({event.status})"
    if isinstance(event, DatesReplaced):
        return (
            f"batch {event.batch}: {plural(event.orders, 'order')} carry their own created_at, which "
            "Voucherify replaces with the import time; --created-at-metadata original_created_at keeps it"
        )
    if isinstance(event, ActionSetAside):
        verdict = "is another's import" if event.proven_not_ours else "could not be proven ours"
        return f"batch {event.batch}: {event.async_action_id} {verdict} ({event.evidence})"
    if isinstance(event, ActionVanished):
        return (
            f"batch {event.batch}: {event.async_action_id} no longer exists; decided from its orders: "
            f"{event.decision}"
        )
    return None


def _worth_a_line_above_the_bar(event: ProgressEvent) -> bool:
    # What the bar alone would let pass unnoticed: waits, a refused batch, a failed action.
    if isinstance(event, BatchFinished):
        return event.result.status != "DONE"
    return isinstance(
        event,
        (ActionSetAside, ActionVanished, BatchRefused, DatesReplaced, RateLimitWait, WaitingForOtherImport),
    )


def _example(failures: Iterable[OrderFailure]) -> str:
    first = next(iter(failures), None)
    if first is None:
        return ""
    # The batcher's reasons name the order already ("order #8 (source_id 'ex-7'): ..."), the server's do not.
    if first.source_id is None or first.reason.startswith("order #") or first.source_id in first.reason:
        return first.reason
    return f"{first.source_id}: {first.reason}"


class ProgressDisplay:
    """The batcher's ``on_progress`` callback for a command: a live bar, plain lines, or nothing.

    Example:
        >>> display = ProgressDisplay(sys.stderr, mode=choose_mode("auto", sys.stderr))  # doctest: +SKIP
        >>> report = await ImportBatcher(client, on_progress=display).run(orders)  # doctest: +SKIP
        >>> display.finish()  # doctest: +SKIP
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        mode: DisplayMode,
        clock: Clock = DEFAULT_CLOCK,
        total_orders: int | None = None,
        min_redraw_interval: float = 0.1,
    ) -> None:
        self.stream = stream
        self.mode: DisplayMode = mode
        self.state = DisplayState(total_orders=total_orders)
        self._clock = clock
        self._min_redraw_interval = min_redraw_interval
        self._last_redraw: float | None = None
        self._bar_shown = False

    def __call__(self, event: ProgressEvent) -> None:
        """Take in one progress event and show what it changed."""
        self.state.update(event, now=self._clock.time())
        if self.mode == "plain":
            line = describe_event(event, self.state)
            if line is not None:
                self.print_line(line)
        elif self.mode == "bar":
            if _worth_a_line_above_the_bar(event):
                self.print_line(describe_event(event, self.state) or "")
            else:
                self.redraw(force=not isinstance(event, BatchPolled))

    def redraw(self, *, force: bool = False) -> None:
        """Redraw the live line (at most every ``min_redraw_interval`` seconds unless ``force``)."""
        if self.mode != "bar":
            return
        now = self._clock.monotonic()
        if (
            not force
            and self._last_redraw is not None
            and now - self._last_redraw < self._min_redraw_interval
        ):
            return
        self._last_redraw = now
        width = shutil.get_terminal_size((100, 24)).columns
        line = render_bar(self.state, now=self._clock.time(), width=width)
        self._bar_shown = self._write(f"\r{line}{ERASE_TO_END_OF_LINE}")

    async def keep_alive(self, interval: float = 1.0) -> None:
        """Redraw every ``interval`` seconds, so a long rate-limit wait counts down; runs until cancelled."""
        while True:
            await self._clock.sleep(interval)
            self.redraw(force=True)

    def print_line(self, line: str) -> None:
        """Print a line of its own (above the live bar, if one is shown)."""
        if self.mode == "none":
            return
        line = terminal_safe(line)  # its reasons and ids come from the file or the server
        if self.mode == "plain":
            line = f"{time.strftime('%H:%M:%S', time.gmtime(self._clock.time()))} {line}"
        erase = f"\r{ERASE_TO_END_OF_LINE}" if self._bar_shown else ""
        self._bar_shown = False
        if self._write(f"{erase}{line}\n") and self.mode == "bar":
            self.redraw(force=True)

    def finish(self) -> None:
        """End the live line, so what follows starts on a line of its own."""
        if self.mode == "bar" and self._bar_shown:
            self.redraw(force=True)
            self._write("\n")
            self._bar_shown = False

    def _write(self, text: str) -> bool:
        # An import can run for hours; a terminal or pipe that goes away must not stop it: the display goes
        # quiet instead (the summary and the files still tell the outcome).
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.mode = "none"
            return False
        return True
