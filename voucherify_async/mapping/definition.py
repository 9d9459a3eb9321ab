"""``vf.OrderMapping``: a mapping file loaded and checked, ready to turn records into orders."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from voucherify_async.mapping.access import Source
from voucherify_async.mapping.errors import MappingError
from voucherify_async.mapping.format import parse_mapping, read_toml
from voucherify_async.mapping.rules import FieldRule

__all__ = ["OrderMapping", "preset_names", "preset_path"]

_PRESETS = "presets"


def preset_names() -> list[str]:
    """The names of the presets shipped with the package (``shopify``, ``woocommerce``)."""
    folder = resources.files("voucherify_async.mapping").joinpath(_PRESETS)
    return sorted(
        entry.name.removesuffix(".toml") for entry in folder.iterdir() if entry.name.endswith(".toml")
    )


def preset_path(name: str) -> Path:
    """The file of a preset, to read or to copy and change.

    Raises:
        MappingError: No preset has that name.
    """
    if name not in preset_names():
        raise MappingError(f"no preset named {name!r} (presets: {', '.join(preset_names())})")
    return Path(str(resources.files("voucherify_async.mapping").joinpath(_PRESETS).joinpath(f"{name}.toml")))


@attrs.frozen
class OrderMapping:
    """A mapping from the records of another system's export to Voucherify orders.

    Made with :meth:`load` (a file or a preset's name), :meth:`from_toml` or :meth:`from_dict`; its format is
    described in ``docs/mapping.md``. Hand it to :func:`voucherify_async.mapped` with the file to map.

    Example:
        >>> mapping = OrderMapping.load("shopify")
        >>> mapping.group_by.column
        'Name'

    Attributes:
        name: The mapping's name (the file's ``name``, else where it came from).
        description: What it maps.
        file_format: The format of the files it reads (``csv``, ``jsonl``, ``json``), or ``None`` to tell by
            the extension.
        group_by: The column (or path) whose equal values in consecutive records make one order.
        order: The rules of the order's fields.
        items: The rules of an item's fields, one item per record.
        currency: The rule giving an order's currency (a constant or a column), if money is read.
        exponents: Decimal places of each currency (ISO 4217 and the mapping's own).
        decimal_separator: ``.`` or ``,``.
        zone: The time zone of dates written without an offset.
        origin: Where the mapping came from, as errors name it.
    """

    name: str
    description: str
    file_format: str | None
    group_by: Source | None
    order: tuple[FieldRule, ...]
    items: tuple[FieldRule, ...]
    currency: FieldRule | None
    exponents: Mapping[str, int]
    decimal_separator: str
    zone: datetime.tzinfo
    origin: str

    def __attrs_post_init__(self) -> None:
        reads_money = any(rule.type == "money" for rule in (*self.order, *self.items))
        if reads_money and self.currency is None:
            raise MappingError(
                f"{self.origin}: amounts are read, but no currency is given: add [money] currency = 'USD' "
                "(or currency = { column = ... })"
            )

    @classmethod
    def load(cls, mapping: str | Path) -> OrderMapping:
        """Load a mapping file, or a preset by its name (``"shopify"``, ``"woocommerce"``).

        A string that names no existing file and has no ``.toml`` ending is taken as a preset's name.

        Raises:
            MappingError: The file cannot be read, is no valid mapping, or no preset has that name.
        """
        path = Path(mapping)
        if isinstance(mapping, str) and not path.exists() and path.suffix.lower() != ".toml":
            return cls._from_file(preset_path(mapping), f"preset {mapping!r}")
        return cls._from_file(path, str(path))

    @classmethod
    def from_toml(cls, text: str, *, origin: str = "mapping") -> OrderMapping:
        """Parse a mapping from TOML text.

        Raises:
            MappingError: The text is no valid mapping.
        """
        return cls.from_dict(read_toml(text, origin), origin=origin)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, origin: str = "mapping") -> OrderMapping:
        """Make a mapping of the tables a TOML file would hold, as Python dicts.

        Raises:
            MappingError: They are no valid mapping.
        """
        return cls(**parse_mapping(data, origin))

    @classmethod
    def _from_file(cls, path: Path, origin: str) -> OrderMapping:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise MappingError(f"{origin}: cannot be read: {error}") from None
        return cls.from_toml(text, origin=origin)
