"""The mapping file: TOML that turns the records of a CSV or JSON Lines file into Voucherify orders.

A file has these tables (``docs/mapping.md`` is the reference of every key)::

    [source]                      # how the file is read
    group_by = "Name"             # consecutive records with the same value are one order's items
    timezone = "UTC"              # of dates written without an offset

    [money]
    currency = { column = "Currency", default = "USD" }   # or currency = "EUR"

    [order]                       # the order's fields: TOML's dotted keys build nested ones
    source_id = "Name"
    status = { column = "Financial Status", values = "financial_status" }
    amount = "Total"              # an amount: decimal units read into cents
    customer.email = "Email"
    metadata.shop_created_at = { column = "Created at", type = "date" }

    [items]                       # one item per record
    sku_id = "Lineitem sku"
    quantity = "Lineitem quantity"

    [values.financial_status]     # a value map: the export's text -> the order's value
    paid = "PAID"

Every key is checked when the file is loaded: a typo is a :class:`MappingError` naming it, before a record is
read.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from voucherify_async.importing.fast_checks import STATUSES
from voucherify_async.mapping.access import Source, parse_path
from voucherify_async.mapping.dates import time_zone
from voucherify_async.mapping.errors import MappingError
from voucherify_async.mapping.money import EXPONENTS
from voucherify_async.mapping.records import FORMATS
from voucherify_async.mapping.rules import FIELD_TYPES, FieldRule, FieldType, default_type

__all__ = ["ITEM_FIELDS", "ORDER_FIELDS", "parse_mapping", "read_toml"]

ORDER_FIELDS = frozenset(
    {
        "source_id", "status", "amount", "initial_amount", "discount_amount", "customer", "customer_id",
        "referrer", "referrer_id", "metadata", "created_at",
    }
)  # fmt: skip
ITEM_FIELDS = frozenset(
    {
        "sku_id", "product_id", "source_id", "related_object", "quantity", "discount_quantity",
        "initial_quantity", "amount", "discount_amount", "initial_amount", "price", "product", "sku",
        "metadata",
    }
)  # fmt: skip
_OBJECTS = frozenset({"customer", "referrer", "metadata", "product", "sku"})
_OBJECT_TARGETS = frozenset((name,) for name in _OBJECTS)
_TOP = frozenset({"name", "description", "source", "money", "order", "items", "values"})
_SOURCE_KEYS = frozenset({"format", "group_by", "timezone"})
_MONEY_KEYS = frozenset({"currency", "exponents", "decimal_separator"})
_RULE_KEYS = frozenset({"column", "path", "value", "type", "values", "default", "required", "format"})


def read_toml(text: str, origin: str) -> dict[str, Any]:
    """Parse the TOML text of a mapping.

    Raises:
        MappingError: The text is not TOML.
    """
    # Imported here: only loading a mapping needs the parser, not every `import voucherify_async`.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"{origin}: not valid TOML: {error}") from None
    return data


def parse_mapping(data: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """Check the tables of a mapping and turn them into the arguments of ``OrderMapping``.

    Raises:
        MappingError: Naming the key that is wrong and why.
    """
    where = _Where(origin)
    _only(data, _TOP, where, "the file")
    source = _table(data, "source", where)
    money = _table(data, "money", where)
    values = _value_maps(_table(data, "values", where), where)
    _only(source, _SOURCE_KEYS, where, "[source]")
    _only(money, _MONEY_KEYS, where, "[money]")
    order = _rules(_table(data, "order", where), (), values, where, in_item=False)
    items = _rules(_table(data, "items", where), (), values, where, in_item=True)
    if not any(rule.target == ("source_id",) for rule in order):
        raise where.error("[order] needs a source_id (the API reports each order's fate by it)")
    file_format = source.get("format")
    if file_format is not None and file_format not in FORMATS:
        raise where.error(f"[source] format must be one of {', '.join(FORMATS)}, got {file_format!r}")
    group_by = source.get("group_by")
    try:
        zone = time_zone(_text(source.get("timezone", "UTC"), "[source] timezone", where))
    except ValueError as error:
        raise where.error(f"[source] timezone: {error}") from None
    currency = money.get("currency")
    exponents = _exponents(money.get("exponents", {}), where)
    return {
        "name": _text(data.get("name", origin), "name", where),
        "description": _text(data.get("description", ""), "description", where),
        "file_format": file_format,
        "group_by": None if group_by is None else _source(group_by, "[source] group_by", where),
        "order": tuple(order),
        "items": tuple(items),
        "currency": None if currency is None else _currency(currency, values, exponents, where),
        "exponents": exponents,
        "decimal_separator": _separator(money.get("decimal_separator", "."), where),
        "zone": zone,
        "origin": origin,
    }


class _Where:
    def __init__(self, origin: str) -> None:
        self.origin = origin

    def error(self, message: str) -> MappingError:
        return MappingError(f"{self.origin}: {message}")


def _table(data: Mapping[str, Any], name: str, where: _Where) -> Mapping[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, Mapping):
        raise where.error(f"[{name}] must be a table")
    return table


def _only(table: Mapping[str, Any], known: frozenset[str], where: _Where, what: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise where.error(f"{what}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")


def _text(value: object, what: str, where: _Where) -> str:
    if not isinstance(value, str):
        raise where.error(f"{what} must be a string, got {value!r}")
    return value


def _source(spec: object, what: str, where: _Where) -> Source:
    """``"Name"`` (a column) or ``{ column = "Name" }`` or ``{ path = "order.id" }``."""
    if isinstance(spec, str):
        return Source(column=spec)
    if isinstance(spec, Mapping) and len(spec) == 1 and ("column" in spec or "path" in spec):
        if "column" in spec:
            return Source(column=_text(spec["column"], f"{what} column", where))
        try:
            return Source(path=parse_path(_text(spec["path"], f"{what} path", where)))
        except ValueError as error:
            raise where.error(f"{what}: {error}") from None
    raise where.error(f"{what} must be a column name or a table {{ column = ... }} or {{ path = ... }}")


def _value_maps(tables: Mapping[str, Any], where: _Where) -> dict[str, dict[str, Any]]:
    maps = {}
    for name, table in tables.items():
        maps[name] = _value_map(table, f"[values.{name}]", where)
    return maps


def _value_map(table: object, what: str, where: _Where) -> dict[str, Any]:
    if not isinstance(table, Mapping) or not table:
        raise where.error(f"{what} must be a table of 'export value' = 'order value' pairs")
    folded: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, Mapping | list):
            raise where.error(f"{what} {key!r}: the value must be a string, number or boolean")
        fold = key.strip().casefold()
        if fold in folded:
            raise where.error(f"{what}: {key!r} is given twice (keys are read without case)")
        folded[fold] = value
    return folded


def _rules(
    table: Mapping[str, Any],
    prefix: tuple[str, ...],
    values: Mapping[str, dict[str, Any]],
    where: _Where,
    *,
    in_item: bool,
) -> list[FieldRule]:
    section = "[items]" if in_item else "[order]"
    known = ITEM_FIELDS if in_item else ORDER_FIELDS
    rules: list[FieldRule] = []
    for key, spec in table.items():
        target = (*prefix, key)
        what = f"{section} {'.'.join(target)}"
        if not prefix and key not in known:
            raise where.error(f"{what}: not a field of an {'item' if in_item else 'order'}")
        if isinstance(spec, Mapping) and not (_RULE_KEYS & set(spec)):
            if target[0] not in _OBJECTS:
                raise where.error(f"{what} is not an object: give a column or a rule table")
            rules.extend(_rules(spec, target, values, where, in_item=in_item))
            continue
        if target in _OBJECT_TARGETS:
            raise where.error(f"{what} is an object: give its fields, e.g. {key}.source_id = ...")
        rules.append(_rule(target, spec, values, where, what, in_item=in_item))
    return rules


def _rule(
    target: tuple[str, ...],
    spec: object,
    values: Mapping[str, dict[str, Any]],
    where: _Where,
    what: str,
    *,
    in_item: bool,
) -> FieldRule:
    if isinstance(spec, str):
        spec = {"column": spec}
    if not isinstance(spec, Mapping):
        raise where.error(f"{what} must be a column name or a rule table, got {spec!r}")
    _only(spec, _RULE_KEYS, where, what)
    given = [key for key in ("column", "path", "value") if key in spec]
    if len(given) != 1:
        raise where.error(f"{what}: give exactly one of column, path or value")
    field_type = spec.get("type", default_type(target, in_item=in_item))
    if field_type not in FIELD_TYPES:
        raise where.error(f"{what}: type must be one of {', '.join(FIELD_TYPES)}, got {field_type!r}")
    value_map, map_name = _rule_values(spec.get("values"), values, where, what)
    if value_map is not None and field_type != "text":
        raise where.error(f"{what}: a value map reads text; leave out type = {field_type!r}")
    if target == ("status",) and not in_item:
        _check_statuses(spec, value_map, where, what)
    source = None
    if given[0] != "value":
        source = _source({given[0]: spec[given[0]]}, what, where)
    elif isinstance(spec["value"], Mapping | list):
        raise where.error(f"{what}: value must be a string, number or boolean")
    required = spec.get("required", target in (("source_id",),) and not in_item)
    if not isinstance(required, bool):
        raise where.error(f"{what}: required must be true or false")
    date_format = spec.get("format")
    if date_format is not None and field_type != "date":
        raise where.error(f"{what}: format is for dates (type = 'date')")
    return FieldRule(
        target=target,
        source=source,
        constant=spec.get("value"),
        type=_as_type(field_type),
        values=value_map,
        values_name=map_name,
        default=spec.get("default"),
        required=required,
        date_format=None if date_format is None else _text(date_format, f"{what} format", where),
    )


def _as_type(name: str) -> FieldType:
    return next(known for known in FIELD_TYPES if known == name)


def _rule_values(
    spec: object, values: Mapping[str, dict[str, Any]], where: _Where, what: str
) -> tuple[dict[str, Any] | None, str | None]:
    if spec is None:
        return None, None
    if isinstance(spec, str):
        if spec not in values:
            raise where.error(f"{what}: values = {spec!r} names no [values.{spec}] table")
        return values[spec], f"values.{spec}"
    return _value_map(spec, f"{what} values", where), "its values"


def _check_statuses(
    spec: Mapping[str, Any], value_map: dict[str, Any] | None, where: _Where, what: str
) -> None:
    given = list(value_map.values()) if value_map is not None else []
    if "value" in spec:
        given.append(spec["value"])
    if "default" in spec and value_map is None:
        given.append(spec["default"])
    for status in given:
        if status not in STATUSES:
            raise where.error(f"{what}: {status!r} is not an order status ({', '.join(STATUSES)})")


def _currency(
    spec: object, values: Mapping[str, dict[str, Any]], exponents: Mapping[str, int], where: _Where
) -> FieldRule:
    if isinstance(spec, str) and spec.strip().upper() in exponents:
        return FieldRule(target=("currency",), constant=spec.strip().upper())
    if isinstance(spec, str):
        raise where.error(
            f"[money] currency {spec!r} is no ISO 4217 code; to read it from a column, write "
            f"currency = {{ column = {spec!r} }}"
        )
    rule = _rule(("currency",), spec, values, where, "[money] currency", in_item=False)
    for given in (rule.constant, rule.default):
        if given is not None and str(given).strip().upper() not in exponents:
            raise where.error(f"[money] currency: {given!r} is no ISO 4217 code (give its exponent too)")
    return rule


def _exponents(table: object, where: _Where) -> dict[str, int]:
    if not isinstance(table, Mapping):
        raise where.error("[money] exponents must be a table like { XBT = 8 }")
    exponents = dict(EXPONENTS)
    for code, exponent in table.items():
        if not isinstance(exponent, int) or isinstance(exponent, bool) or not 0 <= exponent <= 18:
            raise where.error(f"[money] exponents {code}: must be a whole number from 0 to 18")
        exponents[code.strip().upper()] = exponent
    return exponents


def _separator(value: object, where: _Where) -> str:
    if value not in (".", ","):
        raise where.error(f"[money] decimal_separator must be '.' or ',', got {value!r}")
    return str(value)
