"""A source that breaks midway: the orders read before the break are imported and counted, the report says
where it broke, and a run with the repaired source and the same checkpoint goes on right after them."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from batcher_scenarios import make_orders

import voucherify_async as vf
from voucherify_async.emulator import Emulator
from voucherify_async.importing.batcher import ImportBatcher


def _json_array(path: Path, count: int, *, cut: bool) -> Path:
    orders = [orjson.dumps(order) for order in make_orders(count)]
    text = b"[\n" + b",\n".join(orders) + (b',\n{"source_id": "o-tr' if cut else b"\n]\n")
    path.write_bytes(text)
    return path


@pytest.mark.anyio
async def test_the_orders_read_before_a_break_are_imported(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    source = _json_array(tmp_path / "orders.json", 25, cut=True)
    batcher = ImportBatcher(client, batch_size=10)
    with pytest.raises(vf.SourceError) as broken:
        await batcher.run(vf.read_json_array(source))
    report = batcher.report
    assert report is not None
    assert report.orders == 25
    assert report.imported == 25
    assert report.consistent
    assert len(emulator.project("app").orders) == 25
    assert report.source_error == str(broken.value)
    assert "after 25 records" in (report.source_error or "")


@pytest.mark.anyio
async def test_a_resume_with_the_repaired_source_goes_on_right_after_the_break(
    client: vf.AsyncVoucherify, emulator: Emulator, tmp_path: Path
) -> None:
    journal = tmp_path / "run.journal"
    source = _json_array(tmp_path / "orders.json", 25, cut=True)
    with pytest.raises(vf.SourceError):
        await ImportBatcher(client, batch_size=10, checkpoint=journal).run(vf.read_json_array(source))
    sizes_before = [r for r in emulator.requests if r.route == "POST /v1/orders/import"]
    _json_array(source, 30, cut=False)  # repaired: the 25 orders and the 5 the break had hidden
    report = await ImportBatcher(client, batch_size=10, checkpoint=journal).run(vf.read_json_array(source))
    assert report.orders == 30
    assert report.imported == 30
    assert report.source_error is None
    imports = [r for r in emulator.requests if r.route == "POST /v1/orders/import"]
    assert len(sizes_before) == 3
    assert len(imports) == 4  # only the 5 new orders went again, as one request
    actions = emulator.project("app").async_actions
    assert [a["result"]["done_count"] for a in actions] == [10, 10, 5, 5]
    assert [b.index for b in report.batches] == [1, 2, 3]
    assert report.batches[2].size == 10
    assert report.batches[2].imported == 10


@pytest.mark.anyio
async def test_a_changed_source_after_a_break_is_still_refused(
    client: vf.AsyncVoucherify, tmp_path: Path
) -> None:
    journal = tmp_path / "run.journal"
    source = _json_array(tmp_path / "orders.json", 25, cut=True)
    with pytest.raises(vf.SourceError):
        await ImportBatcher(client, batch_size=10, checkpoint=journal).run(vf.read_json_array(source))
    changed = [{**order, "amount": 1} for order in make_orders(30)]
    source.write_bytes(orjson.dumps(changed))
    with pytest.raises(vf.SourceChangedError):
        await ImportBatcher(client, batch_size=10, checkpoint=journal).run(vf.read_json_array(source))
