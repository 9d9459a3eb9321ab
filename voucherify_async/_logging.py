"""What the SDK logs, and ``VOUCHERIFY_LOG``: a handler on the ``voucherify_async`` logger without any code.

The SDK logs on the ``voucherify_async`` logger and never configures logging on its own, except when the
environment asks for it (as the openai SDK does with ``OPENAI_LOG``): ``VOUCHERIFY_LOG=info`` shows each
request (method, path, status, time, request id), ``VOUCHERIFY_LOG=debug`` adds the retries and the waits
(rate limits, backoff, credentials renewed). The variable is read once, when the package is imported. The
command line's ``-v`` and ``-vv`` use the same handler. No log line holds a token: only a URL's path is ever
logged (a download URL carries its token in the query), and errors never hold one.

Every record about a request also carries its facts as attributes of the record (``extra``), for JSON log
formatters and filters: ``http_method``, ``route`` (the path's template, ``/v1/orders/{id}``: never an id or a
token), ``attempt`` (from 1), and as they apply ``status``, ``elapsed`` and ``request_id`` (an answer),
``wait`` (seconds, a retry or a spent budget), ``retry``, ``max_retries``, ``error`` (the error's class
name) and ``limit_type`` (the rate limit waited for).

Levels, for a handler of your own:

- ``INFO``: every answer (``_attempt``);
- ``DEBUG``: retries, waits for a spent budget, renewed credentials (``_transport``);
- ``WARNING``: a wait the client will not make (longer than ``RetryPolicy.max_wait``, past the caller's
  deadline): the error is raised right after.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from voucherify_async._routes import route_template

if TYPE_CHECKING:
    from yarl import URL

__all__ = ["LOGGER_NAME", "log_from_environment", "log_to_stream", "request_fields"]

LOGGER_NAME = "voucherify_async"
LOG_VARIABLE = "VOUCHERIFY_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _OwnHandler(logging.StreamHandler):  # type: ignore[type-arg]  # generic only in typeshed
    """The handler this module attached (replaced, never stacked, when set again)."""


def log_to_stream(level: int, stream: TextIO | None = None) -> None:
    """Show the ``voucherify_async`` logger's records of ``level`` and above on ``stream`` (stderr).

    Replaces a handler set before by this function (``VOUCHERIFY_LOG``, then ``-v``: one handler, one line
    per record).
    """
    logger = logging.getLogger(LOGGER_NAME)
    for handler in [h for h in logger.handlers if isinstance(h, _OwnHandler)]:
        logger.removeHandler(handler)
    handler = _OwnHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level)


def log_from_environment(environ: Mapping[str, str] | None = None) -> int | None:
    """Apply ``VOUCHERIFY_LOG`` (``debug`` or ``info``, any case); return the level set, if any.

    Another value, or none, changes nothing: logging stays the application's to configure.
    """
    environ = os.environ if environ is None else environ
    level = LEVELS.get(environ.get(LOG_VARIABLE, "").strip().lower())
    if level is not None:
        log_to_stream(level)
    return level


def request_fields(method: str, url: URL, **fields: object) -> dict[str, object]:
    """The ``extra`` of a record about a request: its method and route template, then ``fields``.

    Only the template of the path is given, never the URL: a download URL carries its token in the query.
    """
    return {"http_method": method, "route": route_template(method, url.raw_path), **fields}
