"""The resources' own errors: VoucherifyErrors that survive pickling (worker processes, task queues)."""

from __future__ import annotations

import pickle

import pytest

import voucherify_async as vf

ACTION = vf.AsyncAction(id="aa_1", type=vf.AsyncActionType.ORDERS_IMPORT, status=vf.AsyncActionStatus.FAILED)
EXPORT = vf.Export(id="exp_1", status=vf.ExportStatus.ERROR)


@pytest.mark.parametrize(
    ("error", "fields"),
    [
        (vf.AsyncActionFailed(ACTION), {"action": ACTION}),
        (
            vf.ExportFailed(vf.Export(id="exp_1", status="ERROR")),
            {"export": vf.Export(id="exp_1", status="ERROR")},
        ),
        (vf.PageLimitReached(10000, 12000), {"listed": 10000, "total": 12000}),
        (
            vf.WaitTimeout("aa_1", "IN_PROGRESS", 7, 60.0),
            {"resource_id": "aa_1", "polls": 7, "timeout": 60.0},
        ),
    ],
)
def test_error_survives_pickling_with_its_fields(
    error: vf.VoucherifyError, fields: dict[str, object]
) -> None:
    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert {name: getattr(copy, name) for name in fields} == fields


def test_messages_say_what_to_do() -> None:
    assert "wait again" in str(vf.WaitTimeout("aa_1", "IN_PROGRESS", 7, 60.0))
    assert "export" in str(vf.PageLimitReached(10000, 12000))


def test_a_failed_action_names_the_servers_message_and_its_request_id() -> None:
    action = vf.AsyncAction(
        id="aa_1",
        type=vf.AsyncActionType.ORDERS_IMPORT,
        status=vf.AsyncActionStatus.FAILED,
        request_id="v-0c5564b6688b0f155d",
        result=vf.OrdersImportResult(message="Internal error."),
    )

    assert str(vf.AsyncActionFailed(action)) == (
        "Async action aa_1 (ORDERS.IMPORT) FAILED: Internal error [request id v-0c5564b6688b0f155d]. "
        "Its result (error.action.result) says what the server did before it failed."
    )
