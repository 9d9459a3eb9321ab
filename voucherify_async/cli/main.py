"""Entry point of the ``voucherify-async`` command: parses the sub-command and runs it.

The exit codes are listed in :mod:`voucherify_async.cli.exit_codes`. Each sub-command's module is
imported only when that sub-command runs, so ``voucherify-async import`` does not load the emulator's web
server and ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from voucherify_async._version import __version__
from voucherify_async.cli import PROG
from voucherify_async.cli.credentials import add_credential_arguments
from voucherify_async.cli.default_journal import DEFAULT_JOURNAL_FOLDER_HELP
from voucherify_async.cli.exit_codes import EXIT_OK, EXIT_USAGE
from voucherify_async.importing.duplicates import DUPLICATES_OPTIONS

FORMATS = ("jsonl", "json", "csv")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Import historical orders into Voucherify (also from another shop system's export, "
        "through a mapping), or run the local Voucherify emulator.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_import_parser(commands)
    _add_map_parser(commands)
    commands.add_parser(
        "emulator",
        add_help=False,  # its own parser, built when it runs, answers --help
        help="serve the local Voucherify emulator until interrupted (see: emulator --help)",
    )
    demo = commands.add_parser(
        "demo",
        help="import 20,000 generated historical orders into an embedded emulator and show the report",
        description="Start the embedded emulator, generate 20,000 historical orders (a few of them "
        "malformed), import them with a progress bar, print the report and read a few orders back.",
    )
    demo.add_argument("--orders", type=_positive_int, default=20_000, help="how many orders (default 20000)")
    demo.add_argument("--seed", type=int, default=2024, help="seed of the generated orders (default 2024)")
    demo.add_argument(
        "--rate",
        type=_positive_float,
        default=5_000.0,
        metavar="ORDERS_PER_S",
        help="orders per second the emulator processes an import at (default 5000)",
    )
    _add_display_argument(demo)
    return parser


def _add_import_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "import",
        help="import the orders of a JSON Lines, JSON or CSV file",
        description="Import the orders of FILE, in batches of up to 2000, one import at a time, and report "
        "what happened to every order.",
        epilog="Every import keeps a journal (see --checkpoint): the same command run again resumes an "
        "interrupted import, and after a finished one sends nothing (add --rejects or --failures then to get "
        "those files without a bulk call). A file changed under the same name is refused by its journal; "
        "the error says how to start afresh. --rejects and --failures may not name FILE, the journal or "
        "each other, and are written whole (through a temporary file), as orders are left out.\n\n"
        "exit codes: 0 every order was imported; 1 some failed or were rejected (see --rejects and "
        "--failures); 2 a usage, configuration or authentication problem; 130 interrupted (run the same "
        "command again to resume)",
        formatter_class=_ParagraphsHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", type=Path, help="orders: .jsonl, .json (an array) or .csv")
    parser.add_argument(
        "--format", choices=FORMATS, help="format of FILE (default: from its extension; .ndjson is jsonl)"
    )
    _add_map_argument(parser, required=False)
    add_credential_arguments(parser)
    parser.add_argument(
        "--emulator",
        action="store_true",
        help="import into an embedded local emulator instead of Voucherify (no credentials needed)",
    )
    journal = parser.add_mutually_exclusive_group()
    journal.add_argument(
        "--checkpoint",
        metavar="PATH",
        type=Path,
        help="journal of the import; after an interruption, run the same command again to resume (default: "
        f"one per FILE and project in {DEFAULT_JOURNAL_FOLDER_HELP}; none with --emulator)",
    )
    journal.add_argument(
        "--no-checkpoint",
        action="store_true",
        help="keep no journal: the command run again sends every order again",
    )
    parser.add_argument(
        "--batch-size", type=_positive_int, default=2000, metavar="N", help="orders per import (max 2000)"
    )
    parser.add_argument("--dry-run", action="store_true", help="read and validate the file; send nothing")
    parser.add_argument(
        "--wait-for-other-imports",
        action="store_true",
        help="before each batch, wait while an order import that is not this command's runs in the project "
        "(other workers import into it too)",
    )
    parser.add_argument(
        "--first-poll",
        type=_positive_float,
        metavar="SECONDS",
        help="when to first look at an import's async action (default 0.25; later looks follow its progress)",
    )
    parser.add_argument(
        "--rejects",
        metavar="PATH",
        type=Path,
        help="write the orders rejected as malformed, in FILE's format, each with an _import_error reason "
        "(kept up to date during the import)",
    )
    parser.add_argument(
        "--failures",
        metavar="PATH",
        type=Path,
        help="write the orders the server failed to import, in FILE's format, each with an _import_error "
        "reason (kept up to date during the import)",
    )
    parser.add_argument(
        "--created-at-metadata",
        metavar="KEY",
        help="keep each order's created_at in metadata[KEY] (Voucherify sets created_at to the import time)",
    )
    parser.add_argument(
        "--duplicates",
        choices=DUPLICATES_OPTIONS,
        help="a record whose source_id repeats an earlier one's: send it (default; Voucherify updates the "
        "order, the last copy wins) or reject it (never sent; the default of a --map that groups rows); "
        "the summary counts them either way",
    )
    _add_display_argument(parser, machine_readable=True)
    parser.add_argument(
        "--json",
        action="store_true",
        help="write the report as one JSON object on stdout, and nothing else there (also on an error or an "
        "interruption); the summary table is not shown",
    )
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but errors (--json still writes its object)"
    )
    verbosity.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log each request (method, path, status, time, request id) on stderr; -vv: retries, waits too",
    )


def _add_map_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "map",
        help="write the orders a mapping makes of a shop's export as JSON Lines, to check them",
        description="Map the records of FILE (a shop's orders export: CSV, JSON Lines or JSON) onto "
        "Voucherify orders with --map, check each as an import would, and write them as JSON Lines. "
        "Rejected records are told on stderr, with their row and column.",
        epilog="exit codes: 0 every record became an order; 1 some were rejected; 2 the mapping, the file "
        "or the output cannot be used",
        formatter_class=_ParagraphsHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", type=Path, help="the export: .csv, .jsonl or .json")
    parser.add_argument(
        "--format", choices=FORMATS, help="format of FILE (default: the mapping's, else its extension)"
    )
    _add_map_argument(parser, required=True)
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        type=Path,
        help="write the orders to PATH (written whole, through a temporary file) instead of stdout",
    )
    parser.add_argument(
        "--duplicates",
        choices=DUPLICATES_OPTIONS,
        help="an order whose source_id repeats an earlier one's: write it (default) or reject it (the "
        "default of a mapping that groups rows, where it is an order whose rows are not consecutive)",
    )


def _add_map_argument(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument(
        "--map",
        metavar="PRESET|PATH",
        required=required,
        help="read FILE as another shop system's export, through a mapping: a preset (shopify, woocommerce) "
        "or a mapping file (.toml; see docs/mapping.md)",
    )


class _ParagraphsHelpFormatter(argparse.HelpFormatter):
    """Wraps each paragraph of an epilog on its own (argparse's default joins them), and never breaks a
    line inside a word with a hyphen (a path such as ``~/.local/state/voucherify-async``, an option)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n\n".join(
            textwrap.fill(
                " ".join(part.split()),
                width,
                initial_indent=indent,
                subsequent_indent=indent,
                break_on_hyphens=False,
            )
            for part in text.split("\n\n")
        )


def _add_display_argument(parser: argparse.ArgumentParser, *, machine_readable: bool = False) -> None:
    json_help = ", JSON Lines (json: one object per progress event)" if machine_readable else ""
    parser.add_argument(
        "--progress",
        choices=("auto", "bar", "plain", "none", "json")
        if machine_readable
        else ("auto", "bar", "plain", "none"),
        default="auto",
        help=f"a live bar (on a terminal), plain lines (otherwise){json_help}, or nothing but the summary; "
        "on stderr",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "emulator":
        return _run_emulator(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command == "import":
        from voucherify_async.cli.import_command import run_import

        return run_import(args, argv)
    if args.command == "map":
        from voucherify_async.cli.map_command import run_map

        return run_map(args)
    from voucherify_async.cli.demo import run_demo

    return run_demo(args)


def _run_emulator(argv: list[str]) -> int:
    from voucherify_async.emulator import _command

    parser = argparse.ArgumentParser(
        prog=f"{PROG} emulator",
        description="Serve the local Voucherify emulator until interrupted. The first line of output is "
        "its base URL.",
    )
    _command.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return _command.run(args)
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
