"""Serve ``voucherify_async.emulator.Emulator`` in a process of its own for the benchmarks.

Prints the base URL as the first line of its output, then serves until terminated. The benchmarks run the
emulator in a separate process so that its work never competes with the client's on the client's event
loop or in the client's memory measurements.

Usage: ``python -m benchmarks.serve_emulator [--processing-rate N] [--processing-delay S] [--projects N]
[--data-dir DIR] [--processing-spread F] [--seed N]``
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from voucherify_async.emulator import Emulator

APP_ID = "bench-app"
APP_TOKEN = "bench-token"  # a local emulator's made-up key, never a real one


def project_credentials(count: int) -> list[tuple[str, str]]:
    """The (app id, app token) pairs of ``count`` projects: the default one first."""
    return [(APP_ID, APP_TOKEN)] + [(f"{APP_ID}-{n}", f"{APP_TOKEN}-{n}") for n in range(2, count + 1)]


async def serve(
    processing_rate: float | None,
    processing_delay: float,
    projects: int,
    data_dir: str | None = None,
    processing_spread: float = 0.0,
    seed: int = 0,
) -> None:
    """Start the emulator, print its URL, and serve until cancelled."""
    credentials = project_credentials(projects)
    # data_dir only when given: the emulator of an earlier checkout (``--before``) may not know it.
    stored: dict[str, Any] = {} if data_dir is None else {"data_dir": data_dir}
    if processing_spread:  # likewise: only when asked for
        stored.update(processing_spread=processing_spread, seed=seed)
    async with Emulator(
        app_id=APP_ID,
        app_token=APP_TOKEN,
        projects=dict(credentials[1:]),
        processing_rate=processing_rate,
        processing_delay=processing_delay,
        **stored,
    ) as emulator:
        print(emulator.url, flush=True)
        await asyncio.Event().wait()


def main() -> None:
    """Parse the options and serve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processing-rate", type=float, default=None, help="orders per second")
    parser.add_argument("--processing-delay", type=float, default=0.0, help="extra seconds per import")
    parser.add_argument("--projects", type=int, default=1, help="how many projects to serve")
    parser.add_argument("--data-dir", default=None, help="keep the data in this directory (SQLite)")
    parser.add_argument(
        "--processing-spread", type=float, default=0.0, help="imports vary by up to this fraction"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the processing times' spread")
    args = parser.parse_args()
    asyncio.run(
        serve(
            args.processing_rate,
            args.processing_delay,
            args.projects,
            args.data_dir,
            args.processing_spread,
            args.seed,
        )
    )


if __name__ == "__main__":
    main()
