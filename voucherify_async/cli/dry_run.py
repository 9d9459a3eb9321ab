"""``voucherify-async import --dry-run``: read and check the file as an import would, and send nothing.

The batcher an import would use does its own dry run (:meth:`ImportBatcher.dry_run`): the same rules, the
same batches. With ``--map``, the first orders are shown beside the rows they are made of
(:mod:`~voucherify_async.cli.mapped_preview`), and the counts say how many orders the rows make and how
many are rejected.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn, TextIO, cast

import anyio

import voucherify_async as vf
from voucherify_async.cli.display import plural
from voucherify_async.cli.exit_codes import EXIT_NOT_ALL_IMPORTED, EXIT_OK, EXIT_USAGE
from voucherify_async.cli.json_output import JsonOutcome
from voucherify_async.cli.left_out_files import LeftOutWriter
from voucherify_async.cli.order_files import read_records, write_left_out_orders
from voucherify_async.cli.summary import reason_table, summary_width
from voucherify_async.cli.terminal_text import print_lines, terminal_width
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.context import ImportClient

__all__ = ["dry_run", "no_orders"]

MakeBatcher = Callable[[argparse.Namespace, ImportClient], ImportBatcher]


def dry_run(
    args: argparse.Namespace,
    fmt: str,
    stdout: TextIO,
    outcome: JsonOutcome,
    make_batcher: MakeBatcher,
    *,
    mapping: vf.OrderMapping | None = None,
) -> int:
    """Run the dry run and print what an import would do; the exit code (1: some orders are rejected)."""
    records: Iterable[Any]
    if mapping is not None:
        from voucherify_async.cli.mapped_files import left_out_writer, mapped_orders
        from voucherify_async.cli.mapped_preview import preview_lines

        records = mapped_orders(args.file, fmt, mapping)
        writer: LeftOutWriter | None = left_out_writer(mapping)
        preview = preview_lines(args.file, fmt, mapping, width=terminal_width(stdout))
    else:
        records, writer, preview = read_records(args.file, fmt), write_left_out_orders, []
    dry = outcome.dry_run = anyio.run(_prepare_only, args, records, make_batcher)
    if not dry.orders:
        print_lines(stdout, f"dry run: nothing was sent. {no_orders(args.file, fmt)}")
        return EXIT_USAGE
    if preview:
        print("\n".join(preview), file=stdout)
        print(file=stdout)
    read = f"{plural(dry.orders, 'order')} {'mapped from the rows' if mapping else 'read'}"
    counts = f"{read}, {dry.valid:,} valid, {len(dry.rejected):,} rejected"
    sends = f"{plural(dry.batches, 'batch', 'batches')} ({plural(dry.bulk_calls, 'bulk call')})"
    print_lines(
        stdout,
        f"dry run: nothing was sent. {counts}.",
        f"An import would send the valid orders in {sends}.",
        *_dry_run_repeats(dry, args.duplicates).split("\n"),
        *(f"Note: {note}." for note in dry.notes),
    )
    # The first rejections say where they are in the file; the table groups them all, as the summary does.
    print_lines(stdout, *(f"  rejected: {failure.reason}" for failure in dry.rejected[:5]))
    for line in reason_table("rejected", dry.rejected, width=summary_width(stdout)):
        print(line, file=stdout)
    if args.rejects:
        rejects = (args.rejects, dry.rejected)
        written, _ = (writer or write_left_out_orders)(args.file, fmt, rejects=rejects, failures=None)
        what = (
            plural(written, "row") + " of the rejected orders"
            if mapping
            else plural(written, "rejected order")
        )
        print_lines(stdout, f"{what} written to {args.rejects}")
    return EXIT_OK if not dry.rejected else EXIT_NOT_ALL_IMPORTED


def _dry_run_repeats(dry: vf.DryRunReport, duplicates: str) -> str:
    """The dry run's line on records whose source_id repeats an earlier one's (and the first few of them)."""
    count = len(dry.duplicates)
    if not count:
        return "Repeated source_ids: none."
    if duplicates == "reject":
        return f"Repeated source_ids: {count:,}, rejected (an import sends only the first record of each)."
    lines = [
        f"Repeated source_ids: {count:,}; an import would send them and Voucherify keep the last copy of "
        f"each: {dry.valid - count:,} distinct orders (--duplicates reject sends only the first)."
    ]
    for repeat in dry.duplicates[:5]:
        lines.append(
            f"  repeated: order #{repeat.position} (source_id {repeat.source_id!r}) repeats order "
            f"#{repeat.first_position}"
        )
    return "\n".join(lines)


async def _prepare_only(
    args: argparse.Namespace, records: Iterable[Any], make_batcher: MakeBatcher
) -> vf.DryRunReport:
    # The batcher an import would use, and its own dry run: the same rules, the same batches. It has no
    # client (a dry run needs no credentials, and nothing can be sent), so the HTTP stack is never loaded.
    client = cast(ImportClient, _NoClient())
    return await make_batcher(args, client).dry_run(records)


class _NoClient:
    """The client of a dry run's batcher: there is none, and any use of it is a bug."""

    def __getattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"a dry run has no client (it asked for client.{name})")


_EMPTY_FILE = {
    "jsonl": "the file is empty or holds only blank lines",
    "json": "the file holds an empty array",
    "csv": "the file holds a header and no rows",
}


def no_orders(path: Path, fmt: str) -> str:
    """Why a source gave no orders at all (exit code 2: the command was pointed at nothing to import)."""
    return f"No orders were found in {path}: {_EMPTY_FILE.get(fmt, 'the file holds none')}."
