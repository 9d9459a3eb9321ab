from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from voucherify_async.cli.credentials import (
    ConfigurationError,
    Credentials,
    add_credential_arguments,
    resolve_credentials,
)

SECRET = "s3cr3t-token-value"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_credential_arguments(parser)
    return parser.parse_args(argv)


def resolve(
    args: argparse.Namespace, environ: dict[str, str], stdin: io.StringIO | None = None
) -> Credentials:
    return resolve_credentials(args, environ, stdin=stdin or io.StringIO(), stderr=io.StringIO())


def test_environment_gives_id_token_and_cluster() -> None:
    env = {"VOUCHERIFY_APP_ID": "app", "VOUCHERIFY_APP_TOKEN": SECRET, "VOUCHERIFY_CLUSTER": "us1.api"}
    assert resolve(parse(), env) == Credentials("app", SECRET, cluster="us1.api")


def test_flags_win_over_the_environment() -> None:
    env = {"VOUCHERIFY_APP_ID": "env-app", "VOUCHERIFY_APP_TOKEN": "env-token"}
    credentials = resolve(parse("--app-id", "flag-app", "--app-token-stdin"), env, io.StringIO(SECRET + "\n"))
    assert (credentials.app_id, credentials.app_token) == ("flag-app", SECRET)


def test_token_flag_warns_about_shell_history_without_echoing_it() -> None:
    stderr = io.StringIO()
    resolve_credentials(parse("--app-id", "a", "--app-token", SECRET), {}, stdin=io.StringIO(), stderr=stderr)
    assert "shell history" in stderr.getvalue()
    assert SECRET not in stderr.getvalue()


def test_token_file_is_read_and_stripped(tmp_path: Path) -> None:
    (tmp_path / "token").write_text(SECRET + "\n")
    assert (
        resolve(parse("--app-id", "a", "--app-token-file", str(tmp_path / "token")), {}).app_token == SECRET
    )


def test_missing_token_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read the app token file"):
        resolve(parse("--app-id", "a", "--app-token-file", str(tmp_path / "absent")), {})


def test_terminal_without_a_token_prompts_for_it() -> None:
    args = parse("--app-id", "a")
    asked: list[str] = []
    credentials = resolve_credentials(
        args, {}, stdin=Terminal(), stderr=io.StringIO(), prompt=lambda text: asked.append(text) or SECRET
    )
    assert (credentials.app_token, len(asked)) == (SECRET, 1)


def test_no_token_anywhere_outside_a_terminal_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="no app token"):
        resolve(parse("--app-id", "a"), {})


def test_no_app_id_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="no app id"):
        resolve(parse(), {"VOUCHERIFY_APP_TOKEN": SECRET})


def test_two_token_sources_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="one way only"):
        resolve(parse("--app-id", "a", "--app-token", SECRET, "--app-token-stdin"), {})


def test_credentials_repr_hides_the_token() -> None:
    assert SECRET not in repr(Credentials("app", SECRET))


def test_base_url_comes_from_the_environment_unless_flagged() -> None:
    env = {
        "VOUCHERIFY_APP_ID": "a",
        "VOUCHERIFY_APP_TOKEN": SECRET,
        "VOUCHERIFY_BASE_URL": "http://127.0.0.1:1",
    }
    flagged = resolve(parse("--base-url", "http://127.0.0.1:2"), env).base_url
    assert (resolve(parse(), env).base_url, flagged) == ("http://127.0.0.1:1", "http://127.0.0.1:2")


def test_token_stdin_at_a_terminal_is_asked_without_echo() -> None:
    asked: list[str] = []
    credentials = resolve_credentials(
        parse("--app-id", "a", "--app-token-stdin"),
        {},
        stdin=Terminal(SECRET + "\n"),
        stderr=io.StringIO(),
        prompt=lambda text: asked.append(text) or "typed-token",
    )
    assert (credentials.app_token, len(asked)) == ("typed-token", 1)


@pytest.mark.parametrize(
    ("argv", "environ", "named"),
    [
        (["--base-url", f"http://user:{SECRET}@127.0.0.1:8080"], {}, "--base-url"),
        ([], {"VOUCHERIFY_BASE_URL": f"https://:{SECRET}@acme.voucherify.io"}, "VOUCHERIFY_BASE_URL"),
        (["--base-url", f"user:{SECRET}@127.0.0.1:8080"], {}, "--base-url"),
    ],
)
def test_a_base_url_with_a_password_is_refused_before_the_token_is_asked_for(
    argv: list[str], environ: dict[str, str], named: str
) -> None:
    asked: list[str] = []
    with pytest.raises(ConfigurationError, match=named) as caught:
        resolve_credentials(
            parse("--app-id", "a", *argv),
            environ,
            stdin=Terminal(),
            stderr=io.StringIO(),
            prompt=lambda text: asked.append(text) or "typed-token",
        )
    assert (SECRET in str(caught.value), asked) == (False, [])
