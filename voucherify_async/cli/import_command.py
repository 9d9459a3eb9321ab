"""``voucherify-async import FILE``: import a file of orders and say what happened to each of them.

The file is read as a stream by the batcher's readers; the batcher validates, batches and submits the
orders one import at a time; the progress goes to stderr, the summary table to stdout; the orders left out
go to the ``--rejects`` and ``--failures`` files. The exit code is one of
:mod:`voucherify_async.cli.exit_codes`.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import secrets
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AsyncExitStack, suppress
from pathlib import Path
from typing import Any, TextIO

import anyio

import voucherify_async as vf
from voucherify_async._logging import LOGGER_NAME, log_to_stream
from voucherify_async.cli.credentials import ConfigurationError, Credentials, resolve_credentials
from voucherify_async.cli.default_journal import default_journal
from voucherify_async.cli.display import ProgressDisplay, choose_mode, plural
from voucherify_async.cli.dry_run import dry_run, no_orders
from voucherify_async.cli.exit_codes import EXIT_INTERRUPTED, EXIT_NOT_ALL_IMPORTED, EXIT_OK, EXIT_USAGE
from voucherify_async.cli.interruption import Terminated, run_interruptible
from voucherify_async.cli.json_output import JsonOutcome, JsonProgress
from voucherify_async.cli.left_out_files import LeftOutFiles, how_to_get_them
from voucherify_async.cli.mapped_files import checked_format, left_out_writer, mapped_orders, mapping_of
from voucherify_async.cli.order_files import (
    OrderFileError,
    count_records,
    file_format,
    read_records,
)
from voucherify_async.cli.output_paths import OutputPathError, refuse_shared_paths
from voucherify_async.cli.reachability import check_before_sending
from voucherify_async.cli.stop_explanations import (
    explain_broken_source,
    explain_error,
    explain_interruption,
)
from voucherify_async.cli.summary import render_summary, summary_width
from voucherify_async.cli.terminal_text import print_lines
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.chunking import MAX_BATCH_SIZE
from voucherify_async.importing.context import ImportClient
from voucherify_async.importing.errors import (
    CheckpointError,
    ImportInterruptedError,
    SourceError,
)
from voucherify_async.importing.polling import ImportPollPolicy
from voucherify_async.importing.progress import ProgressEvent


def run_import(
    args: argparse.Namespace,
    argv: Sequence[str],
    *,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the ``import`` command with its parsed ``args`` (``argv`` is echoed in the resume hint).

    ``environ`` and the streams default to the process's own, looked up when the command runs. With
    ``--json``, stdout gets one JSON object at the end and nothing else (see :mod:`.json_output`).
    """
    environ = os.environ if environ is None else environ
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    quiet = getattr(args, "quiet", False)
    _set_verbosity(getattr(args, "verbose", 0), quiet=quiet, stream=stderr)
    if not getattr(args, "json", False):
        # -q: the summary and notes go nowhere (errors are on stderr, the outcome in the exit code).
        human = io.StringIO() if quiet else stdout
        return _run_import(args, argv, environ, stdin, human, stderr, JsonOutcome())
    outcome = JsonOutcome(files={"rejects": args.rejects, "failures": args.failures, "journal": None})
    code = EXIT_NOT_ALL_IMPORTED
    try:
        # The human summary and notes go nowhere: the JSON object holds them.
        code = _run_import(args, argv, environ, stdin, io.StringIO(), stderr, outcome)
    except BaseException as raised:
        outcome.error = outcome.error or _sole_error(raised)
        code = EXIT_INTERRUPTED if isinstance(outcome.error, KeyboardInterrupt) else EXIT_NOT_ALL_IMPORTED
        raise
    finally:
        outcome.write(stdout, code)
    return code


def _set_verbosity(verbose: int, *, quiet: bool, stream: TextIO) -> None:
    """``-v``: each request on ``stream``; ``-vv``: retries and waits too; ``-q``: the SDK's errors alone."""
    if quiet:
        logging.getLogger(LOGGER_NAME).setLevel(logging.ERROR)
    elif verbose:
        log_to_stream(logging.INFO if verbose == 1 else logging.DEBUG, stream)


