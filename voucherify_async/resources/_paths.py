"""Request paths with an id in them."""

from __future__ import annotations

from urllib.parse import quote

from voucherify_async._errors import InvalidArgumentError


def path_with_id(prefix: str, resource_id: str) -> str:
    """``prefix`` + ``resource_id``, the id percent-encoded as one path segment.

    An order's ``source_id`` is the user's own string and may hold ``/``, ``?``, ``#`` or spaces; encoded as
    one segment it names the order instead of another path (the transport keeps percent-escapes as given).

    Args:
        prefix: The path up to the id, e.g. ``"/v1/orders/"``.
        resource_id: The id (or ``source_id``), as the user gave it.

    Raises:
        InvalidArgumentError: ``resource_id`` is empty or not a string.
    """
    if not isinstance(resource_id, str) or not resource_id:
        raise InvalidArgumentError(f"expected a non-empty id, got {resource_id!r}")
    segment = quote(resource_id, safe="")
    if not segment.strip("."):
        # "." and ".." are dot segments, which URL normalisers remove (RFC 3986 section 5.2.4):
        # get("..") asked for GET /v1/. Escaped, they stay the id: the transport sends escapes as given.
        segment = segment.replace(".", "%2E")
    return prefix + segment
