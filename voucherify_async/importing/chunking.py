"""Cut the validated orders into import batches: at most ``batch_size`` orders and ``max_batch_bytes`` bytes.

Each order is serialised exactly once, with orjson, when it enters a batch, and copied at once into the
batch's request body (:class:`~voucherify_async.importing.pieces.Pieces`), never re-serialised. A batch keeps
only that body (and the source_ids for the report): when the server refuses a batch with a 400, the orders
are parsed back from it.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from itertools import islice
from operator import methodcaller
from typing import Any

import anyio.lowlevel
import attrs
import orjson

from voucherify_async._errors import InvalidArgumentError
from voucherify_async.importing.duplicates import DuplicatesOption, SourceIdTracker
from voucherify_async.importing.errors import SourceError
from voucherify_async.importing.pieces import Pieces, as_pieces
from voucherify_async.importing.report import DuplicateRecord, OrderFailure
from voucherify_async.importing.shape_checks import plain_order_is_valid
from voucherify_async.importing.sources import SOURCE_CHECKPOINT_EVERY, OrderSource
from voucherify_async.importing.validation import OrderRules, validate_order
from voucherify_async.models import JSON_OPTIONS, json_default

__all__ = ["MAX_BATCH_SIZE", "Batch", "prepare_batches"]

MAX_BATCH_SIZE = 2000
"""The API's limit of orders per import request (``POST /v1/orders/import``: "There is a `2000` limit")."""

DEFAULT_MAX_BATCH_BYTES = 16 * 1024 * 1024
"""Default cap of a request body's size; far above 2000 ordinary orders, it guards against huge orders."""


@attrs.define
class Batch:
    """The orders of one import request, serialised, with the rejections found while reading them.

    Attributes:
        index: The batch's number in the source, from 1 (the tail that holds only rejections has the number
            the next batch would have, and no orders).
        pieces: Each order serialised as JSON, in source order, kept in the request body they make up
            (a list of ``bytes`` given here becomes :class:`Pieces`).
        source_ids: Each order's ``source_id`` (``None`` when it has none), parallel to ``pieces``.
        numbers: Each order's position in the source (from 1), parallel to ``pieces``: every failure and
            rejection of the batch names its record by it, also when ``source_id`` repeats or is missing.
        rejected: Orders the validation rejected since the previous batch (never sent).
        first_order: The position in the source (from 1) of the first order read for this batch.
        dates_replaced: Orders that carry their own ``created_at``, which the server replaces with the
            import time (``created_at_metadata`` is not set to keep it).
        duplicates: The records read for this batch whose ``source_id`` repeats an earlier valid record's:
            among ``pieces`` when repeats are sent, among ``rejected`` when they are rejected.
        cut_short: The source broke while this batch was being read (a file cut short): it holds the orders
            read before the break and is sent all the same; a run resumed with the repaired source sends
            the rest of its orders, keeping these.
    """

    index: int
    pieces: Pieces = attrs.field(factory=Pieces, converter=as_pieces)
    source_ids: list[str | None] = attrs.field(factory=list)
    numbers: list[int] = attrs.field(factory=list)
    rejected: list[OrderFailure] = attrs.field(factory=list)
    first_order: int = 1
    cut_short: bool = False
    dates_replaced: int = 0
    duplicates: list[DuplicateRecord] = attrs.field(factory=list)
    _fingerprint: str | None = attrs.field(default=None, init=False, eq=False, repr=False)

    @property
    def size(self) -> int:
        """How many orders the batch sends."""
        return len(self.pieces)

    @property
    def read(self) -> int:
        """How many records of the source this batch accounts for (sent and rejected)."""
        return len(self.pieces) + len(self.rejected)

    def body(self) -> bytes:
        """The request body: the JSON array of the serialised pieces (closed once, then kept)."""
        return self.pieces.body()

    def body_size(self) -> int:
        """The size of :meth:`body` in bytes."""
        return self.pieces.body_size()

    def fingerprint(self, first: int | None = None) -> str:
        """A digest of the batch's serialised orders: the checkpoint detects a changed source with it.

        Args:
            first: Digest only the first this many orders (a batch that was cut short before).
        """
        if first is not None and first != len(self.pieces):
            return _digest(self.pieces[:first])
        if self._fingerprint is None:
            self._fingerprint = _digest(self.pieces)
        return self._fingerprint

    def failure(self, index: int, reason: str) -> OrderFailure:
        """An :class:`OrderFailure` of the order at ``index`` of the batch, naming its place in the source."""
        return OrderFailure(
            self.source_ids[index], reason, self.numbers[index] if index < len(self.numbers) else None
        )

    def place(self, failures: list[OrderFailure]) -> list[OrderFailure]:
        """The server's failures of this batch with each one's place in the source, matched by ``source_id``
        (a ``source_id`` the batch holds twice gives its places in order)."""
        if not failures or not self.numbers:
            return failures
        places: dict[str | None, list[int]] = {}
        for source_id, number in zip(self.source_ids, self.numbers, strict=True):
            places.setdefault(source_id, []).append(number)
        placed = []
        for failure in failures:
            left = places.get(failure.source_id) if failure.source_id is not None else None
            if failure.position is None and left:
                failure = OrderFailure(failure.source_id, failure.reason, left.pop(0))
            placed.append(failure)
        return placed

    def orders(self) -> list[dict[str, Any]]:
        """The orders parsed back from their pieces (only needed to isolate the cause of a 400)."""
        return [orjson.loads(piece) for piece in self.pieces]

    def keeping(self, positions: Iterable[int]) -> Batch:
        """A copy of the batch with only the orders at ``positions`` (and no rejections)."""
        kept = sorted(set(positions))
        if len(kept) == len(self.pieces):  # all of them: share the pieces and the body already joined
            whole = Batch(
                self.index, self.pieces, self.source_ids, self.numbers, first_order=self.first_order
            )
            whole._fingerprint = self._fingerprint
            return whole
        return Batch(
            index=self.index,
            pieces=[self.pieces[i] for i in kept],
            source_ids=[self.source_ids[i] for i in kept],
            numbers=[self.numbers[i] for i in kept] if self.numbers else [],
            first_order=self.first_order,
        )


