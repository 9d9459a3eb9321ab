"""``python -m voucherify_async.emulator``: serve the local Voucherify emulator until interrupted."""

from __future__ import annotations

import argparse
import sys

from voucherify_async.emulator import _command


def main(argv: list[str] | None = None) -> int:
    """Parse the options and serve."""
    parser = argparse.ArgumentParser(
        prog="python -m voucherify_async.emulator",
        description="Serve the local Voucherify emulator until interrupted. The first line of output is its "
        "base URL, then the credentials.",
    )
    _command.add_arguments(parser)
    return _command.run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
