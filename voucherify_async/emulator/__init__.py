"""A local stand-in for the Voucherify API, for development, tests, demos and benchmarks.

Written from the official OpenAPI spec and independent of the SDK's client, transport, models and batcher,
so it cannot share their mistakes. It serves the Orders, Async Actions, Exports and OAuth endpoints over
loopback, with imports queued one at a time per project, per-order failures, 400s in the API's own format,
rate limits with the real headers and seeded fault injection.

Example:
    >>> from voucherify_async.emulator import Emulator, Fault
    >>> async def main() -> None:                                   # doctest: +SKIP
    ...     async with Emulator(app_id="app", app_token="token", processing_rate=1000) as emu:
    ...         emu.add_fault(Fault("lost_ack", route="POST /v1/orders/import", nth=1))
    ...         print(emu.url)                                      # pass as base_url=
"""

from __future__ import annotations

from voucherify_async.emulator._emulator import Emulator, RecordedRequest
from voucherify_async.emulator.faults import Fault
from voucherify_async.emulator.ratelimit import RateLimits
from voucherify_async.emulator.state import ImportAction, ProjectState

__all__ = [
    "Emulator",
    "Fault",
    "ImportAction",
    "ProjectState",
    "RateLimits",
    "RecordedRequest",
]
