"""Read what a finished ``ORDERS.IMPORT`` action says about its orders, accounting for every one of them.

The result is ``{message, failed: [{source_id, reason}], done_count, failed_count}``; the spec types
``failed`` as an object (``async-actions.json``, ``17_res_obj_get_async_action_result_orders_import``)
while the real API sends a list, so both are read. The counts are reconciled with the orders sent, so that
``sent == imported + len(failed)`` holds even when the server's numbers do not add up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from voucherify_async.importing.polling import action_status
from voucherify_async.importing.report import OrderFailure

__all__ = ["ActionOutcome", "counts_other_orders", "named_failures", "read_outcome"]


@attrs.frozen
class ActionOutcome:
    """What one finished action did with the orders sent in it.

    Attributes:
        status: ``DONE`` or ``FAILED``.
        imported: Orders imported.
        failed: Orders not imported, by ``source_id``, with the server's reason.
        message: The result's message, if any.
    """

    status: str
    imported: int
    failed: list[OrderFailure]
    message: str | None


def _field(result: Any, name: str) -> Any:
    if isinstance(result, Mapping):
        return result.get(name)
    return getattr(result, name, None)


def _failures(raw: Any) -> list[OrderFailure]:
    if raw is None:
        return []
    if isinstance(raw, Mapping):
        raw = [raw] if "reason" in raw or "source_id" in raw else []
    failures = []
    for item in raw:
        if isinstance(item, OrderFailure):
            failures.append(item)
            continue
        source_id = _field(item, "source_id")
        reason = _field(item, "reason")
        failures.append(
            OrderFailure(
                source_id if isinstance(source_id, str) else None,
                str(reason) if reason is not None else "failed (the server gave no reason)",
            )
        )
    return failures


def named_failures(action: Any) -> list[OrderFailure]:
    """The failures a finished action's result names itself (:func:`read_outcome` adds the unnamed ones)."""
    result = getattr(action, "result", None)
    return _failures(_field(result, "failed") if result is not None else None)


def read_outcome(action: Any, source_ids: Sequence[str | None]) -> ActionOutcome:
    """Account for the orders (``source_ids``) sent in a finished action.

    A FAILED action's orders that its result does not name count as failed with the action's message as the
    reason; orders a DONE action neither counts as done nor names as failed count as failed too (the
    server lost track of them), so nothing goes missing from the report.
    """
    status = action_status(action)
    result = getattr(action, "result", None)
    message = _field(result, "message") if result is not None else None
    message = str(message) if message else None
    failed = _failures(_field(result, "failed") if result is not None else None)
    done = _field(result, "done_count") if result is not None else None
    sent = len(source_ids)
    failed = failed[:sent]
    if isinstance(done, int) and not isinstance(done, bool):
        imported = max(0, min(done, sent - len(failed)))
    else:
        imported = 0 if status == "FAILED" else sent - len(failed)
    missing = sent - imported - len(failed)
    if missing > 0:
        if status == "FAILED":
            reason = f"the import's async action FAILED: {message or 'no reason given'}"
        else:
            reason = f"not accounted for by the server (done_count {done}, {len(failed)} named as failed)"
        named = {failure.source_id for failure in failed}
        for source_id in source_ids:
            if missing == 0:
                break
            if source_id is None or source_id not in named:
                failed.append(OrderFailure(source_id if status == "FAILED" else None, reason))
                missing -= 1
        failed.extend(OrderFailure(None, reason) for _ in range(missing))
    return ActionOutcome(status=status, imported=imported, failed=failed, message=message)


def counts_other_orders(action: Any, size: int) -> bool:
    """Whether a DONE action's result counts another number of orders than ``size``.

    ``done_count + failed_count`` is the number of orders the import held: an action adopted after a lost
    answer that holds another number is some other process's import, not ours. A FAILED action, or a result
    without both counts, proves nothing (the emulator's FAILED imports count 0 and 0).
    """
    if action_status(action) != "DONE":
        return False
    result = getattr(action, "result", None)
    done, failed = _field(result, "done_count"), _field(result, "failed_count")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (done, failed)):
        return False
    return bool(done + failed != size)
