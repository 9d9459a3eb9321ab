"""Shop exports of a few hundred rows imported through a mapping into the emulator, and read back."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from shop_exports import shopify_export, without_rows, woocommerce_export

import voucherify_async as vf
from voucherify_async.models import to_wire


async def read_back(client: vf.AsyncVoucherify) -> dict[str, dict[str, Any]]:
    """Every order of the project, as the API sends it, by source_id."""
    return {order.source_id: to_wire(order) async for order in client.orders.iterate(limit=100)}  # type: ignore[misc]


def as_imported(order: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """The fields of a read-back order that the expected order names (the server adds ids, dates, totals;
    it keeps a customer as a reference to the customer it made of the order's)."""
    seen = {key: order.get(key, 0 if key == "discount_amount" else None) for key in expected}
    seen["items"] = [
        {key: item.get(key) for key in wanted}
        for item, wanted in zip(order["items"], expected["items"], strict=True)
    ]
    return seen


def expected_as_imported(order: dict[str, Any]) -> dict[str, Any]:
    expected = without_rows(order)
    del expected["customer"]  # kept by the emulator as a reference: checked in the mapping's own tests
    return expected


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("preset", "export"), [("shopify", shopify_export), ("woocommerce", woocommerce_export)]
)
async def test_a_shop_export_imports_with_its_orders_items_cents_statuses_and_dates(
    client: vf.AsyncVoucherify, tmp_path: Path, preset: str, export: Any
) -> None:
    path = tmp_path / "export.csv"
    expected = export(path, 150)
    assert sum(order["_rows"] for order in expected) >= 250  # a few hundred rows, grouped into 150 orders
    report = await vf.ImportBatcher(client, batch_size=40).run(vf.mapped(path, preset))
    assert (report.orders, report.imported, report.rejected, report.failed) == (150, 150, [], [])
    imported = await read_back(client)
    assert len(imported) == 150
    for order in expected:
        wanted = expected_as_imported(order)
        assert as_imported(imported[order["source_id"]], wanted) == wanted
        assert imported[order["source_id"]]["customer"]["id"].startswith("cust_")


def spoil(path: Path, changes: dict[tuple[int, str], str]) -> None:
    """Change cells of a CSV file: ``{(row number from 1, column): new text}``."""
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
        header = list(rows[0])
    for (number, column), text in changes.items():
        rows[number - 1][column] = text
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.DictWriter(file, header)
        out.writeheader()
        out.writerows(rows)


def first_rows(expected: list[dict[str, Any]]) -> list[int]:
    """The row number of each order's first row."""
    rows, number = [], 1
    for order in expected:
        rows.append(number)
        number += order["_rows"]
    return rows


@pytest.mark.anyio
async def test_bad_rows_are_rejected_with_row_and_column_and_the_rest_import(
    client: vf.AsyncVoucherify, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    expected = shopify_export(path, 120)
    starts = first_rows(expected)
    missing_id, bad_amount, bad_status = 10, 50, 90  # indexes of orders to spoil
    changes = {(starts[bad_amount], "Total"): "12,50", (starts[bad_status], "Financial Status"): "lost"}
    # A missing id: every row of the order loses its Name.
    for row in range(starts[missing_id], starts[missing_id] + expected[missing_id]["_rows"]):
        changes[(row, "Name")] = ""
    spoil(path, changes)
    report = await vf.ImportBatcher(client, batch_size=50).run(vf.mapped(path, "shopify"))
    reasons = [failure.reason for failure in report.rejected]
    rows_without_id = expected[missing_id]["_rows"]
    assert len(reasons) == rows_without_id + 2
    line = starts[missing_id] + 1
    assert f"(row {starts[missing_id]}, line {line}): column 'Name' is empty" in reasons[0]
    amount = expected[bad_amount]["source_id"]
    assert any(
        f"(row {starts[bad_amount]}, line {starts[bad_amount] + 1}): source_id {amount!r}, column 'Total': "
        "'12,50' is not an amount" in reason
        for reason in reasons
    )
    status = expected[bad_status]["source_id"]
    assert any(
        f"source_id {status!r}, column 'Financial Status': 'lost' is not in values.financial_status" in reason
        for reason in reasons
    )
    assert report.imported == 117
    assert report.orders == report.imported + len(report.failed) + len(report.rejected)
    imported = await read_back(client)
    spoiled = {expected[index]["source_id"] for index in (missing_id, bad_amount, bad_status)}
    assert set(imported) == {order["source_id"] for order in expected} - spoiled


@pytest.mark.anyio
async def test_an_order_split_in_the_file_is_a_repeated_source_id_for_the_batcher(
    client: vf.AsyncVoucherify, tmp_path: Path
) -> None:
    mapping = vf.OrderMapping.from_toml(
        '[source]\ngroup_by = "id"\n[order]\nsource_id = "id"\n[items]\nsource_id = "sku"\n'
    )
    path = tmp_path / "export.csv"
    path.write_text("id,sku\na,1\na,2\nb,1\na,3\n")
    report = await vf.ImportBatcher(client, duplicates="reject").run(vf.mapped(path, mapping))
    assert [(d.source_id, d.position, d.first_position) for d in report.duplicates] == [("a", 3, 1)]
    assert [failure.position for failure in report.rejected] == [3]
    assert report.imported == 2


@pytest.mark.anyio
async def test_a_shopify_order_split_in_the_file_has_its_second_part_rejected(
    client: vf.AsyncVoucherify, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    expected = shopify_export(path, 3, seed=4)
    assert expected[0]["_rows"] > 1
    with path.open(newline="", encoding="utf-8") as file:
        header, *body = list(csv.reader(file))
    split = expected[0]["_rows"]
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([header, body[0], *body[split:], *body[1:split]])
    report = await vf.ImportBatcher(client).run(vf.mapped(path, "shopify"))
    # The rows after the other orders are no whole order: the order's own fields are on its first row.
    [rejected] = report.rejected
    assert "source_id '#1001', column 'Total' is empty (amount is needed)" in rejected.reason
    assert report.imported == 3
