"""The orders (`client.orders`) resource."""

from __future__ import annotations

from typing import Any


class Orders:
    """Methods for orders (`client.orders`)."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport
