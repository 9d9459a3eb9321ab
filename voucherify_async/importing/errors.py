"""The errors of the import batcher, all :class:`~voucherify_async.VoucherifyError` subclasses::

    VoucherifyError
    └── BatcherError                 anything the batcher itself refuses or gives up on
        ├── SourceError              a file source is unreadable as a whole (not one bad record)
        ├── CheckpointError          the checkpoint journal cannot be used
        │   └── SourceChangedError   the source differs from the one the journal was written for
        ├── BatchTimeoutError        an async action did not finish within the per-batch deadline
        └── ImportInterruptedError   the run stopped early on an API error; says which action was in flight

Errors of the API itself (an authentication failure, say) propagate as the client raises them, unless the
batcher handles them (429, lost acknowledgements, a 400 of one batch).
"""

from __future__ import annotations

from voucherify_async._errors import VoucherifyError
from voucherify_async.importing.report import ImportReport

__all__ = [
    "BatchTimeoutError",
    "BatcherError",
    "CheckpointError",
    "ImportInterruptedError",
    "SourceChangedError",
    "SourceError",
]


class BatcherError(VoucherifyError):
    """Base class of the errors the import batcher raises itself."""


class SourceError(BatcherError):
    """A source cannot be read as a whole (a JSON array cut short, a CSV file without a header...)."""


class CheckpointError(BatcherError):
    """The checkpoint journal cannot be used (unreadable, or written by other settings)."""


class SourceChangedError(CheckpointError):
    """The source is not the one the checkpoint journal was written for.

    Attributes:
        batch: The first batch (from 1) whose orders differ from what the journal recorded.
    """

    def __init__(self, message: str, *, batch: int) -> None:
        super().__init__(message)
        self.batch = batch


class BatchTimeoutError(BatcherError):
    """A batch's async action did not finish within ``batch_timeout``.

    The action may still finish on the server; resuming with the same checkpoint reattaches to it.

    Attributes:
        batch: The batch's number (from 1).
        async_action_id: The unfinished action.
    """

    def __init__(self, message: str, *, batch: int, async_action_id: str) -> None:
        super().__init__(message)
        self.batch = batch
        self.async_action_id = async_action_id


class ImportInterruptedError(BatcherError):
    """The run stopped before the end of the source; the report so far is attached.

    Raised for an API error the batcher cannot handle (say a 401) and carried as the reason when a run is
    cancelled (``report.in_flight_action_id`` names the action that was in flight).

    Attributes:
        report: The partial :class:`ImportReport`.
        async_action_id: The action in flight when the run stopped, if any.
    """

    def __init__(self, message: str, *, report: ImportReport, async_action_id: str | None) -> None:
        super().__init__(message)
        self.report = report
        self.async_action_id = async_action_id
