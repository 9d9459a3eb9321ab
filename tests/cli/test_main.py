"""Usage and configuration errors of the command, found before anything is sent (run in this process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_process import write_jsonl

from voucherify_async.cli.main import main
from voucherify_async.cli.stop_explanations import resume_command


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VOUCHERIFY_APP_ID", "VOUCHERIFY_APP_TOKEN", "VOUCHERIFY_CLUSTER", "VOUCHERIFY_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str]:
    try:
        code = main([str(arg) for arg in argv])
    except SystemExit as exit_:  # argparse's own usage errors
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.usefixtures("no_credentials")
def test_no_credentials_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, output = run(capsys, "import", write_jsonl(tmp_path / "o.jsonl", []))
    assert (code, "no app id" in output) == (2, True)


@pytest.mark.usefixtures("no_credentials")
def test_no_credentials_points_at_the_embedded_emulator(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, output = run(capsys, "import", write_jsonl(tmp_path / "o.jsonl", []))
    assert "--emulator: no account needed" in output


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, output = run(capsys, "import", tmp_path / "absent.jsonl")
    assert (code, "no such file" in output) == (2, True)


def test_unknown_extension_exits_2_and_names_the_format_flag(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "orders.txt").touch()
    code, output = run(capsys, "import", tmp_path / "orders.txt")
    assert (code, "--format" in output) == (2, True)


def test_batch_size_above_the_api_limit_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, output = run(capsys, "import", write_jsonl(tmp_path / "o.jsonl", []), "--batch-size", "2001")
    assert (code, "at most 2000" in output) == (2, True)


def test_checkpoint_with_the_embedded_emulator_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_jsonl(tmp_path / "o.jsonl", [])
    code, output = run(capsys, "import", source, "--emulator", "--checkpoint", tmp_path / "j")
    assert (code, "--checkpoint cannot be used with --emulator" in output) == (2, True)


def test_unknown_option_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _ = run(capsys, "import", write_jsonl(tmp_path / "o.jsonl", []), "--bogus")
    assert code == 2


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run(capsys)
    assert (code, "import" in output and "demo" in output and "emulator" in output) == (2, True)


def test_broken_json_array_is_a_usage_error_in_a_dry_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "cut.json").write_text('[{"source_id": "a"}, {"source_id": "b"')
    code, output = run(capsys, "import", tmp_path / "cut.json", "--dry-run")
    assert (code, "ends early" in output) == (2, True)


def test_unknown_cluster_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VOUCHERIFY_APP_ID", "a")
    monkeypatch.setenv("VOUCHERIFY_APP_TOKEN", "t")
    monkeypatch.delenv("VOUCHERIFY_BASE_URL", raising=False)
    code, output = run(capsys, "import", write_jsonl(tmp_path / "o.jsonl", []), "--cluster", "eu/evil")
    assert (code, "Not a Voucherify cluster" in output) == (2, True)


@pytest.mark.parametrize("given_as", ["--base-url", "VOUCHERIFY_BASE_URL"])
def test_a_base_url_with_a_password_exits_2_without_showing_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, given_as: str
) -> None:
    url = "http://user:pa55w0rd-in-url@127.0.0.1:1"
    monkeypatch.setenv("VOUCHERIFY_APP_ID", "a")
    monkeypatch.setenv("VOUCHERIFY_APP_TOKEN", "t")
    flags: list[str | Path] = ["--checkpoint", tmp_path / "j"]
    if given_as == "--base-url":
        flags += ["--base-url", url]
    else:
        monkeypatch.setenv("VOUCHERIFY_BASE_URL", url)
    source = write_jsonl(tmp_path / "o.jsonl", [{"source_id": "o-1", "amount": 1}])
    code, output = run(capsys, "import", source, *flags)
    assert (code, f"{given_as} must not hold a user name or password" in output) == (2, True)
    assert "pa55w0rd" not in output


def test_csv_row_with_too_many_cells_is_reported_by_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "o.csv").write_text("source_id,amount\na,1\nb,2,surplus\nc,3\n")
    code, output = run(capsys, "import", tmp_path / "o.csv", "--dry-run")
    assert code == 1
    assert "(line 3): the row has more cells" in output
    assert "2 valid, 1 rejected" in output


def test_bad_element_of_a_json_array_is_reported_by_its_record_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "o.json").write_text('[\n{"source_id": "a"},\n{"source_id": nope},\n{"source_id": "c"}\n]\n')
    code, output = run(capsys, "import", tmp_path / "o.json", "--dry-run")
    assert code == 1
    assert "(record 2 (line 3)): not valid JSON" in output
    assert "2 valid, 1 rejected" in output


def test_resume_command_leaves_out_the_token_in_either_spelling() -> None:
    argv = ["import", "o.jsonl", "--app-token", "s3cret", "--checkpoint", "j", "--app-token=s3cret2"]
    assert resume_command(argv) == "voucherify-async import o.jsonl --checkpoint j"


def test_resume_command_quotes_paths_for_the_shell() -> None:
    assert resume_command(["import", "my orders.jsonl"]) == "voucherify-async import 'my orders.jsonl'"


def test_first_poll_help_states_the_batchers_own_default(capsys: pytest.CaptureFixture[str]) -> None:
    import voucherify_async as vf

    _, text = run(capsys, "import", "--help")
    assert f"(default {vf.ImportPollPolicy().first:g};" in " ".join(text.split())
