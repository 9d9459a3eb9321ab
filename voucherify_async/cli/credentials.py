"""Where the ``import`` command finds the project's credentials, without ever showing the token.

The app token is a secret that grants write access to a project. A token typed as a command-line flag lands
in the shell history and in the process list of the machine, so the flag works but warns; the quiet ways are
the ``VOUCHERIFY_APP_TOKEN`` environment variable, ``--app-token-file``, ``--app-token-stdin`` or the
interactive prompt. Nothing in this module prints, logs or raises the token itself.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

import attrs

from voucherify_async._environment import (
    ENV_APP_ID,
    ENV_APP_TOKEN,
    ENV_BASE_URL,
    ENV_CLUSTER,
    EnvironmentSettings,
    read_environment,
)
from voucherify_async._errors import InvalidArgumentError

__all__ = [
    "ENV_APP_ID",
    "ENV_APP_TOKEN",
    "ENV_BASE_URL",
    "ENV_CLUSTER",
    "TOKEN_FLAG_WARNING",
    "ConfigurationError",
    "Credentials",
    "add_credential_arguments",
    "resolve_credentials",
]

TOKEN_FLAG_WARNING = (
    "warning: a token passed with --app-token stays in your shell history and is visible to other users "
    f"in the process list; prefer {ENV_APP_TOKEN}, --app-token-file PATH or --app-token-stdin."
)


class ConfigurationError(Exception):
    """A usage or configuration problem the user must fix before anything is sent (exit code 2)."""


@attrs.frozen
class Credentials:
    """Who the command talks to, and as which project.

    Attributes:
        app_id: the project's application id (``X-App-Id``); not a secret.
        app_token: the project's secret key (``X-App-Token``); never shown in ``repr``.
        cluster: the Voucherify cluster (``api``, ``us1.api``, ``as1.api``...), used without ``base_url``.
        base_url: an explicit API root such as ``http://127.0.0.1:8080``.
    """

    app_id: str
    app_token: str = attrs.field(repr=False)
    cluster: str = "api"
    base_url: str | None = None


def add_credential_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the flags that say which project to talk to."""
    group = parser.add_argument_group(
        "credentials",
        f"Taken from {ENV_APP_ID}, {ENV_APP_TOKEN}, {ENV_CLUSTER} and {ENV_BASE_URL} unless given here. "
        "Without a token from any of these, the command asks for it when run in a terminal.",
    )
    group.add_argument(
        "--app-id", metavar="ID", help=f"the project's application id (default: ${ENV_APP_ID})"
    )
    group.add_argument(
        "--app-token-file",
        metavar="PATH",
        type=Path,
        help="read the app token from the first line of this file",
    )
    group.add_argument(
        "--app-token-stdin", action="store_true", help="read the app token from the first line of stdin"
    )
    group.add_argument(
        "--app-token",
        metavar="TOKEN",
        help="the app token itself (discouraged: it lands in your shell history)",
    )
    group.add_argument(
        "--cluster",
        metavar="NAME",
        help=f"Voucherify cluster: api (Europe, the default), us1.api, as1.api (default: ${ENV_CLUSTER})",
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        help="API root to use instead of the cluster, e.g. http://127.0.0.1:8080 for a local emulator "
        f"(default: ${ENV_BASE_URL})",
    )


def resolve_credentials(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    *,
    stdin: TextIO,
    stderr: TextIO,
    prompt: Callable[[str], str] = getpass.getpass,
) -> Credentials:
    """Combine flags and environment into :class:`Credentials`; flags win over the environment.

    The environment is read by the client's own reader (``voucherify_async._environment``); a base URL is
    checked before a token is asked for.

    Raises:
        ConfigurationError: the app id or token is missing or unreadable, flags contradict each other, or the
            base URL is not an absolute http(s) URL or holds a user name or password.
    """
    # The client's own check of a base URL, imported here: building the parser (--help) loads no HTTP stack.
    from voucherify_async._client import absolute_url

    env = read_environment(environ)
    base_url = args.base_url or env.base_url
    if base_url is not None:
        try:
            absolute_url("--base-url" if args.base_url else ENV_BASE_URL, base_url)
        except InvalidArgumentError as error:  # its words never echo a password
            raise ConfigurationError(str(error)) from None
    app_id = args.app_id or env.app_id
    if not app_id:
        raise ConfigurationError(
            f"no app id: pass --app-id or set {ENV_APP_ID} (or try the file on a local emulator with "
            "--emulator: no account needed)"
        )
    token = _read_token(args, env, stdin=stdin, stderr=stderr, prompt=prompt)
    cluster = args.cluster or env.cluster or "api"
    return Credentials(app_id=app_id, app_token=token, cluster=cluster, base_url=base_url)


def _read_token(
    args: argparse.Namespace,
    env: EnvironmentSettings,
    *,
    stdin: TextIO,
    stderr: TextIO,
    prompt: Callable[[str], str],
) -> str:
    chosen = [args.app_token is not None, args.app_token_file is not None, args.app_token_stdin]
    if sum(chosen) > 1:
        raise ConfigurationError(
            "give the app token one way only: --app-token, --app-token-file or --app-token-stdin"
        )
    if args.app_token is not None:
        print(TOKEN_FLAG_WARNING, file=stderr)
        token: str = args.app_token
    elif args.app_token_file is not None:
        token = _first_line_of_file(args.app_token_file)
    elif args.app_token_stdin:
        # Typed at a terminal, a line read from stdin would be echoed on the screen: ask without echo.
        token = prompt("Voucherify app token (not shown): ") if stdin.isatty() else stdin.readline()
    elif env.app_token:
        token = env.app_token
    elif stdin.isatty():
        token = prompt("Voucherify app token (not shown): ")
    else:
        raise ConfigurationError(
            f"no app token: set {ENV_APP_TOKEN}, or pass --app-token-file PATH or --app-token-stdin"
        )
    token = token.strip()
    if not token:
        raise ConfigurationError("the app token is empty")
    return token


def _first_line_of_file(path: Path) -> str:
    try:
        with path.open(encoding="utf-8") as file:
            return file.readline()
    except OSError as error:
        # The OSError names the path and the reason only, never the file's content.
        raise ConfigurationError(f"cannot read the app token file: {error}") from None
