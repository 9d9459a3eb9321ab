"""Request paths with an id in them."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote


def path_with_id(transport: Any, prefix: str, resource_id: str) -> str:
    """The URL of ``prefix`` + ``resource_id`` on the API, with the id percent-encoded as one path segment.

    An order's ``source_id`` is the user's own string and may hold ``/``, ``?``, ``#`` or spaces; encoded as
    one segment it names the order instead of another path. The transport encodes a relative path itself
    (where ``%2F`` would come out as ``%252F``) and takes an absolute URL as already encoded, so the full URL
    on the client's base URL is returned.

    Args:
        transport: The client's transport (for its ``base_url``).
        prefix: The path up to the id, e.g. ``"/v1/orders/"``.
        resource_id: The id (or ``source_id``), as the user gave it.

    Raises:
        ValueError: ``resource_id`` is empty.
    """
    if not isinstance(resource_id, str) or not resource_id:
        raise ValueError(f"expected a non-empty id, got {resource_id!r}")
    return f"{str(transport.base_url).rstrip('/')}{prefix}{quote(resource_id, safe='')}"
