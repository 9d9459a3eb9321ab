"""The exports (`client.exports`) resource."""

from __future__ import annotations

from typing import Any


class Exports:
    """Methods for exports (`client.exports`)."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport
