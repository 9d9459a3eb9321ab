"""Entry point of the ``voucherify-async`` command: parses the sub-command and runs it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from voucherify_async._version import __version__


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog="voucherify-async",
        description="Import historical orders into Voucherify, or run the local Voucherify emulator.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
