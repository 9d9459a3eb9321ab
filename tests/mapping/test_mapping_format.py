"""The mapping file: every key checked when it is loaded, and the presets shipped with the package."""

from __future__ import annotations

from pathlib import Path

import pytest

import voucherify_async as vf
from voucherify_async.mapping import preset_names, preset_path

BASE = """
[money]
currency = "USD"
[order]
source_id = "id"
"""


def test_presets_are_shipped_and_load() -> None:
    assert preset_names() == ["shopify", "woocommerce"]
    shopify = vf.OrderMapping.load("shopify")
    assert shopify.group_by is not None
    assert shopify.group_by.column == "Name"
    assert vf.OrderMapping.load("woocommerce").group_by.column == "order_id"  # type: ignore[union-attr]
    assert preset_path("shopify").read_text().startswith("# Shopify")


def test_a_copied_preset_loads_from_its_path(tmp_path: Path) -> None:
    copy = tmp_path / "mine.toml"
    copy.write_text(preset_path("woocommerce").read_text())
    assert vf.OrderMapping.load(copy).items == vf.OrderMapping.load("woocommerce").items


def test_an_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(
        vf.MappingError, match="no preset named 'magento' \\(presets: shopify, woocommerce\\)"
    ):
        vf.OrderMapping.load("magento")


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(vf.MappingError, match="cannot be read"):
        vf.OrderMapping.load(tmp_path / "none.toml")


def test_amounts_default_to_money_and_quantities_to_integers() -> None:
    mapping = vf.OrderMapping.from_toml(BASE + 'amount = "t"\n[items]\nquantity = "q"\nprice = "p"\n')
    assert {rule.target_text: rule.type for rule in (*mapping.order, *mapping.items)} == {
        "source_id": "text",
        "amount": "money",
        "quantity": "integer",
        "price": "money",
    }


def test_dotted_keys_and_tables_name_nested_fields() -> None:
    mapping = vf.OrderMapping.from_toml(
        BASE + 'customer.email = "e"\n[order.metadata]\nchannel = { value = "web" }\n'
    )
    assert [rule.target for rule in mapping.order] == [
        ("source_id",),
        ("customer", "email"),
        ("metadata", "channel"),
    ]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[order]\nsource_id = 'id'\n[orders]\n", "unknown key 'orders'"),
        ("[order]\namount = 'x'\n", "needs a source_id"),
        ("[order]\nsource_id = 'id'\nstatus = { colum = 'x' }\n", "status is not an object"),
        ("[order]\nsource_id = 'id'\nstatus = { column = 'x', kind = 'y' }\n", "unknown key 'kind'"),
        ("[order]\nsource_id = 'id'\nstatuss = 'x'\n", "statuss: not a field of an order"),
        ("[order]\nsource_id = 'id'\n[items]\nsku = 'x'\n", "sku is an object: give its fields"),
        ("[order]\nsource_id = 'id'\n[items]\ncolor = 'x'\n", "color: not a field of an item"),
        ("[order]\nsource_id = 'id'\namount = 'x'\n", "no currency is given"),
        ("[order]\nsource_id = 'id'\nstatus = { column = 's', values = 'st' }\n", "names no \\[values.st\\]"),
        (
            "[order]\nsource_id = 'id'\nstatus = { column = 's', values = { paid = 'PAYED' } }\n",
            "'PAYED' is not an order status",
        ),
        ("[order]\nsource_id = { column = 'a', value = 'b' }\n", "exactly one of column, path or value"),
        ("[order]\nsource_id = { column = 'a', type = 'float' }\n", "type must be one of"),
        ("[order]\nsource_id = 'id'\nmetadata.x = { column = 'a', format = '%Y' }\n", "format is for dates"),
        ("[source]\nformat = 'xlsx'\n[order]\nsource_id = 'id'\n", "format must be one of csv, jsonl, json"),
        ("[source]\ntimezone = 'Nowhere/City'\n[order]\nsource_id = 'id'\n", "unknown time zone"),
        ("[money]\ncurrency = 'Currency'\n[order]\nsource_id = 'id'\n", "is no ISO 4217 code"),
        ("[money]\nexponents = { XBT = -1 }\n[order]\nsource_id = 'id'\n", "from 0 to 18"),
        (
            "[money]\ncurrency = { column = 'c', default = 'EURO' }\n[order]\nsource_id = 'id'\n",
            "'EURO' is no",
        ),
        ("[money]\ndecimal_separator = ';'\n[order]\nsource_id = 'id'\n", "must be '.' or ','"),
        ("[values.s]\nPaid = 'PAID'\npaid = 'PAID'\n[order]\nsource_id = 'id'\n", "given twice"),
        ("[order]\nsource_id = 'id'\nmetadata.x = { path = 'a..b' }\n", "is not a path"),
        ("[order\n", "not valid TOML"),
    ],
)
def test_mistakes_are_named_when_the_file_loads(toml: str, message: str) -> None:
    with pytest.raises(vf.MappingError, match=message):
        vf.OrderMapping.from_toml(toml, origin="mine.toml")


def test_errors_name_the_file() -> None:
    with pytest.raises(vf.MappingError, match=r"^mine\.toml: "):
        vf.OrderMapping.from_toml("[order]\n", origin="mine.toml")


def test_a_mapping_is_a_voucherify_error() -> None:
    assert issubclass(vf.MappingError, vf.VoucherifyError)


def test_a_currency_of_the_mappings_own_exponents_is_known() -> None:
    toml = "[money]\ncurrency = 'XBT'\nexponents = { XBT = 8 }\n[order]\nsource_id = 'id'\namount = 'a'\n"
    mapping = vf.OrderMapping.from_toml(toml)
    assert mapping.exponents["XBT"] == 8
    assert mapping.currency is not None
    assert mapping.currency.constant == "XBT"
