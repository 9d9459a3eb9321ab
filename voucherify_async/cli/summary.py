"""The summary table that ends an import: the totals, the batches and the most common reasons.

It goes to stdout (the progress goes to stderr), so it can be kept apart: ``voucherify-async import ... >
summary.txt``. On a terminal the batch table keeps within its width.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from voucherify_async.cli.display import format_duration
from voucherify_async.cli.terminal_text import fit, terminal_safe
from voucherify_async.cli.terminal_text import terminal_width as summary_width
from voucherify_async.importing.report import BatchResult, ImportReport, OrderFailure

__all__ = ["reason_table", "render_summary", "summary_width"]

# The batcher's reasons name the order ("order #7 (source_id 'o-7'): ...") and the value found (", got -5");
# without those, reasons of the same kind group together in the summary.
_ORDER_PREFIX = re.compile(r"^order #\d+(?: \([^)]*\))?: ")
_VALUE_FOUND = re.compile(r", got .*$")
_FIRST_COPY = re.compile(r"(repeats the source_id of) order #\d+")
# A mapping's reasons name the order's source_id and the value read ("source_id '#1001', column 'Total':
# 'abc' is not an amount"): without those too.
_MAPPED_ORDER = re.compile(r"""^source_id (?:'[^']*'|"[^"]*"), """)
_VALUE_READ = re.compile(r"""^((?:column|path) (?:'[^']*'|"[^"]*"): )(?:'[^']*'|"[^"]*")""")


def _reason_kind(reason: str) -> str:
    kind = _MAPPED_ORDER.sub("", _ORDER_PREFIX.sub("", reason))
    kind = _VALUE_READ.sub(r"\1...", kind)
    return _FIRST_COPY.sub(r"\1 an earlier order", _VALUE_FOUND.sub("", kind))


def render_summary(
    report: ImportReport, *, width: int | None = None, max_batches: int = 12, max_reasons: int = 5
) -> str:
    """The table printed at the end of an import: totals, the batches, and the most common reasons.

    ``width``: the terminal's columns (:func:`summary_width`): the batch table keeps within them, and longer
    lines wrap at words. Every line is :func:`~voucherify_async.cli.terminal_text.terminal_safe` (reasons,
    ids and errors come from the file or the server).
    """
    rate = f" ({report.orders / report.elapsed:,.0f} orders/s)" if report.elapsed > 0 else ""
    rows = [
        ("orders read", f"{report.orders:,}"),
        ("imported", f"{report.imported:,}"),
        ("failed on the server", f"{len(report.failed):,}"),
        ("rejected as malformed", f"{len(report.rejected):,}"),
        ("repeated source_ids", _repeats(report)),
        ("batches", f"{len(report.batches):,}"),
        ("bulk calls", _bulk_calls(report)),
        ("async action polls", f"{report.polls:,}"),
        ("rate-limit waits", format_duration(report.rate_limit_wait)),
        ("elapsed", f"{format_duration(report.elapsed)}{rate}"),
    ]
    if report.in_flight_action_id:
        rows.append(("unfinished action", report.in_flight_action_id))
    if report.unanswered_batch is not None:
        rows.append(("unanswered batch", f"{report.unanswered_batch} (the server may have queued it)"))
    if report.unconfirmed_action_ids:
        rows.append(("not proven ours", ", ".join(report.unconfirmed_action_ids)))
    if report.source_error:
        rows.append(("source broke", report.source_error))
    label_width = max(len(label) for label, _ in rows)
    lines = ["Import summary"] + [
        fit(terminal_safe(f"  {label:<{label_width}}  {value}"), width, indent=label_width + 4)
        for label, value in rows
    ]
    lines += (terminal_safe(line) for line in _batch_table(report, max_batches, width))
    lines += reason_table("failed", report.failed, max_reasons, width=width)
    lines += reason_table("rejected", report.rejected, max_reasons, width=width)
    lines += (fit(terminal_safe(f"Note: {note}"), width, indent=6) for note in report.notes)
    return "\n".join(lines)


def _repeats(report: ImportReport) -> str:
    """Records whose source_id repeats an earlier one's: sent (the server updates the order) or rejected."""
    sent = sum(1 for duplicate in report.duplicates if duplicate.sent)
    parts = []
    if sent:
        parts.append(
            f"{sent:,} sent, each updating an earlier order: {report.distinct_imported:,} distinct imported"
        )
    if len(report.duplicates) > sent:
        parts.append(f"{len(report.duplicates) - sent:,} rejected, never sent")
    return "; ".join(parts) or "0"


def _bulk_calls(report: ImportReport) -> str:
    extra = report.extra_bulk_calls
    return f"{report.bulk_calls:,}" + (
        f" ({extra:,} extra, isolating orders the server refused)" if extra else ""
    )


def _batch_table(report: ImportReport, max_batches: int, width: int | None) -> list[str]:
    if not report.batches:
        return []
    shown = report.batches[:max_batches]
    action_width = max(len("async action"), *(len(batch.async_action_id or "-") for batch in shown))
    columns: list[tuple[str, int, Callable[[BatchResult], str]]] = [
        ("batch", 5, lambda batch: f"{batch.index:>5}"),
        ("async action", action_width, lambda batch: f"{batch.async_action_id or '-':<{action_width}}"),
        ("status", 8, lambda batch: f"{batch.status:<8}"),
        ("orders", 6, lambda batch: f"{batch.size:>6,}"),
        ("imported", 8, lambda batch: f"{batch.imported:>8,}"),
        ("failed", 6, lambda batch: f"{len(batch.failed):>6,}"),
        ("rejected", 8, lambda batch: f"{len(batch.rejected):>8,}"),
        ("polls", 5, lambda batch: f"{batch.polls:>5}"),
        ("time", max(4, *(len(_batch_time(batch)) for batch in shown)), _batch_time),
    ]
    # A narrow terminal would wrap every row: the time, the polls, then the action ids give way.
    for dropped in ("time", "polls", "async action"):
        if width is None or 2 + sum(size + 2 for _, size, _ in columns) < width:
            break
        columns = [column for column in columns if column[0] != dropped]
    titles = [
        f"{title:<{size}}" if title in ("async action", "status") else f"{title:>{size}}"
        for title, size, _ in columns
    ]
    lines = ["", "  " + "  ".join(titles).rstrip()]
    for batch in shown:
        lines.append("  " + "  ".join(cell(batch) for _, _, cell in columns))
    if len(report.batches) > max_batches:
        lines.append(f"  ... and {len(report.batches) - max_batches} more batches")
    return lines


def _batch_time(batch: BatchResult) -> str:
    return format_duration(batch.duration) + (" (earlier run)" if batch.resumed else "")


def reason_table(
    kind: str, failures: list[OrderFailure], max_reasons: int = 5, *, width: int | None = None
) -> list[str]:
    """The lines of the most common reasons of the orders ``kind`` (``failed``, ``rejected``), grouped by
    kind of reason (without the order and the value found), for a terminal ``width`` columns wide."""
    if not failures:
        return []
    counts = Counter(_reason_kind(failure.reason) for failure in failures)
    lines = ["", f"  most common reasons {kind}:"]
    for reason, count in counts.most_common(max_reasons):
        lines.append(fit(terminal_safe(f"  {count:>7,}  {reason}"), width, indent=11))
    if len(counts) > max_reasons:
        lines.append(f"  ... and {len(counts) - max_reasons} other reasons")
    return lines
