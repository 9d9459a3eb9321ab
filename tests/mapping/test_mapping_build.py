"""Records into orders: grouping of consecutive rows, and rejections that name the row and the column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

import voucherify_async as vf

MAPPING = vf.OrderMapping.from_toml(
    """
[source]
group_by = "Name"
[money]
currency = { column = "Currency", default = "USD" }
[order]
source_id = "Name"
status = { column = "Status", values = { paid = "PAID", pending = "CREATED" } }
amount = "Total"
metadata.created_at = { column = "Created", type = "date" }
metadata.channel = { value = "shop" }
[items]
source_id = "Sku"
quantity = "Qty"
price = "Price"
"""
)
HEADER = "Name,Status,Currency,Total,Created,Sku,Qty,Price\n"


def write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def results(path: Path, mapping: vf.OrderMapping = MAPPING) -> list[Any]:
    return list(vf.mapped(path, mapping))


def test_consecutive_rows_of_an_order_are_one_order_with_its_items(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + "#1,paid,EUR,30.50,2024-01-02 03:04:05 +0100,A,1,10.50\n#1,,,,,B,2,10\n"
        "#2,pending,JPY,500,2024-02-03,C,5,100\n",
    )
    assert results(path) == [
        {
            "source_id": "#1",
            "status": "PAID",
            "amount": 3050,
            "metadata": {"created_at": "2024-01-02T03:04:05+01:00", "channel": "shop"},
            "items": [
                {"source_id": "A", "quantity": 1, "price": 1050},
                {"source_id": "B", "quantity": 2, "price": 1000},  # the order's currency: EUR
            ],
        },
        {
            "source_id": "#2",
            "status": "CREATED",
            "amount": 500,
            "metadata": {"created_at": "2024-02-03T00:00:00Z", "channel": "shop"},
            "items": [{"source_id": "C", "quantity": 5, "price": 100}],
        },
    ]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",paid,USD,1.00,,A,1,1", "row 2, line 3: column 'Name' is empty: the record belongs to no order"),
        ("#2,paid,USD,abc,,A,1,1", "row 2, line 3: source_id '#2', column 'Total': 'abc' is not an amount"),
        ("#2,paid,USD,1.001,,A,1,1", "column 'Total': '1.001' is not an exact amount of USD"),
        ("#2,lost,USD,1.00,,A,1,1", "column 'Status': 'lost' is not in its values ('paid', 'pending')"),
        ("#2,paid,XXX,1.00,,A,1,1", "row 2, line 3: column 'Currency': unknown currency 'XXX'"),
        ("#2,paid,USD,1.00,05/01/2024,A,1,1", "column 'Created': '05/01/2024' is not a date"),
        ("#2,paid,USD,1.00,,A,two,1", "source_id '#2', column 'Qty': 'two' is not a whole number"),
        ("#2,paid,USD,1.00,,A,1,1,extra", "row 2, line 3: the row has more cells than the header"),
    ],
)
def test_a_bad_row_is_rejected_naming_its_row_and_column_and_the_rest_map(
    tmp_path: Path, row: str, reason: str
) -> None:
    path = write(tmp_path, HEADER + f"#1,paid,USD,1.00,,A,1,1\n{row}\n#3,paid,USD,2.00,,A,1,2\n")
    first, bad, last = results(path)
    assert first["source_id"] == "#1"
    assert last["source_id"] == "#3"
    assert isinstance(bad, vf.MalformedRecord)
    assert reason in f"{bad.location}: {bad.reason}"


def test_a_bad_item_rejects_its_whole_order_naming_the_items_row(tmp_path: Path) -> None:
    path = write(
        tmp_path, HEADER + "#1,paid,USD,3.00,,A,1,1\n#1,,,,,B,1,x\n#1,,,,,C,1,1\n#2,paid,USD,1,,A,1,1\n"
    )
    rejected, mapped = results(path)
    assert rejected == vf.MalformedRecord(
        "row 2, line 3", "source_id '#1', column 'Price': 'x' is not an amount"
    )
    assert mapped["source_id"] == "#2"


def test_rows_of_an_order_that_are_not_consecutive_make_two_orders_of_one_source_id(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "#1,paid,USD,1,,A,1,1\n#2,paid,USD,1,,A,1,1\n#1,paid,USD,1,,B,1,1\n")
    assert [order["source_id"] for order in results(path)] == ["#1", "#2", "#1"]


def test_the_record_numbers_of_each_order_are_told(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "#1,paid,USD,1,,A,1,1\n\n#1,,,,,B,1,1\n#2,x,USD,1,,A,1,1\n")
    spans = [(r.first, r.last, r.order is None) for r in vf.mapped(path, MAPPING).results()]
    assert spans == [(1, 2, False), (3, 3, True)]


def test_a_quoted_cell_over_two_lines_keeps_the_line_numbers_right(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + '#1,paid,USD,1,,"A\nB",1,1\n#2,paid,USD,oops,,A,1,1\n')
    assert results(path)[1].location == "row 2, line 4"


def test_an_order_of_more_than_500_items_is_rejected(tmp_path: Path) -> None:
    rows = "".join("#1,paid,USD,1,,A,1,1\n" for _ in range(502))
    path = write(tmp_path, HEADER + rows + "#2,paid,USD,1,,A,1,1\n")
    rejected, mapped = results(path)
    assert rejected.reason == "source_id '#1', an order can hold at most 500 items"
    assert rejected.location == "row 501, line 502"
    assert mapped["source_id"] == "#2"


def test_a_column_the_file_lacks_is_a_mapping_error_before_any_order(tmp_path: Path) -> None:
    path = write(tmp_path, "Name,Status\n#1,paid\n")
    with pytest.raises(vf.MappingError, match="amount: column 'Total' is not in the file's header"):
        vf.mapped(path, MAPPING).check()


def test_without_group_by_each_record_is_an_order(tmp_path: Path) -> None:
    mapping = vf.OrderMapping.from_toml(
        '[money]\ncurrency = "USD"\n[order]\nsource_id = "id"\namount = "t"\n'
    )
    path = write(tmp_path, "id,t\na,1\na,2\n")
    assert results(path, mapping) == [{"source_id": "a", "amount": 100}, {"source_id": "a", "amount": 200}]


def test_json_lines_records_are_read_by_path(tmp_path: Path) -> None:
    mapping = vf.OrderMapping.from_toml(
        """