def _digest(pieces: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece)
        digest.update(b"\n")
    return digest.hexdigest()[:32]


class _BatchBuilder:
    """Fills one batch after the other, an order at a time (the per-order work of :func:`prepare_batches`)."""

    __slots__ = (
        "batch",
        "batch_size",
        "body_bytes",
        "max_batch_bytes",
        "number",
        "plain_fast",
        "repeat_of",
        "repeats_in",
        "require_source_id",
        "rules",
        "send_repeats",
    )

    def __init__(
        self,
        rules: OrderRules,
        batch_size: int,
        max_batch_bytes: int,
        tracker: SourceIdTracker | None = None,
        duplicates: DuplicatesOption = "send",
    ) -> None:
        self.rules = rules
        # The fast path of `validate_order`, inlined: a plain dict that certainly passes, nothing to move.
        self.plain_fast = rules.created_at_metadata is None
        self.require_source_id = rules.require_source_id
        self.repeat_of = tracker.repeat_of if tracker is not None else None
        self.repeats_in = tracker.repeats_in if tracker is not None else None
        self.send_repeats = duplicates == "send"
        self.batch_size = batch_size
        self.max_batch_bytes = max_batch_bytes
        self.batch = Batch(index=1)
        self.body_bytes = 0
        self.number = 0

    def add(self, order: object) -> Batch | None:
        """Take the next order of the source; return the batch it completed, if any."""
        self.number = number = self.number + 1
        batch = self.batch  # its `first_order` was set when it was begun (`_next`)
        outcome: Any
        if (
            self.plain_fast
            and order.__class__ is dict
            and plain_order_is_valid(order, self.require_source_id)
        ):
            outcome = order
        else:
            outcome = validate_order(order, number, self.rules)
            if isinstance(outcome, OrderFailure):
                batch.rejected.append(outcome)
                return None
        source_id = outcome.get("source_id")
        try:
            # Written the way the client writes every body: models and dates inside a mapping included.
            piece = orjson.dumps(outcome, default=json_default, option=JSON_OPTIONS)
        except TypeError as error:  # orjson.JSONEncodeError is one
            reason = f"cannot be serialised as JSON: {error.__cause__ or error}"
            batch.rejected.append(_rejection(number, source_id, reason))
            return None
        size = len(piece)
        if size + 2 > self.max_batch_bytes:
            reason = f"is {size} bytes of JSON, more than max_batch_bytes={self.max_batch_bytes}"
            batch.rejected.append(_rejection(number, source_id, reason))
            return None
        repeat = None
        if self.repeat_of is not None and source_id.__class__ is str:
            first = self.repeat_of(source_id, number)
            if first is not None:
                repeat = DuplicateRecord(source_id, number, first, sent=self.send_repeats)
                if not self.send_repeats:
                    batch.duplicates.append(repeat)
                    batch.rejected.append(_repeat_rejection(repeat))
                    return None
        full = None
        count = len(batch.source_ids)
        if count and self.body_bytes + size + count + 2 > self.max_batch_bytes:
            full, batch, count = batch, self._next(first_order=number), 0
        batch.pieces.append(piece)
        batch.source_ids.append(source_id if source_id.__class__ is str else None)
        batch.numbers.append(number)
        if repeat is not None:
            batch.duplicates.append(repeat)
        if self.plain_fast and "created_at" in outcome:
            batch.dates_replaced += 1
        self.body_bytes += size
        if count + 1 == self.batch_size:
            full, _ = batch, self._next(first_order=number + 1)
        return full

    def add_all(self, orders: list[object]) -> list[Batch]:
        """Take the next orders of the source; return the batches they completed.

        What :meth:`add` of each order does, the plain valid orders that go into one batch taken at once: a
        list of their pieces, one copy into the body, the tracker's look at all their ids in one call.
        """
        completed: list[Batch] = []
        if not self.plain_fast:
            for order in orders:
                if (full := self.add(order)) is not None:
                    completed.append(full)
            return completed
        is_valid, require_source_id = plain_order_is_valid, self.require_source_id
        start, end = 0, len(orders)
        while start < end:
            stop = min(end, start + self.batch_size - len(self.batch.source_ids))
            plain = start
            while plain < stop:
                order = orders[plain]
                if order.__class__ is not dict or not is_valid(order, require_source_id):
                    break
                plain += 1
            if plain == start:  # an order the full checks look at
                plain += 1
            elif self._add_plain(orders[start:plain]):  # type: ignore[arg-type]
                start = plain
                if len(self.batch.source_ids) == self.batch_size:
                    completed.append(self.batch)
                    self._next(first_order=self.number + 1)
                continue
            for order in orders[start:plain]:  # one at a time: what could not be taken at once
                if (full := self.add(order)) is not None:
                    completed.append(full)
            start = plain
        return completed

    def _add_plain(self, orders: list[dict[str, Any]]) -> bool:
        """Put plain valid orders that fit in the batch into it; ``False``: nothing done, :meth:`add` each.

        Nothing is done when one of them cannot be serialised, or when they do not all fit in
        ``max_batch_bytes``: then each is added on its own, which rejects or cuts where :meth:`add` does.
        """
        batch = self.batch
        count, size_before = len(batch.source_ids), batch.pieces.body_size()
        try:
            for group in range(0, len(orders), _SERIALISED_AT_ONCE):
                batch.pieces.extend(
                    [
                        orjson.dumps(order, default=json_default, option=JSON_OPTIONS)
                        for order in orders[group : group + _SERIALISED_AT_ONCE]
                    ]
                )
        except TypeError:  # orjson.JSONEncodeError is one
            batch.pieces.truncate(count)
            return False
        # What the pieces take, commas aside; then the last order's own test in `add` (the orders before it
        # pass if it does).
        size = batch.pieces.body_size() - size_before - len(orders) + (1 if count == 0 else 0)
        if self.body_bytes + size + count + len(orders) + 1 > self.max_batch_bytes:
            batch.pieces.truncate(count)
            return False
        first = self.number + 1
        self.number += len(orders)
        source_ids: list[str | None] = [order.get("source_id") for order in orders]
        numbers: list[int] | range = range(first, first + len(orders))
        repeats = self.repeats_in(source_ids, first) if self.repeats_in is not None else None
        if repeats:
            records = [
                DuplicateRecord(source_id, first + i, seen, self.send_repeats)
                for i, seen in repeats
                if (source_id := source_ids[i]) is not None  # always: only ids are looked up
            ]
            batch.duplicates += records
            if not self.send_repeats:  # the repeats are rejected: the pieces of the others only
                batch.rejected += map(_repeat_rejection, records)
                dropped = {i for i, _ in repeats}
                kept = [i for i in range(len(orders)) if i not in dropped]
                pieces = [batch.pieces[count + i] for i in kept]
                batch.pieces.truncate(count)
                batch.pieces.extend(pieces)
                size = sum(map(len, pieces))
                orders = [orders[i] for i in kept]
                source_ids = [source_ids[i] for i in kept]
                numbers = [first + i for i in kept]
        batch.source_ids += source_ids
        batch.numbers += numbers
        batch.dates_replaced += sum(map(_has_created_at, orders))
        self.body_bytes += size
        return True

    def _next(self, first_order: int) -> Batch:
        self.batch = Batch(index=self.batch.index + 1, first_order=first_order)
        self.body_bytes = 0
        return self.batch


