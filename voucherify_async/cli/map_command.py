"""``voucherify-async map FILE --map shopify``: the orders a mapping makes of a file, as JSON Lines.

For users who check the orders, or run them through their own code, before importing. Each order is
checked by the batcher's own rules (:func:`validate_order`, as an import checks it): what is written would
import. Written orders go to ``-o FILE`` (through a temporary file, put in place once whole) or stdout; the
rejections and the counts go to stderr. A ``source_id`` seen again is told (Voucherify would keep the last
copy); with ``--duplicates reject``, the default of a mapping that groups rows, the repeat is rejected: there
it is an order whose rows are not consecutive in the file.

Exit code 0 when every record became an order, 1 when some were rejected, 2 when the mapping, the file or
the output cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, TextIO

import orjson

import voucherify_async as vf
from voucherify_async.cli.display import plural
from voucherify_async.cli.exit_codes import EXIT_NOT_ALL_IMPORTED, EXIT_OK, EXIT_USAGE
from voucherify_async.cli.mapped_files import mapped_file_format, mapped_orders
from voucherify_async.cli.order_files import OrderFileError
from voucherify_async.cli.output_paths import (
    OutputPathError,
    refuse_shared_paths,
    replaced_atomically,
    same_file,
)
from voucherify_async.cli.summary import reason_table
from voucherify_async.cli.terminal_text import print_lines, terminal_width
from voucherify_async.importing.duplicates import SourceIdTracker
from voucherify_async.importing.report import OrderFailure
from voucherify_async.importing.validation import OrderRules, validate_order
from voucherify_async.models import JSON_OPTIONS

__all__ = ["run_map"]

_SHOWN = 5


def run_map(args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the ``map`` command with its parsed ``args``; the exit code."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        mapping = vf.OrderMapping.load(args.map)
        fmt = mapped_file_format(args.file, args.format, mapping)
        _refuse_outputs(args)
        orders = mapped_orders(args.file, fmt, mapping)
        orders.check()
    except (vf.VoucherifyError, OrderFileError, OutputPathError) as error:
        print_lines(stderr, f"error: {error}")
        return EXIT_USAGE
    duplicates = args.duplicates or ("reject" if mapping.group_by is not None else "send")
    counts = _Counts()
    try:
        with ExitStack() as stack:
            out: IO[bytes] = (
                stack.enter_context(replaced_atomically(args.output, "wb"))
                if args.output is not None
                else stdout.buffer
            )
            tracker = stack.enter_context(SourceIdTracker())
            _write_orders(orders, out, tracker, duplicates, counts)
            out.flush()
    except vf.VoucherifyError as error:  # a file broken as a whole (a JSON array cut short)
        print_lines(stderr, f"error: {error}")
        return EXIT_USAGE
    except BrokenPipeError:  # whoever read the orders stopped reading (`| head`)
        return EXIT_NOT_ALL_IMPORTED
    _report(args, counts, duplicates, stderr)
    return EXIT_NOT_ALL_IMPORTED if counts.rejected else EXIT_OK


class _Counts:
    def __init__(self) -> None:
        self.records = 0
        self.written = 0
        self.repeats = 0
        self.rejected: list[OrderFailure] = []


def _refuse_outputs(args: argparse.Namespace) -> None:
    if args.output is None:
        return
    refuse_shared_paths(args.file, None, {"--output": args.output})
    mapping_file = Path(args.map)
    if mapping_file.exists() and same_file(args.output, mapping_file):
        raise OutputPathError(f"--output {args.output} names the mapping file itself. Give another path.")


def _write_orders(
    orders: vf.MappedOrders, out: IO[bytes], tracker: SourceIdTracker, duplicates: str, counts: _Counts
) -> None:
    rules = OrderRules()
    for position, result in enumerate(orders.results(), 1):
        counts.records = result.last
        checked = validate_order(result.value, position, rules)
        if isinstance(checked, OrderFailure):
            counts.rejected.append(checked)
            continue
        source_id = checked["source_id"]
        first = tracker.repeat_of(source_id, position)
        if first is not None:
            counts.repeats += 1
            if duplicates == "reject":
                reason = (
                    f"order #{position} (source_id {source_id!r}): repeats order #{first}'s source_id (rows "
                    "of one order that are not consecutive in the file?)"
                )
                counts.rejected.append(OrderFailure(source_id, reason, position))
                continue
        out.write(orjson.dumps(checked, option=JSON_OPTIONS | orjson.OPT_APPEND_NEWLINE))
        counts.written += 1


def _report(args: argparse.Namespace, counts: _Counts, duplicates: str, stderr: TextIO) -> None:
    where = f" to {args.output}" if args.output is not None else ""
    orders = counts.written + len(counts.rejected)
    lines = [
        f"{plural(counts.records, 'record')} of {args.file} made {plural(orders, 'order')}: "
        f"{counts.written:,} written{where}, {len(counts.rejected):,} rejected."
    ]
    if counts.repeats and duplicates == "send":
        lines.append(
            f"{plural(counts.repeats, 'order')} repeat an earlier order's source_id: Voucherify would keep "
            "the last copy of each (--duplicates reject leaves them out)."
        )
    lines.extend(f"  rejected: {failure.reason}" for failure in counts.rejected[:_SHOWN])
    print_lines(stderr, *lines)
    for line in reason_table("rejected", counts.rejected, width=terminal_width(stderr)):
        print(line, file=stderr)
