from __future__ import annotations

import re

import voucherify_async as vf


def test_version_is_pep440() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+|a\d+|b\d+|rc\d+)?", vf.__version__)


def test_every_public_name_has_a_docstring() -> None:
    for name in vf.__all__:
        obj = getattr(vf, name)
        if callable(obj):
            assert obj.__doc__, f"{name} has no docstring"
