"""One attempt of a request: send it once over aiohttp, read its answer, turn failures into our errors.

:class:`~voucherify_async._transport.Transport` decides what to send, with which credentials, and whether
and when to try again; this module makes one exchange with the server and says how it went: the decoded
answer, an :class:`~voucherify_async.APIError` for an error status, or an
:class:`~voucherify_async.APIConnectionError` that tells whether the server may have got the request (the
fact the retry rule for POSTs hangs on). It also notes the rate-limit headers of every answer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
from collections.abc import AsyncGenerator, Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson
from yarl import URL

from voucherify_async._errors import APIConnectionError, VoucherifyError, connection_failure
from voucherify_async._logging import request_fields
from voucherify_async._rate_limit import RateLimitInfo, error_from_response
from voucherify_async._raw_response import raw_capture
from voucherify_async._request_watch import Answer
from voucherify_async._timeout import Timeout

if TYPE_CHECKING:
    from voucherify_async._client import ClientState

__all__ = ["answer_chunks", "connection_error", "send_once"]

logger = logging.getLogger("voucherify_async")


async def send_once(
    state: ClientState,
    method: str,
    url: URL,
    *,
    params: Mapping[str, Any] | None,
    body: bytes | None,
    headers: Mapping[str, str],
    timeout: Timeout,
    streaming: bool,
    attempt: int = 1,
) -> Any:
    """Send a request once and return its decoded JSON answer (``None`` for an empty body).

    Args:
        state: The client's shared state: its session, clock and rate-limit bookkeeping.
        method: The HTTP method.
        url: The absolute URL.
        params: Query parameters (``None`` values are left out).
        body: The serialised body, if any.
        headers: Every header to send.
        timeout: The limits of this attempt.
        streaming: Return the open ``aiohttp.ClientResponse`` of a successful answer instead of reading it;
            ``timeout.total`` then bounds each pause between chunks, not the whole answer.
        attempt: Which attempt of the request this is (from 1), for logs and telemetry.

    Raises:
        APIError: (a subclass per status) the API answered with an error.
        APIConnectionError: no answer; ``request_sent`` says whether the server may have processed it.
    """
    watch = state.watch
    capture = raw_capture()
    if watch.idle and capture is None:
        return await _exchange(state, method, url, params, body, headers, timeout, streaming, attempt, None)
    answer = Answer()
    if capture is not None:
        capture.answer = answer
    if watch.idle:
        return await _exchange(state, method, url, params, body, headers, timeout, streaming, attempt, answer)
    watched = await watch.begin(method, url, params, headers, attempt)
    try:
        result = await _exchange(
            state, method, url, params, body, headers, timeout, streaming, attempt, answer
        )
    except Exception as error:
        await watch.end(watched, answer, error)
        raise
    except BaseException as error:  # cancelled: the span ends, no hook is called
        watch.close(watched, answer, error)
        raise
    await watch.end(watched, answer, None)
    return result


async def _exchange(
    state: ClientState,
    method: str,
    url: URL,
    params: Mapping[str, Any] | None,
    body: bytes | None,
    headers: Mapping[str, str],
    timeout: Timeout,
    streaming: bool,
    attempt: int,
    answer: Answer | None,
) -> Any:
    session = state.sessions.get()
    if streaming:
        limits = aiohttp.ClientTimeout(total=None, connect=timeout.connect, sock_read=timeout.total)
    else:
        limits = aiohttp.ClientTimeout(total=timeout.total, connect=timeout.connect)
    started = state.clock.monotonic()
    sent_at = state.clock.time()
    try:
        response = await session.request(
            method, url, params=_query(params), data=body, headers=dict(headers), timeout=limits,
            allow_redirects=False,
        )  # fmt: skip
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise connection_error(exc, method, url, sent=None) from None
    try:
        state.server_clock.observe(response.headers.get("Date"), sent=sent_at, received=state.clock.time())
        _note_rate_limit(state, response.headers)
        header_request_id = response.headers.get("X-Request-Id")
        if answer is not None:
            answer.status, answer.headers, answer.request_id = (
                response.status,
                response.headers,
                header_request_id,
            )
            answer.elapsed = state.clock.monotonic() - started
        if streaming and response.status < 400:
            elapsed = state.clock.monotonic() - started
            _log_answer(method, url, response.status, elapsed, header_request_id, attempt)
            return response
        try:
            raw = await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise connection_error(exc, method, url, sent=True) from None
    except BaseException:
        response.release()
        raise
    response.release()
    elapsed = state.clock.monotonic() - started
    if answer is not None:
        answer.elapsed = elapsed
    if response.status < 400:
        _log_answer(method, url, response.status, elapsed, header_request_id, attempt)
        return _decode(raw, method, url)
    now = state.server_clock.server_time(state.clock.time())  # a Retry-After date is on the server's clock
    error = error_from_response(response.status, response.headers, raw, header_request_id, now)
    if answer is not None:
        answer.request_id = error.request_id
    _log_answer(method, url, response.status, elapsed, error.request_id, attempt)
    raise error


async def answer_chunks(
    response: aiohttp.ClientResponse, method: str, url: URL
) -> AsyncGenerator[bytes, None]:
    """The body of a streamed answer in chunks; a connection that breaks mid-body raises our error.

    Raises:
        APIConnectionError: the connection broke, or a pause between chunks outlasted the timeout.
    """
    try:
        async for chunk in response.content.iter_chunked(64 * 1024):
            yield chunk
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise connection_error(exc, method, url, sent=True) from None


def connection_error(exc: BaseException, method: str, url: URL, *, sent: bool | None) -> APIConnectionError:
    """Map an aiohttp failure to our error, deciding whether the server may have got the request.

    Args:
        exc: The aiohttp (or timeout) failure.
        method: The HTTP method.
        url: The URL (only its path and host are named: a download URL carries a token in its query).
        sent: Whether the request was surely written (``True``), surely not (``False``), or unknown (``None``:
            counted as sent unless the failure proves the connection was never made).
    """
    never_sent = isinstance(exc, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError))
    return connection_failure(
        method, url.path, f"{url.host}:{url.port}", failure_reason(exc),
        request_sent=False if never_sent else sent is not False,
        timed_out=isinstance(exc, asyncio.TimeoutError),
    )  # fmt: skip


def failure_reason(exc: BaseException) -> str:
    """Why a connection could not be made, in words a person acts on; else the failure's name.

    A refused connection (nothing listens on the port) and a host name that does not resolve are the marks of
    a mistyped base URL; they are worth naming as such.
    """
    cause = getattr(exc, "os_error", None) if isinstance(exc, aiohttp.ClientConnectorError) else None
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, socket.gaierror):
        return f"host name not found ({cause.strerror or cause})"
    dns_error = getattr(aiohttp, "ClientConnectorDNSError", None)  # aiohttp 3.10 and later
    if dns_error is not None and isinstance(exc, dns_error):
        return f"host name not found ({getattr(cause, 'strerror', None) or cause})"
    if isinstance(cause, ssl.SSLError):
        return f"TLS handshake failed ({cause.reason or cause})"
    if isinstance(cause, OSError) and isinstance(cause.errno, int) and cause.errno > 0:
        words = os.strerror(cause.errno)  # its own text is asyncio's "Connect call failed (address)"
        return words[:1].lower() + words[1:]
    return type(exc).__name__


def _note_rate_limit(state: ClientState, headers: Mapping[str, str]) -> None:
    info = RateLimitInfo.from_headers(headers)
    if info is not None:
        state.rate_limit = info
        if info.limit_type:
            state.rate_limits[info.limit_type] = info


def _query(params: Mapping[str, Any] | None) -> dict[str, str | int | float] | None:
    """Drop unset parameters and spell booleans as the API does (aiohttp refuses ``bool`` values)."""
    if not params:
        return None
    query: dict[str, str | int | float] = {}
    for name, value in params.items():
        if value is None:
            continue
        query[name] = ("true" if value else "false") if isinstance(value, bool) else value
    return query


def _log_answer(
    method: str, url: URL, status: int, elapsed: float, request_id: str | None, attempt: int
) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return
    # Only the path: a download URL carries its token in the query string.
    fields = request_fields(method, url, attempt=attempt, status=status, elapsed=elapsed)
    logger.info(
        "%s %s -> %d in %.3f s (request id %s)", method, url.path, status, elapsed, request_id,
        extra={**fields, "request_id": request_id},
    )  # fmt: skip


def _decode(raw: bytes, method: str, url: URL) -> Any:
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise VoucherifyError(f"{method} {url.path} answered with a body that is not JSON.") from None