async def prepare_batches(
    source: OrderSource,
    *,
    rules: OrderRules,
    batch_size: int = MAX_BATCH_SIZE,
    max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
    tracker: SourceIdTracker | None = None,
    duplicates: DuplicatesOption = "send",
) -> AsyncIterator[Batch]:
    """Read, validate, serialise and cut the source into batches, one batch at a time.

    Every batch but the last is full: it ends at ``batch_size`` orders or when the next order would push its
    body past ``max_batch_bytes``. Rejections travel with the batch read after them; when the source ends
    with rejections only, a last batch without orders carries them. Each batch comes with its request body
    already joined, so that the submitter sends it the moment the server is free.

    Args:
        source: An iterable or async iterable of orders (mappings, ``vf.Order``, :class:`MalformedRecord`).
        rules: The validation settings.
        batch_size: Orders per batch, 1..2000.
        max_batch_bytes: Largest request body in bytes; a single order larger than this is rejected.
        tracker: Remembers the run's ``source_id`` s, to find the records that repeat one (each batch lists
            them in ``duplicates``); ``None``: repeats are not looked for. The caller closes it.
        duplicates: ``send`` repeats like any order, or ``reject`` them (never sent), naming the first.

    Yields:
        Each :class:`Batch` in source order.
    """
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise InvalidArgumentError(f"batch_size must be between 1 and {MAX_BATCH_SIZE}, got {batch_size}")
    if max_batch_bytes < 3:
        raise InvalidArgumentError(f"max_batch_bytes is too small: {max_batch_bytes}")
    builder = _BatchBuilder(rules, batch_size, max_batch_bytes, tracker, duplicates)
    try:
        if isinstance(source, AsyncIterable):
            async for order in source:
                if (full := builder.add(order)) is not None:
                    full.body()
                    yield full
        else:
            # A plain loop: an async generator step per order would cost more than the order's own checks.
            # Read in slices, taken into batches at once (`add_all`): a sequence's whole, its orders being in
            # memory already; a stream's a few at a time, so that few records it reads are held together.
            at_once = SOURCE_CHECKPOINT_EVERY if isinstance(source, Sequence) else _STREAM_SLICE
            orders = iter(source)
            unchecked = 0
            while True:
                read: list[object] = []
                broken = None
                try:
                    for order in islice(orders, at_once):
                        read.append(order)
                except Exception as error:
                    # The orders read before the break are added first: the batches they complete go out
                    # (and with a SourceError, the batch they begin too, cut short, below).
                    broken = error
                for full in builder.add_all(read):
                    full.body()
                    yield full
                if broken is not None:
                    raise broken
                if len(read) < at_once:
                    break
                unchecked += at_once
                if unchecked < SOURCE_CHECKPOINT_EVERY:
                    continue
                unchecked = 0
                await anyio.lowlevel.checkpoint()  # let the submitter's answers and timers in
    except SourceError:
        # The source broke (a file cut short): the orders read before the break are imported all the same,
        # then the error stops the run.
        if builder.batch.read:
            builder.batch.cut_short = True
            builder.batch.body()
            yield builder.batch
        raise
    if builder.batch.read:
        builder.batch.body()
        yield builder.batch


_has_created_at = methodcaller("__contains__", "created_at")
_SERIALISED_AT_ONCE = 32  # orjson hands each order back in a 4 KB buffer: only so many are held at a time
_STREAM_SLICE = 64  # records of a stream (a file, a generator) read before they go into batches


def _repeat_rejection(repeat: DuplicateRecord) -> OrderFailure:
    reason = f"repeats the source_id of order #{repeat.first_position}, the one sent (duplicates='reject')"
    return _rejection(repeat.position, repeat.source_id, reason)


def _rejection(number: int, source_id: Any, reason: str) -> OrderFailure:
    sid = source_id if isinstance(source_id, str) else None
    where = f"order #{number}" + (f" (source_id {sid!r})" if sid is not None else "")
    return OrderFailure(sid, f"{where}: {reason}", number)
