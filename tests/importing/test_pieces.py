from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucherify_async.importing.chunking import Batch
from voucherify_async.importing.pieces import Pieces, as_pieces

ORDERS = [{"source_id": f"o-{i}", "amount": i, "metadata": {"note": "é" * i}} for i in range(5)]
SERIALISED = [orjson.dumps(order) for order in ORDERS]


def test_the_body_is_the_json_array_of_the_pieces() -> None:
    assert orjson.loads(Pieces(SERIALISED).body()) == ORDERS


def test_no_pieces_make_an_empty_array() -> None:
    assert Pieces().body() == b"[]"


def test_body_size_is_known_before_and_after_the_body() -> None:
    pieces = Pieces(SERIALISED)
    before = pieces.body_size()
    assert before == len(pieces.body()) == pieces.body_size()


def test_each_piece_reads_back_before_and_after_the_body() -> None:
    pieces = Pieces(SERIALISED)
    before = [pieces[i] for i in range(len(pieces))]
    pieces.body()
    assert before == [pieces[i] for i in range(len(pieces))] == list(pieces) == SERIALISED


def test_negative_indexes_and_slices_read_like_a_list() -> None:
    pieces = Pieces(SERIALISED)
    assert (pieces[-1], pieces[1:3], pieces[::-2]) == (SERIALISED[-1], SERIALISED[1:3], SERIALISED[::-2])


@pytest.mark.parametrize("index", [5, -6])
def test_an_index_past_the_end_raises_index_error(index: int) -> None:
    with pytest.raises(IndexError):
        Pieces(SERIALISED)[index]


def test_appending_after_the_body_reopens_the_array() -> None:
    pieces = Pieces(SERIALISED[:2])
    pieces.body()
    pieces.append(SERIALISED[2])
    assert orjson.loads(pieces.body()) == ORDERS[:3]


def test_pieces_equal_a_list_of_the_same_bytes_and_not_another() -> None:
    assert Pieces(SERIALISED) == SERIALISED
    assert Pieces(SERIALISED) != SERIALISED[:-1]
    assert Pieces(SERIALISED) != [*SERIALISED[:-1], b"{}"]
    assert Pieces(SERIALISED) == Pieces(SERIALISED)
    assert Pieces(SERIALISED) != b"".join(SERIALISED)


def test_as_pieces_keeps_pieces_and_converts_a_list() -> None:
    pieces = Pieces(SERIALISED)
    assert as_pieces(pieces) is pieces
    assert as_pieces(SERIALISED) == pieces


def test_a_batch_given_a_list_of_pieces_sends_them_as_one_array() -> None:
    batch = Batch(index=1, pieces=SERIALISED, source_ids=[o["source_id"] for o in ORDERS])
    assert (batch.size, orjson.loads(batch.body()), batch.orders()) == (5, ORDERS, ORDERS)


def test_a_batch_keeping_some_orders_sends_only_those() -> None:
    batch = Batch(index=1, pieces=SERIALISED, source_ids=[o["source_id"] for o in ORDERS])
    batch.body()
    kept = batch.keeping([3, 0])
    assert orjson.loads(kept.body()) == [ORDERS[0], ORDERS[3]]
    assert kept.source_ids == ["o-0", "o-3"]


def test_the_fingerprint_of_the_first_orders_matches_a_batch_of_only_those() -> None:
    batch = Batch(index=1, pieces=SERIALISED)
    assert batch.fingerprint(first=2) == Batch(index=1, pieces=SERIALISED[:2]).fingerprint()
    assert batch.fingerprint() != batch.fingerprint(first=2)


@given(
    first=st.lists(st.binary(min_size=1, max_size=5), max_size=4),
    then=st.lists(st.lists(st.binary(min_size=1, max_size=5), max_size=4), max_size=3),
    close_between=st.booleans(),
)
def test_extending_is_appending_each(
    first: list[bytes], then: list[list[bytes]], close_between: bool
) -> None:
    extended, appended = Pieces(first), Pieces(first)
    for pieces in then:
        if close_between:
            extended.body()
            appended.body()
        extended.extend(pieces)
        for piece in pieces:
            appended.append(piece)
    assert list(extended) == list(appended) == first + [piece for pieces in then for piece in pieces]
    assert extended.body() == appended.body()
    assert extended.body_size() == len(extended.body())


@given(
    pieces=st.lists(st.binary(min_size=1, max_size=5), max_size=6),
    count=st.integers(min_value=0, max_value=8),
    closed=st.booleans(),
)
def test_truncating_keeps_the_first_pieces(pieces: list[bytes], count: int, closed: bool) -> None:
    kept = Pieces(pieces)
    if closed:
        kept.body()
    kept.truncate(count)
    assert list(kept) == pieces[:count]
    assert kept == Pieces(pieces[:count])
    kept.append(b"x")
    assert kept.body() == Pieces([*pieces[:count], b"x"]).body()
