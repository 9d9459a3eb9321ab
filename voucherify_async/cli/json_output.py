"""``import --json`` and ``import --progress json``: what the command says, for a program to read.

``--json`` writes one JSON object on stdout when the command ends, however it ends (imported, stopped on an
error, interrupted, refused before it began): the exit code, the error if any, the report (so far), and the
files written. Nothing else goes to stdout then; the human summary is not shown (the object holds it all),
and messages for a person stay on stderr. ``--progress json`` writes each progress event as one JSON object
on a line of stderr. The shapes are documented in the README's command-line section; no token is in them
(the report and the errors never hold one).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import attrs
import orjson

from voucherify_async.cli.interruption import Terminated
from voucherify_async.importing.errors import ImportInterruptedError
from voucherify_async.importing.progress import ImportProgress, ProgressEvent
from voucherify_async.importing.report import BatchResult, DryRunReport, ImportReport, OrderFailure

__all__ = ["JsonOutcome", "JsonProgress", "batch_document", "report_document"]

JSON_VERSION = 1
"""The version of the shape of ``--json`` and ``--progress json``: raised when a field changes meaning or goes
away (new fields may come without it)."""


@attrs.define
class JsonOutcome:
    """What a run under ``--json`` ends with, filled in as the command goes.

    Attributes:
        report: The import's report (so far, for a stopped run); ``None`` before the import began.
        dry_run: The dry run's report, for ``--dry-run``.
        error: What stopped the command, if anything did.
        files: The files the command writes, by kind (``rejects``, ``failures``, ``journal``).
    """

    report: ImportReport | None = None
    dry_run: DryRunReport | None = None
    error: BaseException | None = None
    files: dict[str, Path | None] = attrs.field(factory=dict)

    def document(self, exit_code: int) -> dict[str, Any]:
        """The one JSON object of the run, ended with ``exit_code``."""
        document: dict[str, Any] = {
            "version": JSON_VERSION,
            "exit_code": exit_code,
            "error": error_document(self.error) if self.error is not None else None,
            "report": report_document(self.report) if self.report is not None else None,
        }
        if self.dry_run is not None:
            document["dry_run"] = dry_run_document(self.dry_run)
        document["files"] = {kind: str(path) if path else None for kind, path in self.files.items()}
        return document

    def write(self, stream: TextIO, exit_code: int) -> None:
        """Write :meth:`document` as one line; a reader that went away (``| head``) is no error."""
        try:
            stream.write(orjson.dumps(self.document(exit_code)).decode() + "\n")
            stream.flush()
        except (BrokenPipeError, ValueError):
            pass


def error_document(error: BaseException) -> dict[str, Any]:
    """``{"type": ..., "message": ...}``, and the status and request id of an API error.

    A run the batcher stopped on an API error (:class:`ImportInterruptedError`) is typed by that error
    (``ConflictError``, ``APIConnectionError``...), the one a program acts on; its message says where it
    stopped.
    """
    if isinstance(error, (KeyboardInterrupt, Terminated)):
        message = "interrupted (SIGTERM)" if isinstance(error, Terminated) else "interrupted (Ctrl-C)"
    else:
        message = str(error) or type(error).__name__
    if isinstance(error, ImportInterruptedError) and error.__cause__ is not None:
        error = error.__cause__
    document: dict[str, Any] = {"type": type(error).__name__, "message": message}
    for name in ("status", "request_id"):
        value = getattr(error, name, None)
        if isinstance(value, (int, str)):
            document[name] = value
    return document


def report_document(report: ImportReport) -> dict[str, Any]:
    """The report: its counts, its batches, what it cost, and what was left in flight."""
    return {
        "ok": report.ok,
        "counts": {
            "orders": report.orders,
            "imported": report.imported,
            "distinct_imported": report.distinct_imported,
            "failed": len(report.failed),
            "rejected": len(report.rejected),
            "duplicates": len(report.duplicates),
            "in_flight": report.in_flight_orders,
        },
        "bulk_calls": report.bulk_calls,
        "extra_bulk_calls": report.extra_bulk_calls,
        "polls": report.polls,
        "rate_limit_wait": round(report.rate_limit_wait, 3),
        "elapsed": round(report.elapsed, 3),
        "batches": [batch_document(batch) for batch in report.batches],
        "in_flight_action_id": report.in_flight_action_id,
        "unanswered_batch": report.unanswered_batch,
        "unconfirmed_action_ids": list(report.unconfirmed_action_ids),
        "notes": report.notes,
    }


def batch_document(batch: BatchResult) -> dict[str, Any]:
    """One batch: its action, status, size and counts (the orders left out are in the files, by position)."""
    return {
        "index": batch.index,
        "async_action_id": batch.async_action_id,
        "status": batch.status,
        "size": batch.size,
        "imported": batch.imported,
        "failed": len(batch.failed),
        "rejected": len(batch.rejected),
        "bulk_calls": batch.bulk_calls,
        "polls": batch.polls,
        "resumed": batch.resumed,
        "duration": round(batch.duration, 3),
        "message": batch.message,
    }


def dry_run_document(dry: DryRunReport) -> dict[str, Any]:
    """What a dry run found: the counts an import would start from."""
    return {
        "orders": dry.orders,
        "valid": dry.valid,
        "rejected": len(dry.rejected),
        "duplicates": len(dry.duplicates),
        "batches": dry.batches,
        "bulk_calls": dry.bulk_calls,
    }


class JsonProgress:
    """The batcher's ``on_progress`` for ``--progress json``: one JSON object a line per event.

    Each line holds ``event`` (the event's type name, e.g. ``BatchPolled``), the event's own fields (a
    finished batch as in the report, rejections as ``{position, source_id, reason}``, the final report as its
    counts) and ``progress``, the running totals at the event.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream: TextIO | None = stream

    def __call__(self, event: ProgressEvent) -> None:
        """Write one event's line (and nothing more once the stream went away: the import goes on)."""
        if self.stream is None:
            return
        line: dict[str, Any] = {"event": type(event).__name__}
        for field in attrs.fields(type(event)):
            if field.name != "progress":
                line[field.name] = _plain(getattr(event, field.name))
        line["progress"] = progress_document(event.progress)
        try:
            self.stream.write(orjson.dumps(line).decode() + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            self.stream = None


def progress_document(progress: ImportProgress) -> dict[str, Any]:
    """The running totals of a progress event (its numbers; the action in flight is in the events)."""
    fields: Mapping[str, Any] = attrs.asdict(progress, recurse=False)
    document = {name: value for name, value in fields.items() if name not in ("in_flight", "wait_ends_at")}
    document["accounted"] = progress.accounted
    return document


def _plain(value: Any) -> Any:
    if isinstance(value, BatchResult):
        return batch_document(value)
    if isinstance(value, ImportReport):
        return report_document(value)["counts"]
    if isinstance(value, OrderFailure):
        return {"position": value.position, "source_id": value.source_id, "reason": value.reason}
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value
