"""Cut the validated orders into import batches: at most ``batch_size`` orders and ``max_batch_bytes`` bytes.

Each order is serialised exactly once, with orjson, when it enters a batch; the request body is the JSON
array joined from those pieces, never re-serialised. A batch keeps only the serialised pieces (and the
source_ids for the report): when the server refuses a batch with a 400, the orders are parsed back from them.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable
from typing import Any

import attrs
import orjson

from voucherify_async._errors import InvalidArgumentError
from voucherify_async.importing.report import OrderFailure
from voucherify_async.importing.sources import OrderSource, iterate_source
from voucherify_async.importing.validation import OrderRules, validate_order

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
        pieces: Each order serialised as JSON, in source order.
        source_ids: Each order's ``source_id`` (``None`` when it has none), parallel to ``pieces``.
        rejected: Orders the validation rejected since the previous batch (never sent).
        first_order: The position in the source (from 1) of the first order read for this batch.
    """

    index: int
    pieces: list[bytes] = attrs.field(factory=list)
    source_ids: list[str | None] = attrs.field(factory=list)
    rejected: list[OrderFailure] = attrs.field(factory=list)
    first_order: int = 1

    @property
    def size(self) -> int:
        """How many orders the batch sends."""
        return len(self.pieces)

    @property
    def read(self) -> int:
        """How many records of the source this batch accounts for (sent and rejected)."""
        return len(self.pieces) + len(self.rejected)

    def body(self) -> bytes:
        """The request body: a JSON array joined from the serialised pieces."""
        return b"[" + b",".join(self.pieces) + b"]"

    def body_size(self) -> int:
        """The size of :meth:`body` in bytes, without building it."""
        return _body_size(len(self.pieces), sum(len(piece) for piece in self.pieces))

    def fingerprint(self) -> str:
        """A digest of the batch's serialised orders: the checkpoint detects a changed source with it."""
        digest = hashlib.sha256()
        for piece in self.pieces:
            digest.update(piece)
            digest.update(b"\n")
        return digest.hexdigest()[:32]

    def orders(self) -> list[dict[str, Any]]:
        """The orders parsed back from their pieces (only needed to isolate the cause of a 400)."""
        return [orjson.loads(piece) for piece in self.pieces]

    def keeping(self, positions: Iterable[int]) -> Batch:
        """A copy of the batch with only the orders at ``positions`` (and no rejections)."""
        kept = sorted(set(positions))
        return Batch(
            index=self.index,
            pieces=[self.pieces[i] for i in kept],
            source_ids=[self.source_ids[i] for i in kept],
            first_order=self.first_order,
        )


def _body_size(count: int, pieces_bytes: int) -> int:
    return 2 + pieces_bytes + max(0, count - 1)


async def prepare_batches(
    source: OrderSource,
    *,
    rules: OrderRules,
    batch_size: int = MAX_BATCH_SIZE,
    max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
) -> AsyncIterator[Batch]:
    """Read, validate, serialise and cut the source into batches, one batch at a time.

    Every batch but the last is full: it ends at ``batch_size`` orders or when the next order would push its
    body past ``max_batch_bytes``. Rejections travel with the batch read after them; when the source ends
    with rejections only, a last batch without orders carries them.

    Args:
        source: An iterable or async iterable of orders (mappings, ``vf.Order``, :class:`MalformedRecord`).
        rules: The validation settings.
        batch_size: Orders per batch, 1..2000.
        max_batch_bytes: Largest request body in bytes; a single order larger than this is rejected.

    Yields:
        Each :class:`Batch` in source order.
    """
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise InvalidArgumentError(f"batch_size must be between 1 and {MAX_BATCH_SIZE}, got {batch_size}")
    if max_batch_bytes < 3:
        raise InvalidArgumentError(f"max_batch_bytes is too small: {max_batch_bytes}")
    batch = Batch(index=1)
    body_bytes = 0
    number = 0
    async for order in iterate_source(source):
        number += 1
        if batch.read == 0:
            batch.first_order = number
        outcome = validate_order(order, number, rules)
        if isinstance(outcome, OrderFailure):
            batch.rejected.append(outcome)
            continue
        source_id = outcome.get("source_id")
        try:
            piece = orjson.dumps(outcome)
        except TypeError as error:
            batch.rejected.append(_rejection(number, source_id, f"cannot be serialised as JSON: {error}"))
            continue
        if _body_size(1, len(piece)) > max_batch_bytes:
            reason = f"is {len(piece)} bytes of JSON, more than max_batch_bytes={max_batch_bytes}"
            batch.rejected.append(_rejection(number, source_id, reason))
            continue
        if batch.pieces and _body_size(batch.size + 1, body_bytes + len(piece)) > max_batch_bytes:
            yield batch
            batch, body_bytes = Batch(index=batch.index + 1, first_order=number), 0
        batch.pieces.append(piece)
        batch.source_ids.append(source_id if isinstance(source_id, str) else None)
        body_bytes += len(piece)
        if batch.size == batch_size:
            yield batch
            batch, body_bytes = Batch(index=batch.index + 1), 0
    if batch.read:
        yield batch


def _rejection(number: int, source_id: Any, reason: str) -> OrderFailure:
    sid = source_id if isinstance(source_id, str) else None
    where = f"order #{number}" + (f" (source_id {sid!r})" if sid is not None else "")
    return OrderFailure(sid, f"{where}: {reason}")
