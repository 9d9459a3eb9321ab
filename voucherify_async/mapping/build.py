"""The mapping at work: records in, orders (or rejections) out, one order held at a time.

Without ``group_by`` every record is one order (with at most one item). With it, consecutive records with the
same value in the ``group_by`` column are one order: its fields are read from the group's first record (shop
exports write them there only), and each record of the group adds an item. The order is yielded when a record
of another value comes, or the file ends: memory holds one order, however long the file.

A record the mapping cannot read rejects its whole order (a part of an order would import as if whole): the
rejection names the row and the column, e.g. ``row 12, line 13: source_id '#1003', column 'Total': '12.345'
is not an exact amount of USD (at most 2 decimal places)``. The rows of a rejected order are still read, so
that the next order starts where it should. An order whose rows are not consecutive in the file comes out as
two orders of one ``source_id``: the batcher notices the repeat (``--duplicates``). So does an order
interrupted by a record that is no order (a broken line, a row without the ``group_by`` value): results come
in file order, and such a record ends the order before it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from voucherify_async.importing.fast_checks import MAX_ITEMS
from voucherify_async.importing.sources import MalformedRecord
from voucherify_async.mapping.access import Getter
from voucherify_async.mapping.errors import MappingError
from voucherify_async.mapping.records import Place, SourceRecords
from voucherify_async.mapping.rules import FieldRule
from voucherify_async.mapping.values import MoneyContext, ValueRefused, is_empty, read_value

if TYPE_CHECKING:
    from voucherify_async.mapping.definition import OrderMapping

__all__ = ["MappedRecord", "map_records"]


@attrs.frozen
class MappedRecord:
    """What the mapping made of one order's records: the order, or the rejection saying why not.

    Attributes:
        order: The order (a dict in the API's wire form), or ``None`` when rejected.
        rejection: Why the records are no order (``None`` when mapped), in their place.
        first: The number of the order's first record in the file (from 1; records skipped are not
            counted).
        last: The number of its last record.
    """

    order: dict[str, Any] | None
    rejection: MalformedRecord | None
    first: int
    last: int

    @property
    def value(self) -> dict[str, Any] | MalformedRecord:
        """The order, or its rejection: what the batcher is given."""
        return self.order if self.order is not None else self.rejection  # type: ignore[return-value]


class _Refused(Exception):
    def __init__(self, place: Place, reason: str) -> None:
        super().__init__(reason)
        self.place = place
        self.reason = reason


_Compiled = list[tuple[FieldRule, Getter | None]]


def _compile(rules: Sequence[FieldRule], header: list[str] | None, origin: str) -> _Compiled:
    compiled: _Compiled = []
    for rule in rules:
        try:
            getter = None if rule.source is None else rule.source.getter(header)
        except LookupError as error:
            raise MappingError(f"{origin}: {rule.target_text}: {error}") from None
        compiled.append((rule, getter))
    return compiled


class _Group:
    """The order being read: its first record's place, its fields, its items, or the reason it is refused."""

    __slots__ = ("context", "first", "items", "key", "last", "order", "refused")

    def __init__(self, key: str | None, number: int) -> None:
        self.key = key
        self.first = number
        self.last = number
        self.order: dict[str, Any] = {}
        self.items: list[dict[str, Any]] = []
        self.refused: _Refused | None = None
        self.context: MoneyContext | None = None


