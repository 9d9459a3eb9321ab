"""Migrations from other shop systems: map the records of an export onto Voucherify orders.

The pieces, in the order a record goes through them:

- ``format`` / ``rules`` / ``definition``: the TOML mapping file, checked when loaded (:class:`OrderMapping`);
- ``records``: the file's records (CSV rows as cells, JSON objects), each with its place;
- ``access``: a column or JSON path read from a record;
- ``values`` with ``money`` and ``dates``: a raw value read as text, a number, money in the smallest unit,
  an ISO 8601 date, or through a value map;
- ``build``: records grouped into orders, one order in memory at a time;
- ``stream``: :func:`mapped`, the orders as the batcher takes them.

Presets for Shopify's and WooCommerce's order exports are mapping files in ``presets/``.
"""

from __future__ import annotations

from voucherify_async.mapping.build import MappedRecord
from voucherify_async.mapping.definition import OrderMapping, preset_names, preset_path
from voucherify_async.mapping.errors import MappingError
from voucherify_async.mapping.money import EXPONENTS, MoneyError, minor_units
from voucherify_async.mapping.stream import MappedOrders, mapped

__all__ = [
    "EXPONENTS",
    "MappedOrders",
    "MappedRecord",
    "MappingError",
    "MoneyError",
    "OrderMapping",
    "mapped",
    "minor_units",
    "preset_names",
    "preset_path",
]
