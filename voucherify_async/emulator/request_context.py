"""What a handler knows about its request: the emulator, the authenticated project, the body, the query."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import orjson
from aiohttp import web

from voucherify_async.emulator.state import ProjectState
from voucherify_async.emulator.wire import error_response

if TYPE_CHECKING:
    from voucherify_async.emulator._emulator import Emulator

EMULATOR: web.AppKey[Emulator] = web.AppKey("emulator")


@dataclass
class RequestState:
    """What the pipeline learnt about the request being handled."""

    project: ProjectState | None = None
    fail_action: bool = False
    """The import's async action must end FAILED (``action_failed`` fault)."""


# A context variable rather than request storage: the middleware and the handler run in one task, and
# this works the same on every aiohttp version the package supports.
CURRENT: ContextVar[RequestState] = ContextVar("voucherify_emulator_request")


class ErrorAnswer(Exception):
    """Raised by handlers to answer an error response at once."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def emulator_of(request: web.Request) -> Emulator:
    """The emulator serving the request."""
    return request.app[EMULATOR]


def project_of(request: web.Request) -> ProjectState:
    """The project that authenticated the request."""
    project = CURRENT.get().project
    if project is None:
        raise RuntimeError(f"{request.method} {request.path} is not authenticated")
    return project


async def read_json(request: web.Request) -> Any:
    """The decoded JSON body, or a 400 in the API's format."""
    raw = await request.read()
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ErrorAnswer(error_response(400, "Request body is not valid JSON")) from None


def invalid_query(details: str) -> ErrorAnswer:
    """The API's 400 for a bad query parameter (``async-actions.json``, GET /v1/async-actions, 400)."""
    return ErrorAnswer(
        error_response(400, details, key="invalid_query_params", message="Invalid query params")
    )


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within ``low..high``."""
    text = request.query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise invalid_query(f"Property .{name} must be an integer") from None
    if not low <= value <= high:
        raise invalid_query(f"Property .{name} must be between {low} and {high}")
    return value


def query_choice(request: web.Request, name: str, default: str, allowed: tuple[str, ...]) -> str:
    """A query parameter with a fixed set of values."""
    value = request.query.get(name, default)
    if value not in allowed:
        raise invalid_query(
            f"Property .{name} should be equal to one of the allowed values [ {', '.join(allowed)} ]"
        )
    return value


ANY_ID = "{id:[^/]+}"
"""A path variable that takes any id: aiohttp's plain ``{id}`` refuses ``{`` and ``}`` (its pattern is
``[^{}/]+``), so an order with such a ``source_id`` was answered "Unknown endpoint". aiohttp matches the id
with ``%2F`` still escaped, so a ``/`` inside an id stays in its one segment; the route's template
(``/v1/orders/{id}``, what faults and records name) is the same as with a plain ``{id}``."""


def path_id(request: web.Request) -> str:
    """The ``{id}`` of the request's path, percent-decoded exactly once.

    Read from the raw path, not from ``match_info``: aiohttp 3.9 (the oldest the package supports) leaves
    ``%2F`` escaped there, so the id ``a/b`` arrived as ``a%2Fb``, while later versions decode it.
    """
    resource = request.match_info.route.resource
    template = resource.canonical if resource is not None else ""
    return unquote(request.rel_url.raw_path.split("/")[template.split("/").index("{id}")])