def _run_import(
    args: argparse.Namespace,
    argv: Sequence[str],
    environ: Mapping[str, str],
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    outcome: JsonOutcome,
) -> int:
    try:
        mapping = mapping_of(args)
        fmt = file_format(args.file, args.format) if mapping is None else checked_format(args, mapping)
        _check_options(args)
        # Before anything is read or sent: an output must not overwrite the order file or the journal.
        refuse_shared_paths(args.file, args.checkpoint, _outputs(args))
        if args.dry_run:
            try:
                return dry_run(args, fmt, stdout, outcome, _new_batcher, mapping=mapping)
            except BrokenPipeError:  # its reader stopped reading (`| head`): what was shown stands
                _silence(stdout)
                return EXIT_OK
        credentials = (
            None if args.emulator else resolve_credentials(args, environ, stdin=stdin, stderr=stderr)
        )
        client = _new_client(credentials) if credentials is not None else None
        journal = _journal(args, client, environ)
        if journal is not None and args.checkpoint is None:
            refuse_shared_paths(args.file, journal, _outputs(args))
        outcome.files["journal"] = journal
    except (ConfigurationError, OrderFileError, SourceError, OutputPathError, vf.MappingError) as error:
        outcome.error = error
        print_lines(stderr, f"error: {error}")
        return EXIT_USAGE
    progress = "none" if getattr(args, "quiet", False) else args.progress
    events = JsonProgress(stderr) if progress == "json" else None
    mode = "none" if events is not None else choose_mode(progress, stderr)
    # Rows are orders unless a mapping groups them: then the total is not known before the end.
    counted = progress != "none" and (mapping is None or mapping.group_by is None)
    total = count_records(args.file, fmt) if counted else None
    display = ProgressDisplay(stderr, mode=mode, total_orders=total)
    left_out = LeftOutFiles(
        args.file, fmt, rejects=args.rejects, failures=args.failures, writer=left_out_writer(mapping)
    )
    started: list[ImportBatcher] = []  # the batcher, once made: its report says where a stopped run stood
    try:
        report = run_interruptible(
            lambda: _import(
                args,
                fmt,
                client,
                display,
                started,
                journal=journal,
                left_out=left_out,
                events=events,
                mapping=mapping,
            )
        )
    except BaseException as raised:
        display.finish()
        cause = outcome.error = _sole_error(raised)
        outcome.report = started[0].report if started else None
        if isinstance(cause, ImportInterruptedError):
            outcome.report = cause.report
        if isinstance(cause, ConfigurationError):
            print_lines(stderr, f"error: {cause}")
            return EXIT_USAGE
        # The files hold what the run left out up to the stop (not after a journal refused the file: its
        # batches are not the file's any more).
        stopped = started[0].report if started else None
        saved = None if isinstance(cause, CheckpointError) else left_out.save_stopped(stopped)
        try:
            if isinstance(cause, (KeyboardInterrupt, Terminated)):
                explain_interruption(args, argv, display, stopped, journal, stderr)
                return EXIT_INTERRUPTED
            if isinstance(cause, SourceError) and stopped and stopped.orders:
                return explain_broken_source(cause, stopped, args, argv, journal, stderr)
            if isinstance(cause, vf.VoucherifyError):
                return explain_error(cause, args, argv, display, journal, stderr)
            raise
        finally:
            if saved:
                print(saved, file=stderr)
    display.finish()
    outcome.report = report
    try:
        if display.mode != "none" and _same_place(stdout, stderr):
            print(file=stdout)  # the summary apart from the progress lines above it
        _finish(args, fmt, report, stdout, left_out, journal, mapped=mapping is not None)
    except BrokenPipeError:
        # Whoever read the summary stopped reading (`| head`); the files are written, the exit code stands.
        _silence(stdout)
    if not report.orders:
        return EXIT_USAGE  # nothing to import is no success: most likely the wrong file, or an empty export
    return EXIT_OK if report.ok else EXIT_NOT_ALL_IMPORTED


def _silence(stream: TextIO) -> None:
    # Python would flush the broken stream again at exit and print a traceback: point it at /dev/null.
    with suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


def _same_place(stdout: TextIO, stderr: TextIO) -> bool:
    """Whether the summary (stdout) and the progress (stderr) end up together: one terminal, or ``2>&1``."""
    try:
        return os.path.samestat(os.fstat(stdout.fileno()), os.fstat(stderr.fileno()))
    except (OSError, ValueError):
        return False


def _sole_error(error: BaseException) -> BaseException:
    # Task groups wrap what a task raised in an exception group; a group of one error means that error.
    while True:
        inner = getattr(error, "exceptions", None)
        if not isinstance(inner, tuple) or len(inner) != 1 or not isinstance(inner[0], BaseException):
            return error
        error = inner[0]


def _check_options(args: argparse.Namespace) -> None:
    if args.batch_size > MAX_BATCH_SIZE:
        raise ConfigurationError(f"--batch-size can be at most {MAX_BATCH_SIZE} (the API's limit per import)")
    if args.emulator and args.checkpoint is not None:
        # The embedded emulator lives as long as the command: a journal of its async actions means nothing
        # to the next run's emulator.
        raise ConfigurationError(
            "--checkpoint cannot be used with --emulator (the emulator forgets all on exit)"
        )
    if args.emulator and args.base_url is not None:
        raise ConfigurationError("give either --emulator or --base-url, not both")


def _outputs(args: argparse.Namespace) -> dict[str, Path | None]:
    """The files the command writes from scratch, by the option that names them."""
    return {"--rejects": args.rejects, "--failures": args.failures}