[money]
currency = { path = "totals.currency" }
[order]
source_id = { path = "order.number" }
amount = { path = "totals.grand" }
customer.email = { path = "buyer.emails[0]" }
metadata.gift = { column = "gift", type = "boolean" }
metadata.weight = { column = "weight", type = "number", default = "0" }
"""
    )
    lines = [
        {"order": {"number": 7}, "totals": {"grand": 12.1, "currency": "EUR"}, "buyer": {"emails": ["a@x"]},
         "gift": "yes", "weight": 2.5},
        {"order": {"number": 8}, "totals": {"grand": 0.30000000000000004, "currency": "EUR"}},
    ]  # fmt: skip
    text = b"\n".join(orjson.dumps(line) for line in lines) + b"\n{broken\n"
    path = tmp_path / "orders.jsonl"
    path.write_bytes(text)
    first, second, broken = results(path, mapping)
    assert first == {
        "source_id": "7",
        "amount": 1210,  # the JSON number as written, not the float's binary value
        "customer": {"email": "a@x"},
        "metadata": {"gift": True, "weight": 2.5},
    }
    assert isinstance(second, vf.MalformedRecord)
    assert "path 'totals.grand': '0.30000000000000004' is not an exact amount of EUR" in second.reason
    assert isinstance(broken, vf.MalformedRecord)
    assert broken.location == "line 3"


def test_records_given_in_python_are_mapped() -> None:
    mapping = vf.OrderMapping.from_toml('[order]\nsource_id = "id"\nstatus = { value = "PAID" }\n')
    orders = list(vf.mapped([{"id": "a"}, {"id": ""}, 42], mapping))  # type: ignore[list-item]
    assert orders[0] == {"source_id": "a", "status": "PAID"}
    assert orders[1] == vf.MalformedRecord("record 2", "column 'id' is empty (source_id is needed)")
    assert orders[2] == vf.MalformedRecord("record 3", "expected an order object, got the number 42")


@pytest.mark.anyio
async def test_the_async_iteration_gives_the_same_orders(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "".join(f"#{n},paid,USD,1,,A,1,1\n" for n in range(600)))
    orders = [order async for order in vf.mapped(path, MAPPING)]
    assert orders == results(path)
    assert len(orders) == 600


def test_a_group_value_that_is_an_object_rejects_its_record(tmp_path: Path) -> None:
    mapping = vf.OrderMapping.from_toml(
        '[source]\ngroup_by = { path = "order" }\n[order]\nsource_id = { path = "order" }\n'
    )
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b'{"order": {"id": 1}}\n{"order": "b"}\n')
    rejected, mapped = results(path, mapping)
    assert rejected.reason == (
        "path 'order' holds no value but a JSON object or list: the record belongs to no order"
    )
    assert mapped == {"source_id": "b"}


def test_a_json_array_file_is_mapped_record_by_record(tmp_path: Path) -> None:
    mapping = vf.OrderMapping.from_toml(
        '[money]\ncurrency = "JPY"\n[order]\nsource_id = "id"\namount = "total"\n'
    )
    path = tmp_path / "orders.json"
    path.write_bytes(b'[{"id": "a", "total": 1200}, null, {"id": "b", "total": "12.5"}]')
    first, broken, bad = results(path, mapping)
    assert first == {"source_id": "a", "amount": 1200}
    assert broken.location.startswith("record 2")
    assert (bad.location, bad.reason) == (
        "record 3",
        "source_id 'b', column 'total': '12.5' is not an exact amount of JPY (no decimal places)",
    )
