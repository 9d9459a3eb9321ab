"""The async actions (`client.async_actions`) resource."""

from __future__ import annotations

from typing import Any


class AsyncActions:
    """Methods for async actions (`client.async_actions`)."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport
