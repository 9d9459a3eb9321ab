"""``voucherify-async demo``, run in this process on a smaller set of orders."""

from __future__ import annotations

import io
import re
import sys

import pytest

from voucherify_async.cli.main import main


@pytest.fixture(scope="module")
def demo_output() -> str:
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", out)
        patch.setattr(sys, "stderr", io.StringIO())
        code = main(["demo", "--orders", "5000", "--rate", "1000000", "--progress", "none"])
    assert code == 0, out.getvalue()
    return out.getvalue()


def test_every_kind_of_broken_order_meets_its_planned_fate(demo_output: str) -> None:
    fates = re.findall(r"^Broken on purpose.*?: (\d+) of (\d+)", demo_output, flags=re.MULTILINE)
    assert fates == [("3", "3"), ("1", "1"), ("1", "1")]


def test_the_report_invariant_holds(demo_output: str) -> None:
    assert "5,000 == 4,995 + 1 + 4 (holds)" in demo_output


def test_orders_read_back_keep_their_own_date_in_metadata(demo_output: str) -> None:
    assert "metadata.original_created_at 2019-01-01T" in demo_output
