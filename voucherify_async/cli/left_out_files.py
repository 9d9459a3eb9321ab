"""The ``--rejects`` and ``--failures`` files of a running import, kept up to date as orders are left out.

An import of 100,000 orders on a plan of one bulk call an hour runs for two days: the files cannot wait for
its end. After each progress event that follows new rejections or failures, the files are rewritten whole
from the run's report (:func:`~voucherify_async.cli.order_files.write_left_out_orders`: each record as the
order file holds it, found again by its position), through a temporary file renamed into place. So, at any
moment, each file holds every record the run left out so far, or the version before; a Ctrl-C or a kill
leaves them complete up to the stop.

Why rewrite from the report rather than append: a resumed run accounts for every batch again (the finished
ones from the journal, without a bulk call), so its report lists every left-out record once, from the first
batch on. Rewritten from that list, the file of a resumed run holds each record once, in the order file's
order, without reading the files of earlier runs back. Memory stays bounded: the report holds the left-out
orders anyway, and the records are read again from the order file, never kept.

A rewrite reads the order file up to the last record left out; on a big, fast import that adds up, so the
rewrites are spaced to take at most a tenth of the run's time (on a rate-limited run, where a batch takes
minutes, that is after every batch). The end of the run, or its stop, writes them once more, at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from voucherify_async._clock import DEFAULT_CLOCK, Clock
from voucherify_async.cli.display import plural
from voucherify_async.cli.order_files import write_left_out_orders
from voucherify_async.importing.report import ImportReport, OrderFailure

__all__ = ["LeftOutFiles", "LeftOutWriter", "how_to_get_them"]


class LeftOutWriter(Protocol):
    """Writes the files of the orders left out (the signature of :func:`write_left_out_orders`)."""

    def __call__(
        self,
        path: Path,
        file_format: str,
        *,
        rejects: tuple[Path, list[OrderFailure]] | None,
        failures: tuple[Path, list[OrderFailure]] | None,
    ) -> tuple[int, int]: ...


class LeftOutFiles:
    """The files of the orders a running import left out: rewritten as the report grows.

    Args:
        source: The order file.
        file_format: Its format (``jsonl``, ``json`` or ``csv``).
        rejects: The ``--rejects`` file, if any.
        failures: The ``--failures`` file, if any.
        clock: Measures the rewrites, to space them.
        max_share: The largest share of the run's time that rewrites during the run may take.
        writer: What writes the files (default :func:`write_left_out_orders`; a mapped import has its own).
    """

    def __init__(
        self,
        source: Path,
        file_format: str,
        *,
        rejects: Path | None,
        failures: Path | None,
        clock: Clock = DEFAULT_CLOCK,
        max_share: float = 0.1,
        writer: LeftOutWriter | None = None,
    ) -> None:
        self._writer = writer
        self.source = source
        self.file_format = file_format
        self.rejects = rejects
        self.failures = failures
        self.written = (0, 0)
        """How many records the rejects file and the failures file hold, as last written."""
        self.rewrites = 0
        """How many times the files were written."""
        self._clock = clock
        self._max_share = max_share
        self._covers: tuple[int, int] | None = None  # the report's (rejected, failed) counts last written
        self._not_before = float("-inf")

    def follow(self, report: ImportReport) -> None:
        """After a progress event: rewrite the files if the run left orders out since they were last written,
        unless a rewrite now would take more than the run's share (a later event, or the end, writes them).

        Nothing is written before the first order is left out (the end of the run writes the files in any
        case). A file that cannot be written now (a full disk, say) does not stop the import: a later event
        tries again, and so does the end of the run, whose error is the command's.
        """
        if _counts(report) == (self._covers or (0, 0)) or self._clock.monotonic() < self._not_before:
            return
        try:
            self.write(report)
        except OSError:
            self._not_before = self._clock.monotonic() + 1.0

    def write(self, report: ImportReport) -> tuple[int, int]:
        """Write the files from ``report`` now (unless they hold its lists already).

        Returns:
            How many records the rejects file and the failures file hold.

        Raises:
            OSError: A file could not be written (the one it would have replaced is left as it was).
        """
        counts = _counts(report)
        if counts == self._covers or (self.rejects is None and self.failures is None):
            return self.written
        started = self._clock.monotonic()
        write = self._writer or write_left_out_orders
        self.written = write(
            self.source,
            self.file_format,
            rejects=(self.rejects, report.rejected) if self.rejects is not None else None,
            failures=(self.failures, report.failed) if self.failures is not None else None,
        )
        self._covers = counts
        self.rewrites += 1
        took = self._clock.monotonic() - started
        self._not_before = started + took / self._max_share
        return self.written

    def save_stopped(self, report: ImportReport | None) -> str | None:
        """Write the files of a run that stopped, up to where it stood (``report``: ``None`` when it stopped
        before it began); what they hold, or why they could not be written (``None``: no file was asked).
        """
        files = [
            (path, which) for which, path in enumerate((self.rejects, self.failures)) if path is not None
        ]
        if report is None or not files:
            return None
        try:
            written = self.write(report)
        except OSError as error:
            return f"The orders left out so far could not be written: {error}"
        held = ", ".join(f"{plural(written[which], 'order')} in {path}" for path, which in files)
        return f"Orders left out so far: {held}."


def how_to_get_them(flag: str, journal: Path | None, emulator: bool) -> str:
    """How to get the orders a finished run left out in a file (``flag``: ``--rejects`` or ``--failures``),
    never by sending again an order already imported."""
    if journal is not None:
        return (
            f"to get them in a file, run the same command again with {flag} PATH: the journal answers for "
            "every batch, nothing is sent again"
        )
    if emulator:
        return f"pass {flag} PATH to get them in a file (the embedded emulator spends no bulk call)"
    return (
        "no journal was kept (--no-checkpoint): running the command again would send every order again, so "
        f"pass {flag} PATH to the next import"
    )


def _counts(report: ImportReport) -> tuple[int, int]:
    # The report's lists only grow while a run goes on: their lengths tell whether anything was added.
    return (len(report.rejected), len(report.failed))
