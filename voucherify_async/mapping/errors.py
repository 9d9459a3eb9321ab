"""The error of a mapping that cannot be used at all."""

from __future__ import annotations

from voucherify_async._errors import VoucherifyError

__all__ = ["MappingError"]


class MappingError(VoucherifyError):
    """A mapping file (or preset) that cannot be used: not TOML, an unknown key, a column the file lacks.

    Raised before a record is read. A record the mapping cannot turn into an order is no error: it becomes a
    rejection of the run, naming its row and column.
    """
