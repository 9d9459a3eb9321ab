"""The command line's mapped files (``--map shopify`` or ``--map my-mapping.toml``): their orders, and the
files of the orders a mapped import left out.

The batcher counts the orders a mapping makes (one for several rows of a shop export); the ``--rejects`` and
``--failures`` files hold the export's own rows of each order left out, as the file holds them, with the
reason: fixed, the file is imported again with the same ``--map``. To find an order's rows, the file is
mapped again up to the last order left out (:meth:`MappedOrders.results` tells each order's first and last
record), and the rows are written by the order file's own writer (:func:`write_left_out_orders`), its records
counted as rows.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path
from typing import Any

from voucherify_async.cli.left_out_files import LeftOutWriter
from voucherify_async.cli.order_files import IMPORT_ERROR_FIELD, file_format, write_left_out_orders
from voucherify_async.importing.report import OrderFailure
from voucherify_async.mapping import MappedOrders, OrderMapping

__all__ = ["checked_format", "left_out_writer", "mapped_file_format", "mapped_orders", "mapping_of"]


def mapping_of(args: argparse.Namespace) -> OrderMapping | None:
    """The ``--map`` mapping (a preset's name or a file), loaded and checked; ``None`` without one.

    ``--duplicates`` left unsaid rejects repeats of a grouped mapping: there, a repeated ``source_id`` is an
    order whose rows are not consecutive, and sending its second part would replace the first.

    Raises:
        MappingError: The mapping cannot be used.
    """
    spec = getattr(args, "map", None)
    mapping = None if spec is None else OrderMapping.load(spec)
    if getattr(args, "duplicates", "send") is None:
        args.duplicates = "reject" if mapping is not None and mapping.group_by is not None else "send"
    return mapping


def checked_format(args: argparse.Namespace, mapping: OrderMapping) -> str:
    """The format of ``args.file``, once the file is known to hold every column the mapping reads.

    Raises:
        OrderFileError, MappingError, SourceError: The file cannot be mapped (nothing is sent).
    """
    fmt = mapped_file_format(args.file, args.format, mapping)
    mapped_orders(args.file, fmt, mapping).check()
    return fmt


def mapped_file_format(path: Path, requested: str | None, mapping: OrderMapping) -> str:
    """The format of a mapped file: ``--format``, else the mapping's ``[source] format``, else the
    extension's (raises :class:`OrderFileError` as :func:`file_format` does)."""
    return file_format(path, requested or mapping.file_format)


def mapped_orders(path: Path, fmt: str, mapping: OrderMapping) -> MappedOrders:
    """The orders ``mapping`` makes of the file. A JSON entry of an ``_import_error`` alone (a fixed
    ``--rejects`` file's reason of the record after it) is no record."""
    return MappedOrders(path, mapping, file_format=fmt, skip=_reason_alone if fmt != "csv" else None)


def _reason_alone(record: Any) -> bool:
    return record.__class__ is dict and record.keys() == {IMPORT_ERROR_FIELD}


def left_out_writer(mapping: OrderMapping | None) -> LeftOutWriter | None:
    """The writer of a mapped import's ``--rejects`` and ``--failures`` files (``None``: the order file's
    own, without a mapping)."""
    return None if mapping is None else partial(write_mapped_left_out, mapping=mapping)


def write_mapped_left_out(
    path: Path,
    file_format: str,
    *,
    rejects: tuple[Path, list[OrderFailure]] | None,
    failures: tuple[Path, list[OrderFailure]] | None,
    mapping: OrderMapping,
) -> tuple[int, int]:
    """Write the rows of the orders left out (see the module's docstring).

    Returns:
        How many rows (records) each file holds.
    """
    lists = [rejects[1] if rejects else [], failures[1] if failures else []]
    wanted = {failure.position for left_out in lists for failure in left_out if failure.position is not None}
    spans: dict[int, tuple[int, int]] = {}
    if wanted:
        last = max(wanted)
        for position, result in enumerate(mapped_orders(path, file_format, mapping).results(), 1):
            if position in wanted:
                spans[position] = (result.first, result.last)
            if position >= last:
                break

    def by_record(left_out: list[OrderFailure]) -> list[OrderFailure]:
        # An order without a position cannot be told apart from its rows: it is left out of the file.
        return [
            OrderFailure(failure.source_id, failure.reason, number)
            for failure in left_out
            if failure.position in spans
            for number in range(spans[failure.position][0], spans[failure.position][1] + 1)
        ]

    return write_left_out_orders(
        path,
        file_format,
        rejects=(rejects[0], by_record(rejects[1])) if rejects else None,
        failures=(failures[0], by_record(failures[1])) if failures else None,
        raw_rows=True,
    )
