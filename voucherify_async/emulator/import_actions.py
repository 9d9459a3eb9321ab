"""One ``ORDERS.IMPORT`` async action: its place in its project's queue and its state at any moment."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from voucherify_async.emulator.wire import iso_time


@dataclass
class ImportAction:
    """One ``ORDERS.IMPORT`` async action and its place in the project's queue."""

    id: str
    request_id: str
    created_at: float
    start: float
    end: float
    orders: list[dict[str, Any]] | None = field(repr=False)
    """The orders to import; dropped once all are applied."""
    order_count: int
    delay: float = 0.0
    """Seconds at the start before the first order is processed (``processing_delay``)."""
    fail: bool = False
    """The action ends ``FAILED`` (set by the ``action_failed`` fault)."""
    result: dict[str, Any] | None = None
    applied: int = 0
    """How many of the orders have been processed so far."""
    failed: list[dict[str, Any]] = field(default_factory=list, repr=False)
    forgotten: bool = False
    """Purged from the project's list (:meth:`ProjectState.forget_action`): it still ran in its turn."""

    def due(self, now: float) -> int:
        """How many orders are processed by ``now``: evenly over the time after the delay."""
        if now >= self.end:
            return self.order_count
        first = self.start + self.delay
        if now <= first:
            return 0
        return min(self.order_count, math.floor(self.order_count * (now - first) / (self.end - first)))

    def status(self, now: float) -> str:
        """The state at ``now``."""
        if now < self.start:
            return "ENQUEUED"
        if now < self.end:
            return "IN_PROGRESS"
        return "FAILED" if self.fail else "DONE"

    def progress(self, now: float) -> int:
        """0..100, rising while the action runs."""
        if now >= self.end:
            return 100
        if now <= self.start:
            return 0
        return min(99, math.floor(100 * (now - self.start) / (self.end - self.start)))

    def to_wire(self, now: float, *, with_result: bool = True) -> dict[str, Any]:
        """The ``AsyncAction`` object at ``now`` (the list endpoint leaves out ``result``)."""
        status = self.status(now)
        if status == "ENQUEUED":
            updated = self.created_at
        elif status == "IN_PROGRESS":
            updated = self.start
        else:
            updated = self.end
        data: dict[str, Any] = {"id": self.id, "type": "ORDERS.IMPORT", "status": status}
        if with_result and self.result is not None and status in ("DONE", "FAILED"):
            data["result"] = self.result
        data["created_at"] = iso_time(self.created_at)
        data["updated_at"] = iso_time(max(updated, self.created_at))
        data["request_id"] = self.request_id
        data["progress"] = self.progress(now)
        if status in ("DONE", "FAILED"):
            data["processing_time"] = round((self.end - self.start) * 1000)
        data["object"] = "async_action"
        return data
