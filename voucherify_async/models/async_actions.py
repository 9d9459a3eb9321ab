"""Async actions (``async-actions.json``): the server-side jobs an order import runs as.

An ``ORDERS.IMPORT`` action's ``result`` is typed (:class:`OrdersImportResult`); the results of the other
action types are kept as the raw dicts the API sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from voucherify_async.models._enums import AsyncActionStatus, AsyncActionType, OperationStatus
from voucherify_async.models._repr import ShortRepr

__all__ = ["AsyncAction", "AsyncActionsPage", "OrderFailure", "OrdersImportResult"]


@attrs.frozen
class OrderFailure:
    """One order that was not imported, and why.

    Attributes:
        source_id: The order's ``source_id`` (``None`` when the order had none: the API's own example of a
            failed import sends ``"source_id": null``).
        reason: Why it was not imported, in words a person can act on.
        position: Where the order is in the source of an import run (from 1: the first record read is 1),
            when known; ``None`` for failures as the API lists them. The import batcher fills it in, so a
            record is traced back to its place even when its ``source_id`` repeats or is missing.
    """

    source_id: str | None
    reason: str
    position: int | None = None


@attrs.frozen(repr=False)
class OrdersImportResult(ShortRepr):
    """The ``result`` of a finished ``ORDERS.IMPORT`` async action.

    Attributes:
        message: The API's summary, e.g. ``"1 order(s) imported successfully, 1 failed."``.
        failed: The orders of the import that failed, by ``source_id``.
        done_count: How many orders were imported.
        failed_count: How many orders failed.
    """

    message: str = ""
    failed: list[OrderFailure] = attrs.field(factory=list)
    done_count: int = 0
    failed_count: int = 0
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True, hash=False)


@attrs.frozen(kw_only=True, repr=False)
class AsyncAction(ShortRepr):
    """An async action (``AsyncAction``; the list endpoint sends ``AsyncActionBase``, without ``result``).

    Attributes:
        id: The action id, ``aa_...``.
        type: What the action does; ``ORDERS.IMPORT`` for an order import.
        status: ``ENQUEUED``, ``IN_PROGRESS``, ``DONE`` or ``FAILED``.
        progress: 0..100 while ``IN_PROGRESS``.
        result: An :class:`OrdersImportResult` for a finished ``ORDERS.IMPORT`` action, the raw dict for other
            types, ``None`` while unfinished or when listed.
        processing_time: Milliseconds the server spent on the action, once finished.
    """

    id: str
    type: AsyncActionType | str | None = None
    status: AsyncActionStatus | str | None = None
    operation_status: OperationStatus | str | None = None
    result: OrdersImportResult | dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    request_id: str | None = None
    processing_time: int | None = None
    progress: int | None = None
    object: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, hash=False)

    @property
    def finished(self) -> bool:
        """``True`` once the action is ``DONE`` or ``FAILED`` and will not change any more."""
        return self.status in (AsyncActionStatus.DONE, AsyncActionStatus.FAILED)

    @property
    def failed(self) -> bool:
        """``True`` when the action as a whole ``FAILED`` (failures of single orders leave it ``DONE``)."""
        return self.status == AsyncActionStatus.FAILED


@attrs.frozen(repr=False)
class AsyncActionsPage(ShortRepr):
    """One page of ``GET /v1/async-actions`` (``AsyncActionsListResponseBody``), newest first.

    Attributes:
        async_actions: The actions of this page (without ``result``: the list endpoint does not send it).
        has_more: Whether older actions exist (ask for them with ``end_date`` set to the last action's
            ``created_at``).
    """

    async_actions: list[AsyncAction]
    has_more: bool = False
    extra: dict[str, Any] = attrs.field(factory=dict, kw_only=True, hash=False)
