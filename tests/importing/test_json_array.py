"""The incremental JSON array splitter, whatever the content and however the file is cut into reads."""

from __future__ import annotations

import io
import random
from typing import Any

import orjson
import pytest

from voucherify_async.importing import json_array
from voucherify_async.importing.json_array import split_json_array

TRICKY_TEXT = ['}", {]', "\\", '\\"},', "é", "}, {", "} ]", ""]


def _value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.3:
        return rng.choice([1, -2.5, True, None, *TRICKY_TEXT])
    if roll < 0.65:
        return {rng.choice(TRICKY_TEXT) + str(i): _value(rng, depth + 1) for i in range(rng.randint(0, 3))}
    return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]


def _split(text: bytes) -> list[Any]:
    return list(split_json_array(io.BytesIO(text), "test.json", lambda where, why: ("malformed", where)))


@pytest.mark.parametrize("chunk", [1, 3, 64, 65536])
def test_any_array_is_split_into_its_elements(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_array, "_CHUNK", chunk)
    rng = random.Random(chunk)
    for trial in range(300):
        elements = [_value(rng) for _ in range(rng.randint(0, 6))]
        text = orjson.dumps(elements, option=orjson.OPT_INDENT_2 if trial % 2 else 0)
        assert _split(text) == elements


def test_a_malformed_object_between_good_ones_is_reported_alone() -> None:
    assert _split(b'[{"a": 1}, {"b": tru}, {"c": "}, {"}]') == [
        {"a": 1},
        ("malformed", "record 2 (line 1)"),
        {"c": "}, {"},
    ]


def test_objects_among_other_values_are_found_by_the_scanner() -> None:
    elements = [{"a": 1}, *([5] * 1000), {"b": [{"c": 2}]}]
    assert _split(orjson.dumps(elements)) == elements
