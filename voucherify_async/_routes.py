"""The route template of a request path: ``/v1/orders/{id}`` for ``/v1/orders/o-1``.

Logs, request hooks and traces name a request by its template, never by its path: a path holds the user's
ids (an order's ``source_id`` may be anything), and a template keeps the number of distinct routes small
enough to group metrics by. The templates follow the API's own paths (``spec/``): after ``/v1/`` comes a
collection, then an id, except the few fixed words of the API in that place (``POST /v1/orders/import``,
``POST /v1/orders/export``, ``POST /v1/oauth/token``). A base URL's own path (the emulator serves downloads
under ``/download``) is kept as it is.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["route_template"]

ID = "{id}"
_FIXED_WORDS = {
    ("POST", "orders", "import"),
    ("POST", "orders", "export"),
    ("POST", "oauth", "token"),
}


@lru_cache(maxsize=256)
def route_template(method: str, path: str) -> str:
    """The template of ``path`` (percent-escaped URL text, no query), ids replaced by ``{id}``.

    Example:
        >>> route_template("GET", "/v1/orders/o%2F1")
        '/v1/orders/{id}'
        >>> route_template("POST", "/v1/orders/import")
        '/v1/orders/import'
    """
    segments = path.split("/")
    try:
        start = segments.index("v1")
    except ValueError:
        # Not an API path: every segment may be someone's id.
        return "/".join(segment and ID for segment in segments) or "/"
    kept = segments[: start + 2]  # the base URL's own path, "v1" and the collection
    if len(segments) > start + 2:
        collection, word = segments[start + 1], segments[start + 2]
        kept.append(word if (method.upper(), collection, word) in _FIXED_WORDS else ID)
        kept.extend(segment and ID for segment in segments[start + 3 :])
    return "/".join(kept)
