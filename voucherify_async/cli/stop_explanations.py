"""What the ``import`` command says when a run stops before its end: why, how far it got, how to go on.

Every message names the command to run again (never with a token) when a journal lets the next run resume
for free, and never advises an action that would send again orders already imported.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import voucherify_async as vf
from voucherify_async.cli import PROG
from voucherify_async.cli.default_journal import how_to_start_afresh
from voucherify_async.cli.display import ProgressDisplay, plural
from voucherify_async.cli.exit_codes import EXIT_NOT_ALL_IMPORTED, EXIT_USAGE
from voucherify_async.cli.summary import render_summary, summary_width
from voucherify_async.cli.terminal_text import print_lines
from voucherify_async.importing.errors import (
    CheckpointError,
    ImportInterruptedError,
    SourceChangedError,
    SourceError,
)

__all__ = ["explain_broken_source", "explain_error", "explain_interruption", "resume_command"]


def resume_command(argv: Sequence[str]) -> str:
    """The command to run again, as typed, without any ``--app-token`` value (a token is never printed)."""
    kept: list[str] = []
    skip_next = False
    for arg in argv:
        if skip_next:
            skip_next = False
        elif arg == "--app-token":
            skip_next = True
        elif not arg.startswith("--app-token="):
            kept.append(arg)
    return shlex.join([PROG, *kept])


def explain_interruption(
    args: argparse.Namespace,
    argv: Sequence[str],
    display: ProgressDisplay,
    report: vf.ImportReport | None,
    journal: Path | None,
    stderr: TextIO,
) -> None:
    """Ctrl-C or SIGTERM stopped the run: say how far it got and the command that resumes it."""
    state = display.state
    lines = [f"interrupted: {plural(state.progress.accounted, 'order')} accounted for so far."]
    if state.action_id is not None and state.status not in ("DONE", "FAILED", "REFUSED"):
        lines.append(f"Batch {state.batch}'s import {state.action_id} was in flight; the server finishes it.")
    unanswered = report.unanswered_batch if report is not None else None
    if unanswered is not None:
        look = (
            "the resumed run looks for it before sending the batch again"
            if journal is not None
            else "look for it among the project's async actions before importing the batch again"
        )
        lines.append(
            f"Batch {unanswered}'s import request got no answer before the stop: the server may have "
            f"queued it ({look})."
        )
    if journal is not None:
        lines.append(f"The checkpoint is saved in {journal}. To resume, run the same command again:")
        lines.append(f"  {resume_command(argv)}")
        if args.app_token is not None:
            lines.append("(with the app token given again: it is not repeated here)")
    elif args.emulator:
        lines.append("The embedded emulator forgets all on exit: running the command again starts afresh.")
    else:
        lines.append(
            "No journal was kept (--no-checkpoint): running the command again sends every order again."
        )
    print_lines(stderr, *lines)


def explain_broken_source(
    error: SourceError,
    report: vf.ImportReport,
    args: argparse.Namespace,
    argv: Sequence[str],
    journal: Path | None,
    stderr: TextIO,
) -> int:
    """The file broke midway: the orders before the break were imported; say where, and how to go on."""
    print_lines(stderr, f"error: the order file broke midway: {error}")
    print(
        f"The {plural(report.orders, 'order')} read before the break were sent and are accounted for below.",
        file=stderr,
    )
    print(render_summary(report, width=summary_width(stderr)), file=stderr)
    if journal is not None:
        print(
            "Repair the file, then run the same command again: it goes on right after the orders above.\n"
            f"  {resume_command(argv)}",
            file=stderr,
        )
    return EXIT_NOT_ALL_IMPORTED


def explain_error(
    error: vf.VoucherifyError,
    args: argparse.Namespace,
    argv: Sequence[str],
    display: ProgressDisplay,
    journal: Path | None,
    stderr: TextIO,
) -> int:
    """An error stopped the run: say why in words a person can act on; return the exit code."""
    cause = error.__cause__ if isinstance(error, ImportInterruptedError) else error
    if isinstance(cause, (vf.AuthenticationError, vf.PermissionDeniedError)):
        # A 401's own hint says to check the credentials too: the advice below, naming the command's
        # variables, is said once.
        said = str(cause).removesuffix(f" {vf.AuthenticationError.hint}").removesuffix(".")
        print_lines(
            stderr,
            f"error: the API refused the credentials ({said}). Check the app id and token "
            "(VOUCHERIFY_APP_ID, VOUCHERIFY_APP_TOKEN) and the cluster or --base-url.",
        )
        return EXIT_USAGE
    if isinstance(error, (CheckpointError, SourceError)):
        print_lines(stderr, f"error: {error}")  # a changed source's error names created_at_metadata itself
        if isinstance(error, SourceChangedError) and journal is not None:
            print(how_to_start_afresh(args.file, journal), file=stderr)
        return EXIT_USAGE
    stopped = "" if isinstance(error, ImportInterruptedError) else "the import stopped: "
    print_lines(stderr, f"error: {stopped}{error}")
    if isinstance(cause, vf.APIConnectionError):
        print("Check the network, and the cluster or --base-url the command talks to.", file=stderr)
    if isinstance(error, ImportInterruptedError):
        print(render_summary(error.report, width=summary_width(stderr)), file=stderr)
    else:
        print(f"{plural(display.state.progress.accounted, 'order')} accounted for so far.", file=stderr)
    if journal is not None:
        print(f"To resume, run the same command again:\n  {resume_command(argv)}", file=stderr)
    return EXIT_NOT_ALL_IMPORTED
