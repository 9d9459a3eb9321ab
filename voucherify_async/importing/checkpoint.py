"""The checkpoint journal: what a run did, batch by batch, so that a killed run can be resumed safely.

The journal is a JSON Lines file that a person can read (``tail -f`` it during an import). Each line is one
step, written, flushed and fsynced before the batcher goes on::

    {"event": "start", "at": 1700000000.0, "batch_size": 2000, "max_batch_bytes": 16777216,
     "duplicates": "send", "run_id": "4f1c...", "trace_id": "0af7...", "span_id": "b7ad..."}
    {"event": "submitting", "batch": 1, "fingerprint": "9f2c...", "size": 2000, "at": 1700000000.5}
    {"event": "submitted", "batch": 1, "async_action_id": "aa_1", "how": "submitted", "at": 1700000000.7}
    {"event": "finished", "batch": 1, "async_action_id": "aa_1", "status": "DONE", "imported": 1998,
     "failed": [["o-17", "..."], ["o-18", "..."]], "rejected": [], "bulk_calls": 1, "polls": 3}
    {"event": "refused", "batch": 2, "details": "...", "rejected": [["o-4001", "..."]]}
    {"event": "split", "batch": 3, "details": "...", "pending": [[0, 1, 2], [3, 4, 5]]}
    {"event": "stopped", "batch": 3, "async_action_id": "aa_3", "reason": "cancelled"}
    {"event": "grown", "batch": 4, "fingerprint": "07d1...", "size": 2000}

``submitting`` is written *before* the import request goes out, with the time: when the process dies between
sending and recording the answer, the next run knows a request may have been accepted and looks at the
project's async actions created since then. Each batch's fingerprint (a digest of its serialised orders) is
kept, so a source that changed since is refused instead of silently importing other orders.

After a lost answer, the actions examined are recorded too: ``confirmed`` (proven the batch's, with the
evidence), ``disowned`` (proven another's) or ``unconfirmed`` (not proven either way; the batch's orders
then count as failed, naming it); a resumed run never adopts a disowned or unconfirmed action again. An
action that vanished (404 on resume) gets a ``vanished`` step with what was decided from the orders.

A batch that ended where its source broke (a file cut short) is ``finished`` with ``"cut_short": true``;
when a later run reads it whole from the repaired source, and its first orders are those imported, a
``grown`` step makes them its first part and the rest is sent.

Each run starts with a ``start`` step naming the run (``run_id``), and, when it is traced, its span's ids
(``trace_id``, ``span_id``, hex): the import as a whole is known by the first run's id, and a resumed run's
span links to the first run's span.

A line cut short by a kill in the middle of a write is ignored.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import attrs
import orjson

from voucherify_async.importing.errors import CheckpointError
from voucherify_async.importing.report import BatchResult, OrderFailure

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None

__all__ = ["BatchRecord", "Journal"]


@attrs.define
class BatchRecord:
    """What the journal knows about one batch.

    Attributes:
        index: The batch's number (from 1).
        fingerprint: The digest of its orders when it was first submitted.
        size: Orders in it when first submitted.
        submitting_at: Client-clock epoch time of the last ``submitting`` step (a request may be in flight).
        async_action_ids: Every action id recorded for it, the current one last.
        result: Its final outcome, once ``finished``.
        rejected: Orders dropped after a 400 (recorded by ``refused`` steps).
        rejected_positions: Their positions in the batch.
        positions: The positions (in the batch) of the orders of the last ``submitting`` step (``None``: the
            whole batch).
        parts: Actions of the batch that finished while the batch as a whole had not (a batch split to
            isolate a 400): ``(positions, result)`` each.
        last_submission: The last request of the batch the server answered: ``(action id, sent at,
            answered at)`` on the client's clock (how far the server's clock is from ours follows from it).
        pending: The parts (positions) still to send after the batch's last split, in order; a resumed run
            goes on with them instead of sending the rest as one part that the server would refuse again.
        adopted: Actions adopted for the batch after a lost answer (checked to hold the batch's orders).
        sent_at: Client-clock epoch time when the request of the batch's current action was sent (the
            search window for a lost answer's action starts there); kept after the answer.
        examined: Actions found after a lost answer and set aside: proven not the batch's, or not proven.
        cut_short: The batch finished holding only the orders read before its source broke; a run with the
            repaired source sends the rest (a ``grown`` step makes the finished orders its first part).
        refusals: The 400s the batch met so far (``refused`` and ``split`` steps), counted against
            ``max_refusals`` across runs.
    """

    index: int
    fingerprint: str
    size: int
    submitting_at: float | None = None
    async_action_ids: list[str] = attrs.field(factory=list)
    result: BatchResult | None = None
    rejected: list[OrderFailure] = attrs.field(factory=list)
    rejected_positions: list[int] = attrs.field(factory=list)
    positions: list[int] | None = None
    parts: list[tuple[list[int], BatchResult]] = attrs.field(factory=list)
    last_submission: tuple[str, float, float] | None = None
    pending: list[list[int]] | None = None
    adopted: set[str] = attrs.field(factory=set)
    refusals: int = 0
    sent_at: float | None = None
    examined: set[str] = attrs.field(factory=set)
    cut_short: bool = False

    @property
    def async_action_id(self) -> str | None:
        """The action currently standing for the batch, if one was recorded."""
        return self.async_action_ids[-1] if self.async_action_ids else None

    @property
    def awaiting_answer(self) -> bool:
        """Whether a request was being sent and its answer never recorded (a kill in between)."""
        return self.result is None and self.submitting_at is not None


_SET_ASIDE = ("disowned", "unconfirmed")
"""Steps naming an action found after a lost answer that was not proven the batch's: never adopted again."""
_BATCH_STEPS = frozenset(
    {"submitting", "submitted", "refused", "split", "part", "finished", "grown", *_SET_ASIDE}
)


def _failures(items: list[OrderFailure]) -> list[list[str | int | None]]:
    """``[source_id, reason]``, and the record's place in the source third when known."""
    return [
        [failure.source_id, failure.reason]
        if failure.position is None
        else [failure.source_id, failure.reason, failure.position]
        for failure in items
    ]


def _read_failures(items: Any) -> list[OrderFailure]:
    return [OrderFailure(*item) for item in items or []]


def _read_result(index: int, step: dict[str, Any]) -> BatchResult:
    return BatchResult(
        index=index,
        async_action_id=step.get("async_action_id"),
        size=int(step["size"]),
        status=step["status"],
        imported=int(step["imported"]),
        failed=_read_failures(step.get("failed")),
        rejected=_read_failures(step.get("rejected")),
        bulk_calls=int(step.get("bulk_calls", 1)),
        polls=int(step.get("polls", 0)),
        message=step.get("message"),
        resumed=True,
        unconfirmed_action_id=step.get("unconfirmed_action_id"),
    )


class Journal:
    """An append-only checkpoint journal (see the module docs for its format).

    Args:
        path: The journal file; created if missing, appended to otherwise.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.batches: dict[int, BatchRecord] = {}
        """What earlier runs (and this one) recorded, by batch number."""
        self.completed = False
        """Whether a run recorded that it reached the end of the source."""
        self.batch_size: int | None = None
        """The batch size of the first run that wrote the journal (batches are only comparable with it)."""
        self.max_batch_bytes: int | None = None
        """The byte limit of batches of the first run that wrote the journal."""
        self.duplicates: str | None = None
        """What the first run did with repeated ``source_id`` s: ``send`` or ``reject`` (shapes batches)."""
        self.run_id: str | None = None
        """The id of the first run that wrote the journal and named itself (the import's id)."""
        self.first_span: tuple[str, str] | None = None
        """The trace and span ids (hex) of the first run's span, when it was traced."""
        self.runs = 0
        """How many runs started on this journal so far (this one included, once it wrote its start)."""
        self._file: IO[bytes] | None = None
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        try:
            lines = self.path.read_bytes().splitlines()
        except OSError as error:
            raise CheckpointError(f"cannot read the checkpoint journal {self.path}: {error}") from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                step = orjson.loads(line)
                self._apply(step)
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
                if number == len(lines):
                    break  # the last line, cut short by a kill during the write
                raise CheckpointError(
                    f"the checkpoint journal {self.path} is damaged at line {number}: {error}"
                ) from None

    def _apply(self, step: dict[str, Any]) -> None:
        event = step["event"]
        if event == "start":
            self.completed = False
            self.runs += 1
            if self.run_id is None and isinstance(step.get("run_id"), str):
                self.run_id = step["run_id"]
                if isinstance(step.get("trace_id"), str) and isinstance(step.get("span_id"), str):
                    self.first_span = (step["trace_id"], step["span_id"])
            if self.batch_size is None:
                self.batch_size = step.get("batch_size")
                self.max_batch_bytes = step.get("max_batch_bytes")
                self.duplicates = step.get("duplicates")
            return
        if event == "complete":
            self.completed = True
            return
        if event not in (
            "submitting",
            "submitted",
            "refused",
            "split",
            "part",
            "finished",
            "grown",
            *_SET_ASIDE,
        ):
            return  # informational steps ("stopped", "confirmed", "vanished") change nothing to resume from
        index = int(step["batch"])
        record = self.batches.get(index)
        if event == "submitting":
            if record is None:
                record = BatchRecord(index=index, fingerprint=step["fingerprint"], size=int(step["size"]))
                self.batches[index] = record
            record.submitting_at = record.sent_at = float(step["at"])
            record.positions = step.get("positions")
        elif record is None:
            return  # a step about a batch the journal never saw submitted: nothing to resume from
        elif event == "submitted":
            action_id = str(step["async_action_id"])
            record.async_action_ids.append(action_id)
            if step.get("how") == "adopted":
                record.adopted.add(action_id)
                if "sent_at" in step:
                    record.sent_at = float(step["sent_at"])
            if step.get("how") == "submitted" and record.submitting_at is not None and "at" in step:
                record.last_submission = (action_id, record.submitting_at, float(step["at"]))
            record.submitting_at = None
        elif event in _SET_ASIDE:
            record.examined.add(str(step["async_action_id"]))
        elif event == "refused":
            record.rejected.extend(_read_failures(step.get("rejected")))
            record.rejected_positions.extend(step.get("positions") or [])
            record.submitting_at = None
            record.refusals += 1
        elif event == "split":
            record.pending = [list(part) for part in step["pending"]]
            record.submitting_at = None
            record.refusals += 1
        elif event == "part":
            record.parts.append((list(step["positions"]), _read_result(index, step)))
        elif event == "finished":
            record.result = _read_result(index, step)
            record.submitting_at = None
            record.cut_short = bool(step.get("cut_short", False))
        elif event == "grown" and record.result is not None:
            # A batch cut short by a broken source, read again whole: what it imported becomes its first part.
            record.parts.append((list(range(record.size)), record.result))
            record.result, record.cut_short = None, False
            record.fingerprint, record.size = str(step["fingerprint"]), int(step["size"])

    def write(self, event: str, **fields: Any) -> None:
        """Append one step, flush and fsync it, and apply it to :attr:`batches`."""
        step = {"event": event, **fields}
        line = orjson.dumps(step) + b"\n"
        try:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = open(self.path, "ab")  # noqa: SIM115 (kept open for the run; closed by close())
                self._lock()
                self._cut_partial_line()
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as error:
            raise CheckpointError(f"cannot write the checkpoint journal {self.path}: {error}") from None
        self._apply(step)

    def _lock(self) -> None:
        # Two runs on one journal would both import the batches it lists as unfinished: the second is refused.
        # The lock goes with the open file, so a killed run's lock is gone with its process.
        assert self._file is not None
        if fcntl is None:
            return  # no advisory locks on this system (Windows): the user keeps runs apart
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._file.close()
            self._file = None
            raise CheckpointError(
                f"the checkpoint journal {self.path} is in use by another run; wait for it to end"
            ) from None

    def _cut_partial_line(self) -> None:
        # A kill during a write can leave a last line without its newline: drop it, so the next step stays
        # on a line of its own and the journal holds only whole steps.
        assert self._file is not None
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            self._file.truncate(data.rfind(b"\n") + 1)

    def check_settings(self, batch_size: int, max_batch_bytes: int, duplicates: str | None = None) -> None:
        """Refuse to resume with other batch settings: the batches would not line up with the journal's.

        Raises:
            CheckpointError: The journal was written with another ``batch_size``, ``max_batch_bytes`` or
                ``duplicates`` (rejecting repeats takes them out of the batches; a journal that does not
                say is not checked).
        """
        for name, recorded, given in (
            ("batch_size", self.batch_size, batch_size),
            ("max_batch_bytes", self.max_batch_bytes, max_batch_bytes),
            ("duplicates", self.duplicates, duplicates),
        ):
            if recorded is not None and recorded != given:
                raise CheckpointError(
                    f"the checkpoint journal {self.path} was written with {name}={recorded}; resume with the "
                    f"same setting (given {name}={given})"
                )

    def record_submitting(
        self, index: int, fingerprint: str, size: int, at: float, positions: list[int] | None = None
    ) -> None:
        """Record that batch ``index`` is about to be sent (before the request goes out).

        ``positions`` names the orders of the batch being sent when it is not the whole batch.
        """
        fields: dict[str, Any] = {"positions": positions} if positions is not None else {}
        self.write("submitting", batch=index, fingerprint=fingerprint, size=size, at=at, **fields)

    def record_submitted(
        self,
        index: int,
        async_action_id: str,
        how: str,
        *,
        at: float | None = None,
        sent_at: float | None = None,
    ) -> None:
        """Record the action that now stands for batch ``index`` (``at``: when we learnt it, our clock;
        ``sent_at``: when the request it stands for was sent, for an action adopted after a lost answer)."""
        fields: dict[str, Any] = {"at": at} if at is not None else {}
        if sent_at is not None:
            fields["sent_at"] = sent_at
        self.write("submitted", batch=index, async_action_id=async_action_id, how=how, **fields)

    def record_refused(
        self, index: int, details: str, rejected: list[OrderFailure], positions: list[int]
    ) -> None:
        """Record a 400 and the orders (at ``positions`` in the batch) dropped because of it."""
        self.write("refused", batch=index, details=details, rejected=_failures(rejected), positions=positions)

    def record_split(self, index: int, details: str, pending: list[list[int]]) -> None:
        """Record a 400 that split batch ``index``: the parts (positions) left to send, in order."""
        self.write("split", batch=index, details=details, pending=pending)

    def record_part(self, positions: list[int], result: BatchResult) -> None:
        """Record one finished action of a batch that was split (the orders at ``positions``)."""
        self._write_result("part", result, positions=positions)

    def record_finished(self, result: BatchResult, *, cut_short: bool = False) -> None:
        """Record a batch's final outcome (``cut_short``: it ended where its source broke)."""
        if cut_short:
            self._write_result("finished", result, cut_short=True)
        else:
            self._write_result("finished", result)

    def record_grown(self, index: int, fingerprint: str, size: int) -> None:
        """Record that batch ``index``, cut short before, is read whole now: its orders are ``size``."""
        self.write("grown", batch=index, fingerprint=fingerprint, size=size)

    def _write_result(self, event: str, result: BatchResult, **extra: Any) -> None:
        if result.unconfirmed_action_id is not None:
            extra["unconfirmed_action_id"] = result.unconfirmed_action_id
        self.write(
            event,
            batch=result.index,
            async_action_id=result.async_action_id,
            size=result.size,
            status=result.status,
            imported=result.imported,
            failed=_failures(result.failed),
            rejected=_failures(result.rejected),
            bulk_calls=result.bulk_calls,
            polls=result.polls,
            message=result.message,
            **extra,
        )

    def close(self) -> None:
        """Close the file (the journal stays on disk)."""
        if self._file is not None:
            self._file.close()
            self._file = None
