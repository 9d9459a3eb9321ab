"""The batcher's polling settings: their names and what they hand to the SDK's polling schedule."""

from __future__ import annotations

from voucherify_async import _polling
from voucherify_async.importing import polling
from voucherify_async.importing.polling import ImportPollPolicy


def test_the_first_name_of_the_import_poll_policy_still_imports() -> None:
    from voucherify_async.importing.polling import PollPolicy

    assert PollPolicy is ImportPollPolicy


def test_the_import_poll_policy_is_not_the_sdk_schedule_policy() -> None:
    assert polling.ImportPollPolicy is not _polling.PollPolicy


def test_the_import_poll_policy_hands_its_numbers_to_the_schedule() -> None:
    schedule = ImportPollPolicy(first=2.0, minimum=0.5, maximum=9.0).schedule(started=0.0)
    assert (schedule.policy.first_interval, schedule.policy.min_interval, schedule.policy.max_interval) == (
        2.0,
        0.5,
        9.0,
    )


def test_the_import_poll_policy_is_public() -> None:
    import voucherify_async as vf

    assert vf.ImportPollPolicy is ImportPollPolicy
