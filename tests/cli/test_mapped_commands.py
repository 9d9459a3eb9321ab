"""``import FILE --map ...``, its dry run, and ``map FILE --map ...``, run as the real command."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from cli_process import APP_ID, APP_TOKEN, read_jsonl, run_command, run_import, summary_rows

import voucherify_async as vf
from voucherify_async.emulator import Emulator

sys.path.insert(0, str(Path(__file__).parent.parent / "mapping"))
from shop_exports import CURRENCIES, shopify_export, without_rows, woocommerce_export


def spoil(path: Path, changes: dict[tuple[int, str], str]) -> list[list[str]]:
    """Change cells (``{(row from 1, column): text}``) of a CSV file; its rows after the change."""
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    header = rows[0]
    for (number, column), text in changes.items():
        rows[number][header.index(column)] = text
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)
    return rows


async def orders_of(emulator: Emulator) -> dict[str, dict[str, Any]]:
    async with vf.AsyncVoucherify(APP_ID, APP_TOKEN, base_url=emulator.url) as client:
        return {order.source_id: vf.models.to_wire(order) async for order in client.orders.iterate()}  # type: ignore[misc]


@pytest.mark.anyio
async def test_import_with_a_preset_imports_the_export(
    tmp_path: Path, env: dict[str, str], cli_emulator: Emulator
) -> None:
    export = tmp_path / "orders_export.csv"
    expected = woocommerce_export(export, 60)
    run = await run_import(export, "--map", "woocommerce", "--no-checkpoint", "--progress", "none", env=env)
    assert run.code == 0, run.output
    assert summary_rows(run.stdout)["imported"] == "60"
    imported = await orders_of(cli_emulator)
    first = expected[0]
    assert imported[first["source_id"]]["amount"] == first["amount"]
    assert imported[first["source_id"]]["metadata"] == first["metadata"]
    assert len(imported) == 60


@pytest.mark.anyio
async def test_rejected_rows_go_to_the_rejects_file_and_import_once_fixed(
    tmp_path: Path, env: dict[str, str], cli_emulator: Emulator
) -> None:
    export = tmp_path / "orders_export.csv"
    expected = shopify_export(export, 20)
    second = 1 + expected[0]["_rows"]  # the first row of the second order
    rows = spoil(export, {(second, "Total"): "ten"})
    rejects = tmp_path / "rejects.csv"
    options = ("--map", "shopify", "--no-checkpoint", "--progress", "none")
    run = await run_import(export, *options, "--rejects", rejects, env=env)
    assert run.code == 1, run.output
    assert f"{expected[1]['_rows']} rows of the orders left out written to {rejects}" in run.stdout
    with rejects.open(newline="", encoding="utf-8") as file:
        written = list(csv.reader(file))
    assert written[0] == ["_import_error", *rows[0]]
    # Every row of the rejected order, as the export holds it, the reason naming the row and the column.
    assert [row[1:] for row in written[1:]] == rows[second : second + expected[1]["_rows"]]
    reason = f"order #2 (row {second}, line {second + 1}): source_id '#1002', column 'Total': 'ten' is not"
    assert written[1][0].startswith(reason)
    # Fixed, the rejects file imports with the same mapping (the reason column is not read).
    written[1][1 + rows[0].index("Total")] = "10"
    with rejects.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(written)
    again = await run_import(rejects, *options, env=env)
    assert again.code == 0, again.output
    exponent = CURRENCIES[rows[second][rows[0].index("Currency")]]
    assert (await orders_of(cli_emulator))["#1002"]["amount"] == 10 * 10**exponent


@pytest.mark.anyio
async def test_the_dry_run_shows_orders_beside_their_rows_and_counts(
    tmp_path: Path, env: dict[str, str], cli_emulator: Emulator
) -> None:
    export = tmp_path / "orders_export.csv"
    expected = shopify_export(export, 30)
    spoil(export, {(1, "Financial Status"): "lost"})
    run = await run_import(export, "--map", "shopify", "--dry-run", env=env)
    assert run.code == 1, run.output
    second = expected[1]
    lines = run.stdout.splitlines()
    assert any(line.startswith("row 1, line 2") and "| rejected (row 1, line 2)" in line for line in lines)
    first_row = 1 + expected[0]["_rows"]
    assert any(
        line.startswith(f"row {first_row}, line {first_row + 1} ")
        and line.endswith(f'| source_id: "{second["source_id"]}"')
        for line in lines
    )
    assert any(line.endswith(f"| amount: {second['amount']}") for line in lines)
    rows = sum(order["_rows"] for order in expected)
    assert "dry run: nothing was sent. 30 orders mapped from the rows, 29 valid, 1 rejected." in run.stdout
    assert "column 'Financial Status': 'lost' is not in values.financial_status" in run.stdout
    assert rows > 30
    assert await orders_of(cli_emulator) == {}


@pytest.mark.anyio
async def test_map_writes_the_orders_as_json_lines(tmp_path: Path, env: dict[str, str]) -> None:
    export = tmp_path / "orders_export.csv"
    expected = shopify_export(export, 40)
    out = tmp_path / "orders.jsonl"
    run = await run_command("map", export, "--map", "shopify", "-o", out, env=env)
    assert run.code == 0, run.output
    assert read_jsonl(out) == [without_rows(order) for order in expected]
    rows = sum(order["_rows"] for order in expected)
    assert f"{rows} records of {export} made 40 orders: 40 written to {out}, 0 rejected." in run.stderr


@pytest.mark.anyio
async def test_map_without_output_writes_to_stdout_and_tells_rejections_with_exit_code_1(
    tmp_path: Path, env: dict[str, str]
) -> None:
    export = tmp_path / "orders_export.csv"
    expected = shopify_export(export, 5)
    spoil(export, {(row, "Name"): "" for row in range(1, 1 + expected[0]["_rows"])})
    run = await run_command("map", export, "--map", "shopify", env=env)
    assert run.code == 1
    assert [orjson.loads(line)["source_id"] for line in run.stdout.splitlines()] == [
        order["source_id"] for order in expected[1:]
    ]
    assert "rejected: order #1 (row 1, line 2): column 'Name' is empty" in run.stderr


@pytest.mark.anyio
async def test_map_rejects_an_order_whose_rows_are_apart(tmp_path: Path, env: dict[str, str]) -> None:
    mapping = tmp_path / "mine.toml"
    mapping.write_text('[source]\ngroup_by = "id"\n[order]\nsource_id = "id"\n[items]\nsource_id = "sku"\n')
    export = tmp_path / "export.csv"
    export.write_text("id,sku\na,1\nb,1\na,2\n")
    run = await run_command("map", export, "--map", mapping, env=env)
    assert run.code == 1
    assert "order #3 (source_id 'a'): repeats order #1's source_id" in run.stderr
    sent = await run_command("map", export, "--map", mapping, "--duplicates", "send", env=env)
    assert (sent.code, len(sent.stdout.splitlines())) == (0, 3)
    assert "1 order repeat an earlier order's source_id" in sent.stderr


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--map", "magento"), "no preset named 'magento' (presets: shopify, woocommerce)"),
        (("--map", "shopify", "-o", "{export}"), "names the order file itself"),
        (("--map", "{mapping}", "-o", "{mapping}"), "names the mapping file itself"),
        (
            (
                "--map",
                "{mapping}",
            ),
            "source_id: column 'Name' is not in the file's header",
        ),
    ],
)
async def test_map_refuses_what_cannot_be_used_with_exit_code_2(
    tmp_path: Path, env: dict[str, str], arguments: tuple[str, ...], message: str
) -> None:
    export = tmp_path / "export.csv"
    export.write_text("id,sku\na,1\n")
    mapping = tmp_path / "mine.toml"
    mapping.write_text('[order]\nsource_id = "Name"\n')
    given = [argument.format(export=export, mapping=mapping) for argument in arguments]
    run = await run_command("map", export, *given, env=env)
    assert run.code == 2
    assert message in run.stderr
    assert export.read_text() == "id,sku\na,1\n"


@pytest.mark.anyio
async def test_import_with_a_column_missing_sends_nothing(
    tmp_path: Path, env: dict[str, str], cli_emulator: Emulator
) -> None:
    export = tmp_path / "export.csv"
    export.write_text("Name,Email\n#1,a@example.com\n")
    run = await run_import(export, "--map", "shopify", "--no-checkpoint", env=env)
    assert run.code == 2
    assert "column 'Financial Status' is not in the file's header" in run.stderr
    assert await orders_of(cli_emulator) == {}


def test_help_loads_none_of_the_mapping_commands() -> None:
    code = (
        "import sys\nfrom voucherify_async.cli.main import build_parser\nbuild_parser().format_help()\n"
        "print(sorted(m for m in sys.modules if m.startswith('voucherify_async.cli.map')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.anyio
async def test_a_mapped_dry_run_writes_the_rows_of_rejected_orders(
    tmp_path: Path, env: dict[str, str]
) -> None:
    export = tmp_path / "orders_export.csv"
    expected = shopify_export(export, 10)
    rows = spoil(export, {(1, "Total"): "1.234"})
    rejects = tmp_path / "rejects.csv"
    run = await run_import(export, "--map", "shopify", "--dry-run", "--rejects", rejects, env=env)
    assert run.code == 1, run.output
    assert f"{expected[0]['_rows']} rows of the rejected orders written to {rejects}" in run.stdout
    with rejects.open(newline="", encoding="utf-8") as file:
        written = list(csv.reader(file))
    assert [row[1:] for row in written[1:]] == rows[1 : 1 + expected[0]["_rows"]]


@pytest.mark.anyio
async def test_the_failures_file_of_a_mapped_import_holds_the_rows_of_the_orders_that_failed(
    tmp_path: Path, env: dict[str, str]
) -> None:
    mapping = tmp_path / "mine.toml"
    mapping.write_text(
        '[source]\ngroup_by = "id"\n[order]\nsource_id = "id"\ncustomer.id = "customer"\n'
        '[items]\nsource_id = "sku"\n'
    )
    export = tmp_path / "export.csv"
    # The server knows no customer cust_nobody: order b fails inside the import.
    export.write_text("id,customer,sku\na,,1\nb,cust_nobody,1\nb,,2\nc,,1\n")
    failures = tmp_path / "failures.csv"
    options = ("--no-checkpoint", "--progress", "none", "--failures", failures)
    run = await run_import(export, "--map", mapping, *options, env=env)
    assert run.code == 1, run.output
    with failures.open(newline="", encoding="utf-8") as file:
        written = list(csv.reader(file))
    assert [row[1:] for row in written] == [
        ["id", "customer", "sku"],
        ["b", "cust_nobody", "1"],
        ["b", "", "2"],
    ]
    assert summary_rows(run.stdout)["imported"] == "2"


@pytest.mark.anyio
async def test_a_mapped_import_run_again_sends_nothing_and_writes_its_rejects_from_the_journal(
    tmp_path: Path, env: dict[str, str], cli_emulator: Emulator, journals: Path
) -> None:
    export = tmp_path / "orders_export.csv"
    expected = shopify_export(export, 30)
    rows = spoil(export, {(1, "Total"): "x"})
    first = await run_import(export, "--map", "shopify", "--batch-size", "7", env=env)
    sent = cli_emulator.project(APP_ID).import_requests
    rejects = tmp_path / "rejects.csv"
    again = await run_import(export, "--map", "shopify", "--batch-size", "7", "--rejects", rejects, env=env)
    assert (first.code, again.code) == (1, 1), first.output + again.output
    assert sent == 5  # 29 valid orders in batches of 7
    assert cli_emulator.project(APP_ID).import_requests == sent
    with rejects.open(newline="", encoding="utf-8") as file:
        written = list(csv.reader(file))
    assert [row[1:] for row in written[1:]] == rows[1 : 1 + expected[0]["_rows"]]


@pytest.mark.anyio
async def test_a_mapped_dry_run_with_json_writes_only_its_object(tmp_path: Path, env: dict[str, str]) -> None:
    export = tmp_path / "orders_export.csv"
    shopify_export(export, 12)
    run = await run_import(export, "--map", "shopify", "--dry-run", "--json", env=env)
    assert run.code == 0, run.output
    outcome = orjson.loads(run.stdout)
    assert (outcome["dry_run"]["orders"], outcome["dry_run"]["rejected"]) == (12, 0)