def map_records(
    mapping: OrderMapping,
    source: SourceRecords,
    *,
    skip: Callable[[Any], bool] | None = None,
) -> Iterator[MappedRecord]:
    """Map the records of an open file, in order (see the module's docstring).

    Args:
        mapping: The mapping.
        source: The file's records.
        skip: Records to pass over as no records at all (the import command's lines of a reason alone).

    Raises:
        MappingError: A column the mapping reads is not in the CSV file's header.
    """
    header = source.header
    order_rules = _compile(mapping.order, header, mapping.origin)
    item_rules = _compile(mapping.items, header, mapping.origin)
    sourced_items = [getter for _, getter in item_rules if getter is not None]
    currency = _compile([mapping.currency], header, mapping.origin)[0] if mapping.currency else None
    group_by = _compile([_key_rule(mapping)], header, mapping.origin)[0][1] if mapping.group_by else None
    group: _Group | None = None

    def new_group(key: str | None, place: Place, number: int, record: Any) -> _Group:
        started = _Group(key, number)
        try:
            started.context = _money_context(mapping, currency, record, place)
            started.order = _fields(order_rules, record, place, started.context, key, named=True)
        except _Refused as refused:
            started.refused = refused
        return started

    number = 0  # the records counted, those skipped left out
    for place, record in source.records:
        if skip is not None and skip(record):
            continue
        number += 1
        key = None
        rejection = record if isinstance(record, MalformedRecord) else None
        if rejection is None and group_by is not None:
            raw = group_by(record)
            if is_empty(raw) or isinstance(raw, dict | list):
                label = mapping.group_by.label if mapping.group_by else ""
                what = "is empty" if is_empty(raw) else "holds no value but a JSON object or list"
                reason = f"{label} {what}: the record belongs to no order"
                rejection = MalformedRecord(place.location, reason)
            else:
                key = str(raw).strip()
        if rejection is not None:
            # In file order: the order before it is done (a record that is no order ends it, too).
            if group is not None:
                yield _finish(group)
                group = None
            yield MappedRecord(None, rejection, number, number)
            continue
        if group is not None and (key is None or key != group.key):
            yield _finish(group)
            group = None
        if group is None:
            group = new_group(key, place, number, record)
        group.last = number
        if group.refused is None and item_rules and any(not is_empty(get(record)) for get in sourced_items):
            _add_item(group, item_rules, record, place)
    if group is not None:
        yield _finish(group)


def _key_rule(mapping: OrderMapping) -> FieldRule:
    return FieldRule(target=("group_by",), source=mapping.group_by)


def _money_context(
    mapping: OrderMapping, currency: tuple[FieldRule, Getter | None] | None, record: Any, place: Place
) -> MoneyContext:
    code = None
    if currency is not None:
        rule, getter = currency
        raw = rule.constant if getter is None else getter(record)
        if is_empty(raw):
            raw = rule.default
        if not is_empty(raw):
            code = str(raw).strip().upper()
            if code not in mapping.exponents:
                label = rule.source.label if rule.source else "[money] currency"
                raise _Refused(place, f"{label}: unknown currency {code[:20]!r}")
    return MoneyContext(code, mapping.exponents, mapping.decimal_separator, mapping.zone)


def _fields(
    rules: _Compiled, record: Any, place: Place, context: MoneyContext, key: str | None, *, named: bool
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for rule, getter in rules:
        raw = rule.constant if getter is None else getter(record)
        if is_empty(raw):
            if rule.required and rule.default is None:
                label = rule.source.label if rule.source else rule.target_text
                reason = f"{label} is empty ({rule.target_text} is needed)"
                raise _Refused(place, _named(fields, key, reason) if named else reason)
            raw = rule.default
            if raw is None:
                continue
        try:
            value = read_value(rule, raw, context)
        except ValueRefused as refused:
            label = rule.source.label if rule.source is not None else rule.target_text
            reason = f"{label}: {refused}"
            raise _Refused(place, _named(fields, key, reason) if named else reason) from None
        _put(fields, rule.target, value)
    return fields


def _named(fields: dict[str, Any], key: str | None, reason: str) -> str:
    source_id = fields.get("source_id", key)
    return reason if source_id is None else f"source_id {str(source_id)[:60]!r}, {reason}"


def _put(fields: dict[str, Any], target: tuple[str, ...], value: Any) -> None:
    node = fields
    for part in target[:-1]:
        node = node.setdefault(part, {})
    node[target[-1]] = value


def _add_item(group: _Group, rules: _Compiled, record: Any, place: Place) -> None:
    if len(group.items) >= MAX_ITEMS:
        group.refused = _Refused(
            place, _named(group.order, group.key, f"an order can hold at most {MAX_ITEMS} items")
        )
        return
    assert group.context is not None  # set with the order's fields, before any item
    try:
        group.items.append(_fields(rules, record, place, group.context, None, named=False))
    except _Refused as refused:
        refused.reason = _named(group.order, group.key, refused.reason)
        group.refused = refused


def _finish(group: _Group) -> MappedRecord:
    if group.refused is not None:
        rejection = MalformedRecord(group.refused.place.location, group.refused.reason)
        return MappedRecord(None, rejection, group.first, group.last)
    order = group.order
    if group.items:
        order["items"] = group.items
    return MappedRecord(order, None, group.first, group.last)
