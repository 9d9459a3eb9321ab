"""``vf.mapped(source, mapping)``: the orders a mapping makes of a file, as the batcher takes them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import anyio.lowlevel

from voucherify_async.importing.sources import SOURCE_CHECKPOINT_EVERY, MalformedRecord, non_object_reason
from voucherify_async.mapping.build import MappedRecord, map_records
from voucherify_async.mapping.definition import OrderMapping
from voucherify_async.mapping.records import Place, SourceRecords, file_format_of, open_records

__all__ = ["MappedOrders", "mapped"]


def mapped(
    source: str | Path | Iterable[Mapping[str, Any]],
    mapping: OrderMapping | str | Path,
    *,
    file_format: str | None = None,
) -> MappedOrders:
    """The orders ``mapping`` makes of ``source``, streamed: hand them to :meth:`ImportBatcher.run`.

    Args:
        source: A CSV, JSON Lines or JSON array file (its format from ``file_format``, the mapping's
            ``[source] format`` or the extension), or an iterable of records (mappings, read as JSON records).
        mapping: An :class:`OrderMapping`, the path of a mapping file, or a preset's name (``"shopify"``,
            ``"woocommerce"``).
        file_format: ``csv``, ``jsonl`` or ``json``, to override the rest.

    Returns:
        An async iterable (and a plain iterable) of orders, with a :class:`~voucherify_async.MalformedRecord`
        in the place of each record the mapping cannot turn into an order: the batcher rejects it with the
        reason, naming its row and column, and the run goes on.

    Raises:
        MappingError: ``mapping`` cannot be loaded (at once), or the file lacks a column it reads (when the
            iteration starts).

    Example:
        >>> async def migrate(client):
        ...     report = await vf.ImportBatcher(client).run(vf.mapped("orders_export.csv", "shopify"))
    """
    if not isinstance(mapping, OrderMapping):
        mapping = OrderMapping.load(mapping)
    return MappedOrders(source, mapping, file_format=file_format)


class MappedOrders:
    """The orders of a mapped source: iterate them (``async for`` or ``for``), once or again (each iteration
    reads the source afresh).

    Args:
        source: The file, or an iterable of records (see :func:`mapped`).
        mapping: The mapping.
        file_format: The file's format, to override the mapping's and the extension's.
        skip: Records to pass over as none (the command line's lines of a reason alone).
    """

    def __init__(
        self,
        source: str | Path | Iterable[Mapping[str, Any]],
        mapping: OrderMapping,
        *,
        file_format: str | None = None,
        skip: Callable[[Any], bool] | None = None,
    ) -> None:
        self.source = source
        self.mapping = mapping
        self.skip = skip
        self.file_format = None
        if isinstance(source, str | Path):
            self.file_format = file_format_of(Path(source), file_format or mapping.file_format)

    def results(self) -> Iterator[MappedRecord]:
        """Each order or rejection with the numbers of its first and last record in the source."""
        if self.file_format is None:
            yield from map_records(self.mapping, _given_records(self.source), skip=self.skip)  # type: ignore[arg-type]
            return
        with open_records(Path(self.source), self.file_format) as records:  # type: ignore[arg-type]
            yield from map_records(self.mapping, records, skip=self.skip)

    def check(self) -> None:
        """Check that the file has every column the mapping reads, before anything is sent.

        Raises:
            MappingError: Naming the first missing column.
            SourceError: The file cannot be read.
        """
        for _ in self.results():
            return

    def __iter__(self) -> Iterator[dict[str, Any] | MalformedRecord]:
        for result in self.results():
            yield result.value

    async def __aiter__(self) -> AsyncIterator[dict[str, Any] | MalformedRecord]:
        for count, result in enumerate(self.results(), 1):
            yield result.value
            if count % SOURCE_CHECKPOINT_EVERY == 0:
                await anyio.lowlevel.checkpoint()


def _given_records(records: Iterable[Any]) -> SourceRecords:
    def placed() -> Iterator[tuple[Place, Any]]:
        for number, record in enumerate(records, 1):
            place = Place(number, None, "record")
            if isinstance(record, Mapping | MalformedRecord):
                yield place, record
            else:
                yield place, MalformedRecord(place.location, non_object_reason(record))

    return SourceRecords(None, placed())
