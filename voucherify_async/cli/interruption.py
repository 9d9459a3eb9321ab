"""Ctrl-C and SIGTERM stop a command's async work the same way on every supported Python.

Why not rely on ``anyio.run`` raising ``KeyboardInterrupt``: on Python 3.10, anyio's runner answers SIGINT by
cancelling the main task and ``anyio.run`` then raises ``asyncio.CancelledError`` (3.11's ``asyncio.Runner``
raises ``KeyboardInterrupt``). Receiving the signals ourselves, from the moment the event loop starts, makes
the stop a cancellation we own: the batcher unwinds through its normal cancellation path (checkpoint
consistent) and the command learns which signal it was.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
from anyio.abc import TaskStatus

T = TypeVar("T")


class Terminated(Exception):
    """The process was asked to stop (SIGTERM): handled like Ctrl-C."""


def run_interruptible(work: Callable[[], Awaitable[T]]) -> T:
    """``anyio.run(work)``, raising ``KeyboardInterrupt`` on SIGINT and :class:`Terminated` on SIGTERM.

    Either signal cancels ``work`` first, so what it holds (sessions, checkpoints, the embedded emulator) is
    released in order before the exception leaves.
    """
    return anyio.run(_until_interrupted, work)


async def _until_interrupted(work: Callable[[], Awaitable[T]]) -> T:
    received: list[int] = []
    result: list[T] = []
    async with anyio.create_task_group() as tasks:

        async def stop_on_signal(*, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                task_status.started()
                async for signum in signals:
                    received.append(signum)
                    tasks.cancel_scope.cancel()
                    return

        if sys.platform != "win32":
            await tasks.start(stop_on_signal)
        result.append(await work())
        tasks.cancel_scope.cancel()
    if received:
        raise KeyboardInterrupt if received[0] == signal.SIGINT else Terminated
    return result[0]
