"""What goes on the wire: identifiers, timestamps, JSON responses and the API's Error object.

Every error the emulator answers has the shape of the spec's ``Error`` schema
(``orders.json#/components/schemas/Error``: ``code`` and ``message`` required, ``key``, ``details``,
``request_id`` and, for 404s, ``resource_id`` / ``resource_type``).
"""

from __future__ import annotations

import datetime as _dt
import functools
import random
import re
import secrets
import string
from typing import Any

import orjson
from aiohttp import web

_ALPHABET = string.ascii_letters + string.digits

ERROR_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("invalid_payload", "Invalid payload"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Resource not found"),
    405: ("method_not_allowed", "Method not allowed"),
    409: ("duplicate_found", "Duplicated resource found"),
    429: ("too_many_requests", "Too many requests"),
    500: ("internal_error", "Internal server error"),
    502: ("bad_gateway", "Bad gateway"),
    503: ("service_unavailable", "Service unavailable"),
    504: ("gateway_timeout", "Gateway timeout"),
}
"""The ``key`` and ``message`` the emulator uses for each status it can answer."""


# Object ids are not secrets (download and OAuth tokens come from `secrets`), and an import of 2,000 orders
# makes 2,000 of them: a plain generator is ten times cheaper than drawing each character from `secrets`.
_ids = random.Random(secrets.randbits(64))


def random_id(prefix: str, length: int = 24) -> str:
    """An object id like the API's (``ord_`` + 24 letters and digits)."""
    return prefix + "".join(_ids.choices(_ALPHABET, k=length))


def hex_id(prefix: str) -> str:
    """An id with 18 hex digits, the form of async action ids (``aa_0a875d56c805df6601``) and request ids."""
    return f"{prefix}{_ids.getrandbits(72):018x}"


@functools.lru_cache(maxsize=1024)  # an import stamps its 2,000 orders with one time
def iso_time(epoch: float) -> str:
    """Format epoch seconds as the API does: ISO 8601, UTC, milliseconds, ``Z``."""
    moment = _dt.datetime.fromtimestamp(epoch, tz=_dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


_FRACTION = re.compile(r"([T ]\d\d:\d\d:\d\d)\.(\d+)")
_OFFSET_WITHOUT_COLON = re.compile(r"([+-]\d\d)(\d\d)$")


def _six_digits(match: re.Match[str]) -> str:
    return f"{match.group(1)}.{match.group(2)[:6]:0<6}"


def parse_iso_time(text: str) -> float | None:
    """Parse an ISO 8601 date-time to epoch seconds; ``None`` when it is not one.

    Fractions of a second of any length (``.1``, ``.123456789``) and offsets without a colon (``+0000``, as
    the official Python SDK writes them) are read: Python 3.10's ``fromisoformat`` takes neither.
    """
    text = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    text = _OFFSET_WITHOUT_COLON.sub(r"\1:\2", _FRACTION.sub(_six_digits, text, count=1))
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return moment.timestamp()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response serialised with orjson."""
    return web.Response(
        body=orjson.dumps(data), status=status, content_type="application/json", headers=headers
    )


def error_body(
    status: int,
    details: str | None = None,
    *,
    key: str | None = None,
    message: str | None = None,
    resource_id: str | None = None,
    resource_type: str | None = None,
) -> dict[str, Any]:
    """The API's Error object for ``status``."""
    default_key, default_message = ERROR_MESSAGES.get(status, ("error", "Error"))
    body: dict[str, Any] = {"code": status, "key": key or default_key, "message": message or default_message}
    if details is not None:
        body["details"] = details
    body["request_id"] = hex_id("v-")
    if resource_id is not None:
        body["resource_id"] = resource_id
    if resource_type is not None:
        body["resource_type"] = resource_type
    return body


def error_response(
    status: int,
    details: str | None = None,
    *,
    key: str | None = None,
    message: str | None = None,
    resource_id: str | None = None,
    resource_type: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """An error answer in the API's format."""
    body = error_body(
        status, details, key=key, message=message, resource_id=resource_id, resource_type=resource_type
    )
    return json_response(body, status=status, headers={"X-Request-Id": body["request_id"], **(headers or {})})


def not_found(resource_type: str, resource_id: str) -> web.Response:
    """The API's 404 (``orders.json``, GET /v1/orders/{orderId}, example "Not Found")."""
    return error_response(
        404,
        f"Cannot find {resource_type} with id {resource_id}",
        resource_id=resource_id,
        resource_type=resource_type,
    )
