from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from voucherify_async.importing.checkpoint import Journal
from voucherify_async.importing.errors import CheckpointError
from voucherify_async.importing.report import BatchResult, OrderFailure


def _finished(index: int = 1) -> BatchResult:
    return BatchResult(
        index=index,
        async_action_id="aa_1",
        size=3,
        status="DONE",
        imported=2,
        failed=[OrderFailure("o-2", "duplicate")],
    )


def test_every_step_is_one_json_line(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.record_submitting(1, "fp", 3, at=10.0)
    journal.record_submitted(1, "aa_1", "submitted")
    journal.close()
    lines = (tmp_path / "j.jsonl").read_bytes().splitlines()
    assert [orjson.loads(line)["event"] for line in lines] == ["submitting", "submitted"]


def test_a_finished_batch_is_read_back_as_a_resumed_result(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.record_submitting(1, "fp", 3, at=10.0)
    journal.record_finished(_finished())
    journal.close()
    result = Journal(tmp_path / "j.jsonl").batches[1].result
    assert result is not None
    assert (result.imported, result.failed, result.resumed) == (2, [OrderFailure("o-2", "duplicate")], True)


def test_a_submission_without_its_answer_is_awaiting_answer(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.record_submitting(1, "fp", 3, at=10.0)
    journal.close()
    record = Journal(tmp_path / "j.jsonl").batches[1]
    assert (record.awaiting_answer, record.submitting_at, record.async_action_id) == (True, 10.0, None)


def test_a_recorded_action_is_not_awaiting_answer(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.record_submitting(1, "fp", 3, at=10.0)
    journal.record_submitted(1, "aa_1", "submitted")
    journal.close()
    record = Journal(tmp_path / "j.jsonl").batches[1]
    assert (record.awaiting_answer, record.async_action_id) == (False, "aa_1")


def test_a_last_line_cut_by_a_kill_is_ignored(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.record_submitting(1, "fp", 3, at=10.0)
    journal.close()
    with open(tmp_path / "j.jsonl", "ab") as file:
        file.write(b'{"event": "submitted", "batch": 1, "async_ac')
    assert Journal(tmp_path / "j.jsonl").batches[1].awaiting_answer


def test_writing_after_a_cut_line_starts_a_new_line(tmp_path: Path) -> None:
    (tmp_path / "j.jsonl").write_bytes(b'{"event": "subm')
    journal = Journal(tmp_path / "j.jsonl")
    journal.record_submitting(1, "fp", 3, at=10.0)
    journal.close()
    assert Journal(tmp_path / "j.jsonl").batches[1].fingerprint == "fp"


def test_a_damaged_line_in_the_middle_is_refused(tmp_path: Path) -> None:
    (tmp_path / "j.jsonl").write_bytes(b'garbage\n{"event": "start"}\n')
    with pytest.raises(CheckpointError, match="damaged at line 1"):
        Journal(tmp_path / "j.jsonl")


def test_refused_orders_are_kept_for_the_batch(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.record_submitting(1, "fp", 3, at=10.0)
    journal.record_refused(1, "Property .x", [OrderFailure("o-1", "Property .x")], [0])
    journal.close()
    assert Journal(tmp_path / "j.jsonl").batches[1].rejected == [OrderFailure("o-1", "Property .x")]


def test_an_answered_submission_is_read_back_with_its_send_window(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.record_submitting(1, "fp", 3, at=10.0)
    journal.record_submitted(1, "aa_1", "submitted", at=10.5)
    journal.close()
    assert Journal(tmp_path / "j.jsonl").batches[1].last_submission == ("aa_1", 10.0, 10.5)


def test_an_adopted_action_is_read_back_as_adopted_without_a_send_window(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.record_submitting(1, "fp", 3, at=10.0)
    journal.record_submitted(1, "aa_1", "adopted", at=16.0)
    journal.close()
    record = Journal(tmp_path / "j.jsonl").batches[1]
    assert (record.adopted, record.last_submission) == ({"aa_1"}, None)


def test_a_split_is_read_back_with_its_plan_and_counted_as_a_refusal(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.record_submitting(1, "fp", 4, at=10.0)
    journal.record_split(1, "odd", [[0, 1], [2, 3]])
    journal.record_refused(1, "odd", [OrderFailure("o-0", "odd")], [0])
    journal.close()
    record = Journal(tmp_path / "j.jsonl").batches[1]
    assert (record.pending, record.refusals, record.awaiting_answer) == ([[0, 1], [2, 3]], 2, False)


def test_a_journal_in_use_by_another_run_is_refused(tmp_path: Path) -> None:
    first = Journal(tmp_path / "j.jsonl")
    first.write("start", at=1.0)
    second = Journal(tmp_path / "j.jsonl")
    with pytest.raises(CheckpointError, match="in use by another run"):
        second.write("start", at=2.0)
    first.close()


def test_a_journal_is_free_again_once_its_run_closed_it(tmp_path: Path) -> None:
    first = Journal(tmp_path / "j.jsonl")
    first.write("start", at=1.0)
    first.close()
    second = Journal(tmp_path / "j.jsonl")
    second.write("start", at=2.0)
    second.close()
    assert len((tmp_path / "j.jsonl").read_bytes().splitlines()) == 2
