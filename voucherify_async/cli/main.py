"""Entry point of the ``voucherify-async`` command: parses the sub-command and runs it.

The exit codes are listed in :mod:`voucherify_async.cli.exit_codes`. Each sub-command's module is
imported only when that sub-command runs, so ``voucherify-async import`` does
not load the emulator's web server and ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from voucherify_async._version import __version__
from voucherify_async.cli import PROG
from voucherify_async.cli.exit_codes import EXIT_OK, EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Import historical orders into Voucherify, or run the local Voucherify emulator.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "emulator",
        add_help=False,  # its own parser, built when it runs, answers --help
        help="serve the local Voucherify emulator until interrupted (see: emulator --help)",
    )
    return parser


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
    return EXIT_USAGE


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
