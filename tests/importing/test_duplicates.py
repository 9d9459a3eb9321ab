"""The tracker of a run's source_ids (``importing/duplicates.py``), on its own."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voucherify_async import InvalidArgumentError
from voucherify_async.importing import duplicates
from voucherify_async.importing.duplicates import SourceIdTracker


def _expected_first_positions(records: list[tuple[str, int]]) -> list[int | None]:
    """What the tracker should answer for each (source_id, position), from a plain dict."""
    first: dict[str, int] = {}
    answers: list[int | None] = []
    for source_id, position in records:
        answers.append(first.get(source_id))
        first.setdefault(source_id, position)
    return answers


def _records(ids: list[str], gaps: list[int]) -> list[tuple[str, int]]:
    """Each id at an increasing position: the gaps stand for records never passed in (rejected, say)."""
    position, records = 0, []
    for index, source_id in enumerate(ids):
        position += 1 + gaps[index % len(gaps)]
        records.append((source_id, position))
    return records


_ids = st.lists(st.text(max_size=6), max_size=300)
_gaps = st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=20)


@given(ids=_ids, gaps=_gaps)
@settings(max_examples=200, deadline=None)
def test_the_tracker_answers_as_a_dict_of_first_positions_would(ids: list[str], gaps: list[int]) -> None:
    records = _records(ids, gaps)
    with SourceIdTracker() as tracker:
        assert [tracker.repeat_of(sid, position) for sid, position in records] == (
            _expected_first_positions(records)
        )
        assert len(tracker) == len(set(ids))


@given(ids=_ids, gaps=_gaps)
@settings(max_examples=50, deadline=None)
def test_a_spilled_tracker_answers_as_a_dict_would(ids: list[str], gaps: list[int]) -> None:
    records = _records(ids, gaps)
    with SourceIdTracker(memory_limit=0) as tracker:  # every record looked up in the file
        answers = [tracker.repeat_of(sid, position) for sid, position in records]
    assert answers == _expected_first_positions(records)


def test_a_repeat_names_where_its_source_id_was_first_seen() -> None:
    with SourceIdTracker() as tracker:
        assert tracker.repeat_of("o-1", 1) is None
        assert tracker.repeat_of("o-2", 2) is None
        assert tracker.repeat_of("o-1", 3) == 1
        assert tracker.repeat_of("o-3", 9) is None  # positions 4..8 were records not passed in
        assert tracker.repeat_of("o-3", 10) == 9
        assert tracker.repeat_of("o-2", 11) == 2


def test_the_fingerprints_go_to_a_file_that_has_no_name(tmp_path: Path) -> None:
    tracker = SourceIdTracker(memory_limit=64 * 1024, spill_directory=tmp_path)
    for n in range(1, 20_001):
        assert tracker.repeat_of(f"o-{n}", n) is None
    assert tracker.spilled
    assert tracker.memory_bytes < 64 * 1024
    assert list(tmp_path.iterdir()) == []  # unlinked at once: nothing to clean up, even after a kill
    assert [tracker.repeat_of(f"o-{n}", 20_000 + n) for n in (1, 777, 20_000)] == [1, 777, 20_000]
    tracker.close()
    assert not tracker.spilled
    assert len(tracker) == 0


def test_closing_a_spilled_tracker_closes_its_files(tmp_path: Path) -> None:
    tracker = SourceIdTracker(memory_limit=0, spill_directory=tmp_path)
    for n in range(1, 100):
        tracker.repeat_of(f"o-{n}", n)
    file = tracker._file
    assert file is not None
    tracker.close()
    tracker.close()  # twice is fine
    assert file.closed


def test_the_memory_is_the_same_for_30_000_ids_as_for_300_000() -> None:
    with SourceIdTracker() as tracker:
        sizes = {}
        for n in range(1, 300_001):
            assert tracker.repeat_of(f"o-{n}", n) is None
            if n % 30_000 == 0:
                sizes[n] = tracker.memory_bytes
        assert tracker.repeat_of("o-12345", 300_001) == 12345
    # The filter (2 MiB) and at most a block (2 KiB) waiting per partition.
    assert max(sizes.values()) <= 2 * 1024 * 1024 + 256 * 2048 + 64
    assert sizes[300_000] - sizes[30_000] < 256 * 2048


def test_closing_lets_go_of_the_filter_and_a_closed_tracker_starts_small_and_answers_as_new() -> None:
    tracker = SourceIdTracker()
    for n in range(1, 5001):
        tracker.repeat_of(f"o-{n}", n)
    assert tracker.memory_bytes > 2 * 1024 * 1024
    tracker.close()
    assert tracker.memory_bytes <= 64 + 16  # the smallest filter and the first stretch at most
    assert len(tracker) == 0
    # Used again: nothing of the first run is remembered, and the filter grows as the ids come.
    assert tracker.repeat_of("o-1", 1) is None
    assert [tracker.repeat_of(f"n-{n}", n + 1) for n in range(1, 3001)] == [None] * 3000
    assert len(tracker._bits) >= 3001 * 12 // 8
    again = [tracker.repeat_of(sid, 5000 + i) for i, sid in enumerate(("o-1", "n-1", "n-3000"))]
    assert again == [1, 2, 3001]
    assert tracker.repeat_of("o-2", 6000) is None
    tracker.close()


def test_a_filter_sized_for_the_expected_ids_never_grows() -> None:
    with SourceIdTracker(expected_ids=2_000_000) as tracker:
        assert len(tracker._bits) == 4 * 1024 * 1024
        assert tracker._grow_at >= 2_000_000


def test_a_filter_sized_for_a_few_expected_ids_is_small_and_grows_when_more_come() -> None:
    with SourceIdTracker(expected_ids=1000) as tracker:
        assert len(tracker._bits) == 2048  # 12 bits an id, to the next power of two
        assert [tracker.repeat_of(f"o-{n}", n) for n in range(1, 5001)] == [None] * 5000
        assert len(tracker._bits) == 8192
        assert [tracker.repeat_of(f"o-{n}", 5000 + n) for n in (1, 1000, 5000)] == [1, 1000, 5000]


def test_expected_ids_never_size_the_filter_past_half_the_memory_limit() -> None:
    with SourceIdTracker(expected_ids=10**9, memory_limit=1 << 20) as tracker:
        assert tracker.memory_bytes <= 512 * 1024


@pytest.mark.parametrize("memory_limit", [1 << 20, 4096])
def test_a_filter_that_grows_is_rebuilt_from_the_file_and_answers_as_a_dict_would(
    monkeypatch: pytest.MonkeyPatch, memory_limit: int
) -> None:
    monkeypatch.setattr(duplicates, "_FILTER_BYTES", 64)  # full after 42 ids: it grows many times
    rng = random.Random(memory_limit)
    records = _records([f"o-{rng.randrange(6000)}" for _ in range(12_000)], [0, 0, 2, 0, 1])
    with SourceIdTracker(memory_limit=memory_limit) as tracker:
        answers = [tracker.repeat_of(sid, position) for sid, position in records]
        grown = len(tracker._bits)
        # After a rebuild each partition is one piece of the file, and the file holds nothing else.
        stored = sum(sum(blocks[1::2]) for blocks in tracker._blocks)
        assert tracker._file_end == stored
    assert answers == _expected_first_positions(records)
    assert 64 < grown <= memory_limit // 2


def test_a_position_before_the_previous_new_ids_is_refused() -> None:
    with SourceIdTracker() as tracker:
        tracker.repeat_of("o-1", 5)
        with pytest.raises(InvalidArgumentError, match="positions must increase"):
            tracker.repeat_of("o-2", 5)


def test_a_negative_memory_limit_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="memory_limit"):
        SourceIdTracker(memory_limit=-1)


def test_without_hash_randomisation_the_fingerprint_is_a_keyed_blake2b(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    tracker, other = SourceIdTracker(), SourceIdTracker()
    assert tracker.fingerprint("o-1") != hash("o-1") & ((1 << 64) - 1)
    assert tracker.fingerprint("o-1") != other.fingerprint("o-1")  # each tracker has its own key
    assert [tracker.repeat_of(sid, n) for n, sid in enumerate(["a", "b", "a", "\udcff", "\udcff"], 1)] == [
        None,
        None,
        1,
        None,
        4,
    ]


def test_two_ids_of_one_fingerprint_count_as_a_repeat_the_documented_risk() -> None:
    class Colliding(str):
        def __hash__(self) -> int:
            return 42

    with SourceIdTracker() as tracker:
        assert tracker.repeat_of(Colliding("o-1"), 1) is None
        assert tracker.repeat_of(Colliding("o-2"), 2) == 1  # 64-bit keyed: about n**2 / 2**65 in a run


def test_the_builtin_hash_is_used_only_when_keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    keyed = sys.flags.hash_randomization and sys.hash_info.width == 64
    assert duplicates._builtin_hash_is_keyed() == bool(keyed)
    monkeypatch.setenv("PYTHONHASHSEED", "123")
    assert not duplicates._builtin_hash_is_keyed()
