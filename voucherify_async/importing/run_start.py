"""The start of a run: its settings checked against the journal's, its name, its span, its ``start`` step.

Every run is named by a fresh ``run_id`` in the journal's ``start`` step; the import as a whole is named by
the first run's (``Journal.run_id``), which every run's span carries, so the runs of one import are found
together in traces. The ``start`` step also keeps the run span's ids when the run is traced, for a resumed
run's span to link to the first one's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from voucherify_async.importing.telemetry import new_run_id

if TYPE_CHECKING:
    from voucherify_async.importing.context import RunContext

__all__ = ["start_run"]


def start_run(ctx: RunContext, *, batch_size: int, max_batch_bytes: int, duplicates: str | None) -> None:
    """Check the journal's settings, start the run's span, and journal the run's start.

    Raises:
        CheckpointError: The journal was written with other batch settings.
    """
    journal = ctx.journal
    if journal is not None:
        journal.check_settings(batch_size, max_batch_bytes, duplicates)
    run_id = new_run_id()
    span_ids = ctx.telemetry.start_run(
        run_id=journal.run_id or run_id if journal is not None else run_id,
        resumed=journal is not None and journal.runs > 0,
        batch_size=batch_size,
        first_span=journal.first_span if journal is not None else None,
    )
    if journal is not None:
        traced = {"trace_id": span_ids[0], "span_id": span_ids[1]} if span_ids else {}
        journal.write(
            "start",
            at=ctx.clock.time(),
            batch_size=batch_size,
            max_batch_bytes=max_batch_bytes,
            duplicates=duplicates,
            run_id=run_id,
            **traced,
        )
