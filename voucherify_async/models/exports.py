"""Exports (``exports.json``): a CSV of the project's orders, made by the server and served for download."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import attrs

from voucherify_async.models._enums import ExportStatus
from voucherify_async.models._repr import ShortRepr

__all__ = ["Export", "ExportParameters", "ExportResult"]

_TOKEN_IN_URL = re.compile(r"(?i)(token=)[^&#]*")


def redact_url(url: str) -> str:
    """Return ``url`` with the value of its ``token`` query parameter masked, for reprs and messages."""
    return _TOKEN_IN_URL.sub(r"\1***", url)


def _redacted_repr(url: str | None) -> str:
    return repr(url if url is None else redact_url(url))


@attrs.define(kw_only=True, repr=False)
class ExportParameters(ShortRepr):
    """What an export contains (``ExportOrderBase.parameters``).

    Attributes:
        fields: The columns of the CSV, e.g. ``["id", "source_id", "status"]`` (``ExportOrderFields``).
        filters: Conditions on the rows, e.g.
            ``{"junction": "and", "status": {"conditions": {"$in": ["PAID"]}}}`` (``ExportOrderFilters``).
        order: The sort order, e.g. ``"-created_at"`` (``ExportOrderOrder``).
        response_format: ``"CSV"`` (set by the server).
    """

    order: str | None = None
    fields: list[str] | None = None
    filters: dict[str, Any] | None = None
    response_format: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True, repr=False)
class ExportResult(ShortRepr):
    """The ``result`` of a finished export.

    Attributes:
        url: Where the CSV file is served. It carries a download token, so its ``repr`` hides the token.
            ``None`` if the server sent a result without one (the spec requires it only for ``DONE``).
    """

    url: str | None = attrs.field(
        default=None, repr=lambda url: repr(url if url is None else redact_url(url))
    )
    extra: dict[str, Any] = attrs.field(factory=dict, hash=False)


@attrs.frozen(kw_only=True, repr=False)
class Export(ShortRepr):
    """An export (``ExportOrder``; ``ExportOrderScheduled`` right after it was created).

    Attributes:
        id: The export id, ``exp_...``.
        status: ``SCHEDULED``, ``IN_PROGRESS``, ``DONE`` or ``ERROR``.
        exported_object: ``"order"`` for exports made by ``client.orders.export``.
        parameters: The fields, filters and order asked for.
        result: Where the file is, once ``DONE``; ``None`` before.
    """

    id: str
    object: str | None = None
    created_at: datetime | None = None
    status: ExportStatus | str | None = None
    channel: str | None = None
    exported_object: str | None = None
    parameters: ExportParameters | None = None
    result: ExportResult | None = None
    user_id: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, hash=False)

    @property
    def finished(self) -> bool:
        """``True`` once the export is ``DONE`` or ``ERROR`` and will not change any more."""
        return self.status in (ExportStatus.DONE, ExportStatus.ERROR)
