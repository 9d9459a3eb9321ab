"""An import run in a process of its own, for the test that kills it with SIGKILL.

Usage: python killed_import.py BASE_URL ORDERS.jsonl JOURNAL
"""

from __future__ import annotations

import sys

import anyio

import voucherify_async as vf
from voucherify_async.importing.batcher import ImportBatcher
from voucherify_async.importing.polling import ImportPollPolicy
from voucherify_async.importing.sources import read_jsonl

FAST_POLL = ImportPollPolicy(first=0.02, minimum=0.01, maximum=0.05)


async def main(base_url: str, orders: str, journal: str) -> None:
    async with vf.AsyncVoucherify("app", "token", base_url=base_url) as client:
        await ImportBatcher(client, batch_size=100, checkpoint=journal, poll=FAST_POLL).run(
            read_jsonl(orders)
        )


if __name__ == "__main__":
    anyio.run(main, *sys.argv[1:4])
