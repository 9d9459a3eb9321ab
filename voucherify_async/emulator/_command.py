"""The standalone emulator: ``voucherify-async emulator`` and ``python -m voucherify_async.emulator``.

The first line of output is the base URL; the credentials follow. It serves until interrupted (Ctrl-C or
SIGTERM). Faults use a small syntax, one ``--fault`` each::

    KIND[,route=METHOD PATH][,nth=N[+N...]][,probability=P][,status=S][,delay=SECONDS]

for example ``--fault "lost_ack,route=POST /v1/orders/import,nth=2"`` (the second import is accepted but
its answer is lost), ``--fault "status,status=429,probability=0.1"`` or ``--fault "latency,delay=0.5"``.

``--data-dir DIR`` keeps the data in DIR (see ``Emulator(data_dir=...)``): stop the emulator, start it again
with the same DIR, and its orders, async actions and exports are there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

from voucherify_async.emulator._emulator import Emulator
from voucherify_async.emulator.faults import FAULT_KINDS, Fault
from voucherify_async.emulator.ratelimit import RateLimits
from voucherify_async.emulator.stores.sqlite_file import DataDirError

DEFAULT_APP_ID = "app"
DEFAULT_APP_TOKEN = "token"


def parse_fault(text: str) -> Fault:
    """Parse the ``--fault`` syntax (see the module's docstring).

    Raises:
        argparse.ArgumentTypeError: the text is not a fault.
    """
    kind, *options = (part.strip() for part in text.split(","))
    if kind not in FAULT_KINDS:
        raise argparse.ArgumentTypeError(f"unknown fault kind {kind!r}; use one of {', '.join(FAULT_KINDS)}")
    fields: dict[str, Any] = {}
    try:
        for option in options:
            name, _, value = option.partition("=")
            if name == "route":
                fields["route"] = value
            elif name == "nth":
                fields["nth"] = tuple(int(index) for index in value.split("+"))
            elif name in ("probability", "delay"):
                fields[name] = float(value)
            elif name == "status":
                fields["status"] = int(value)
            else:
                raise argparse.ArgumentTypeError(f"unknown fault option {name!r}")
        return Fault(kind, **fields)  # type: ignore[arg-type]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"invalid fault {text!r}: {error}") from None


def _project(text: str) -> tuple[str, str]:
    app_id, sep, app_token = text.partition(":")
    if not sep or not app_id or not app_token:
        raise argparse.ArgumentTypeError("a project is APP_ID:APP_TOKEN")
    return app_id, app_token


def _metadata_rule(text: str) -> tuple[str, list[str]]:
    key, sep, values = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("a metadata rule is KEY=VALUE[,VALUE...]")
    return key, values.split(",")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's options to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default: 8080; 0 picks a free one)")
    parser.add_argument("--app-id", default=DEFAULT_APP_ID, help="the default project's application id")
    parser.add_argument("--app-token", default=DEFAULT_APP_TOKEN, help="the default project's secret token")
    parser.add_argument(
        "--project", type=_project, action="append", default=[], metavar="APP_ID:APP_TOKEN",
        help="another project with its own data (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--processing-rate", type=float, default=None, metavar="ORDERS_PER_S",
        help="orders per second an import is processed at (default: at once)",
    )  # fmt: skip
    parser.add_argument(
        "--processing-delay", type=float, default=0.0, metavar="SECONDS", help="extra seconds per import"
    )
    parser.add_argument("--api-calls-per-minute", type=int, default=None, help="API call budget per project")
    parser.add_argument("--bulk-calls-per-hour", type=int, default=None, help="bulk call budget per project")
    parser.add_argument(
        "--fault", type=parse_fault, action="append", default=[], metavar="SPEC",
        help="inject a fault (repeatable): KIND[,route=METHOD PATH][,nth=N[+N]][,probability=P]"
        "[,status=S][,delay=SECONDS]; KIND is one of " + ", ".join(FAULT_KINDS),
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="seed of the probabilistic faults")
    parser.add_argument(
        "--metadata-schema", type=_metadata_rule, action="append", default=[], metavar="KEY=VALUE[,VALUE]",
        help="allowed values of an order metadata key, enforced only by the server (repeatable)",
    )  # fmt: skip
    parser.add_argument("--export-delay", type=float, default=0.0, help="seconds an export takes")
    parser.add_argument(
        "--oauth-token-ttl", type=float, default=900.0, metavar="SECONDS", help="lifetime of OAuth tokens"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, metavar="DIR",
        help="keep the projects' orders, customers, async actions and exports in DIR (an SQLite file, "
        "created if needed): they survive a restart with the same DIR, and memory stays flat however many "
        "orders are stored (default: in memory, gone when the emulator stops)",
    )  # fmt: skip


def build_emulator(args: argparse.Namespace) -> Emulator:
    """The :class:`Emulator` the parsed options describe."""
    return Emulator(
        app_id=args.app_id,
        app_token=args.app_token,
        host=args.host,
        port=args.port,
        projects=dict(args.project),
        processing_rate=args.processing_rate,
        processing_delay=args.processing_delay,
        rate_limits=RateLimits(args.api_calls_per_minute, args.bulk_calls_per_hour),
        faults=args.fault,
        seed=args.seed,
        metadata_schema=dict(args.metadata_schema) or None,
        export_delay=args.export_delay,
        oauth_token_ttl=args.oauth_token_ttl,
        data_dir=args.data_dir,
    )


async def _serve(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with build_emulator(args) as emu:
        # A token passed on the command line is the user's own: it is never printed back.
        own_token = args.app_token != DEFAULT_APP_TOKEN
        token_note = "(as given with --app-token)" if own_token else DEFAULT_APP_TOKEN
        print(emu.url)
        print(f"X-App-Id: {args.app_id}")
        print(f"X-App-Token: {token_note}")
        for app_id, _ in args.project:
            print(f"project: {app_id}")
        if args.data_dir is not None:
            stored = sum(project.store.order_count() for project in emu.projects.values())
            print(f"data directory: {args.data_dir} ({stored:,} orders stored)")
        print("serving until interrupted (Ctrl-C)", flush=True)
        await stop.wait()


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; the exit code (0 after an interrupt, 1 when the port is taken or the data
    directory cannot be used)."""
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        return 0
    except DataDirError as error:
        print(str(error), file=sys.stderr)
        return 1
    except OSError as error:
        print(f"cannot serve on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    return 0