def _journal(
    args: argparse.Namespace, client: vf.AsyncVoucherify | None, environ: Mapping[str, str]
) -> Path | None:
    """The import's checkpoint journal: ``--checkpoint``, else the default one of the file and the project
    (see :mod:`~voucherify_async.cli.default_journal`); none with ``--no-checkpoint``, nor for the embedded
    emulator (``client`` is ``None``), which forgets all on exit."""
    if args.no_checkpoint or client is None:
        return None
    return args.checkpoint or default_journal(args.file, client.project_key, environ)


async def _import(
    args: argparse.Namespace,
    fmt: str,
    client: vf.AsyncVoucherify | None,
    display: ProgressDisplay,
    started: list[ImportBatcher],
    *,
    journal: Path | None,
    left_out: LeftOutFiles,
    events: JsonProgress | None = None,
    mapping: vf.OrderMapping | None = None,
) -> vf.ImportReport:
    async with AsyncExitStack() as stack:
        embedded = client is None
        client = await _open_client(stack, client)
        records = (
            read_records(args.file, fmt) if mapping is None else iter(mapped_orders(args.file, fmt, mapping))
        )
        if not embedded:  # a wrong address stops the command at once (exit 2), before anything is sent
            records = await check_before_sending(records, client)
        batcher = _new_batcher(args, client, display, journal=journal, left_out=left_out, events=events)
        started.append(batcher)
        return await _run_to_the_end(batcher, records, display)


def _new_batcher(
    args: argparse.Namespace,
    client: ImportClient,
    display: ProgressDisplay | None = None,
    *,
    journal: Path | None = None,
    left_out: LeftOutFiles | None = None,
    events: JsonProgress | None = None,
) -> ImportBatcher:
    """The batcher of the command's options: the import and the dry run read orders by the same rules."""

    def on_progress(event: ProgressEvent) -> None:
        if display is not None:
            display(event)
        if events is not None:
            events(event)
        if left_out is not None and batcher.report is not None:
            left_out.follow(batcher.report)  # the files keep up with the orders left out so far

    batcher = ImportBatcher(
        client,
        batch_size=args.batch_size,
        checkpoint=journal,
        on_progress=on_progress if display is not None or left_out is not None else None,
        created_at_metadata=args.created_at_metadata,
        total_orders=display.state.total_orders if display is not None else None,
        poll=ImportPollPolicy(first=args.first_poll) if args.first_poll is not None else None,
        coordinate_with_other_processes=args.wait_for_other_imports,
        duplicates=args.duplicates,
    )
    return batcher


def _new_client(credentials: Credentials) -> vf.AsyncVoucherify:
    """The client of ``credentials`` (made before the run: its project names the default journal)."""
    try:
        return vf.AsyncVoucherify(
            credentials.app_id,
            credentials.app_token,
            cluster=credentials.cluster,
            base_url=credentials.base_url,
        )
    except vf.VoucherifyError as error:  # e.g. a cluster name that is not one
        raise ConfigurationError(str(error)) from None


async def _open_client(stack: AsyncExitStack, client: vf.AsyncVoucherify | None) -> vf.AsyncVoucherify:
    """Open the client the import talks through; without one, a client of an emulator started here."""
    if client is None:
        from voucherify_async.emulator import Emulator

        app_id, app_token = "cli", secrets.token_urlsafe(16)
        emulator = await stack.enter_async_context(Emulator(app_id, app_token))
        client = _new_client(Credentials(app_id, app_token, base_url=emulator.url))
    return await stack.enter_async_context(client)


async def _run_to_the_end(
    batcher: ImportBatcher, records: Iterator[Any], display: ProgressDisplay
) -> vf.ImportReport:
    """Run the import, keeping the live display fresh (Ctrl-C and SIGTERM: see ``cli.interruption``)."""
    async with anyio.create_task_group() as tasks:
        if display.mode == "bar":
            tasks.start_soon(display.keep_alive)
        report = await batcher.run(records)
        tasks.cancel_scope.cancel()
    return report


def _finish(
    args: argparse.Namespace,
    fmt: str,
    report: vf.ImportReport,
    stdout: TextIO,
    left_out: LeftOutFiles,
    journal: Path | None,
    *,
    mapped: bool = False,
) -> None:
    written = left_out.write(report)
    print(render_summary(report, width=summary_width(stdout)), file=stdout)
    notes = [] if report.orders else [no_orders(args.file, fmt)]
    for flag, path, orders, count in (
        ("--rejects", args.rejects, report.rejected, written[0]),
        ("--failures", args.failures, report.failed, written[1]),
    ):
        if path is not None:
            what = f"{plural(count, 'row')} of the orders left out" if mapped else plural(count, "order")
            notes.append(f"{what} written to {path}")
        elif orders:
            how = how_to_get_them(flag, journal, args.emulator)
            notes.append(f"{plural(len(orders), 'order')} not imported; {how}")
    if journal is not None and args.checkpoint is None:
        notes.append(f"The journal of this import is {journal}: the same command run again sends nothing.")
    if notes:
        print_lines(stdout, "", *notes)
    stdout.flush()
