"""When to wait and for how long: rate-limit bookkeeping, ``Retry-After``, and the retry policy.

The API reports its budget on every answer (``X-Rate-Limit-Limit``, ``X-Rate-Limit-Remaining``,
``X-Rate-Limit-Retry`` in epoch seconds, ``X-Rate-Limit-Type``), and a 429 adds ``Retry-After`` in seconds.
The transport keeps the last values it saw as a :class:`RateLimitInfo` (``client.rate_limit``), turns error
answers into errors carrying those waits (:func:`error_from_response`), and asks :class:`RetryPolicy` whether
and how long to wait before trying again.
"""

from __future__ import annotations

import email.utils
import math
import random
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from attrs import Attribute, field, frozen

from voucherify_async._errors import (
    APIConnectionError,
    APIError,
    InvalidArgumentError,
    RateLimitError,
    VoucherifyError,
    error_for_status,
)

__all__ = [
    "API_CALLS",
    "BULK_API_CALLS",
    "DEFAULT_MAX_RETRIES",
    "LIMIT_WINDOWS",
    "RateLimitInfo",
    "RetryPolicy",
    "error_from_response",
    "parse_retry_after",
    "requested_wait",
    "spent_budget_wait",
    "wait_until_reset",
]

DEFAULT_MAX_RETRIES = 3
"""Retries after the first attempt, so a request is tried at most four times by default."""

API_CALLS = "api_calls"
"""The ``X-Rate-Limit-Type`` of the general budget, which every API call spends (bulk calls too)."""

BULK_API_CALLS = "bulk_api_calls"
"""The ``X-Rate-Limit-Type`` of the bulk budget, which order imports and exports spend."""

LIMIT_WINDOWS: Mapping[str, float] = {API_CALLS: 3600.0, BULK_API_CALLS: 3600.0}
"""The longest window of each limit type, in seconds: general calls are counted per minute or per hour (the
Sandbox project's), bulk calls per hour. No wait for a window's reset is ever longer than its window, whatever
the clocks say."""


def wait_until_reset(reset_at: float, now: float, limit_type: str | None) -> float | None:
    """Seconds until a window resets at ``reset_at`` (``X-Rate-Limit-Retry``), at most the window's length.

    Args:
        reset_at: Epoch seconds on the server's clock.
        now: The current time on the server's clock (see ``client.clock_offset``).
        limit_type: The ``X-Rate-Limit-Type``, for the cap of :data:`LIMIT_WINDOWS`.

    Returns:
        The wait, or ``None`` when the reset is not in the future: then the window is already renewed as
        far as we can tell, and the caller backs off instead of sending again at once.
    """
    wait = reset_at - now
    if not wait > 0:
        return None
    window = LIMIT_WINDOWS.get(limit_type or "")
    return wait if window is None else min(wait, window)


def requested_wait(error: APIError, now: float) -> float | None:
    """The wait a refusal asks for: ``Retry-After``, or on a 429 without it ``X-Rate-Limit-Retry``.

    One rule for the transport's retries and the import batcher's: a wait that is zero or negative (a
    gateway's bare ``Retry-After: 0``, a reset already past on a skewed clock) asks for nothing, and the
    caller backs off instead, so a refusal repeated at once can never become a tight loop.

    Args:
        error: The refusal (a 429, or a 503 naming its wait).
        now: The current time on the server's clock.

    Returns:
        Seconds to wait, or ``None`` when the refusal names no positive wait.
    """
    if error.retry_after is not None and error.retry_after > 0:
        return error.retry_after  # relative: no clock enters it
    if isinstance(error, RateLimitError) and error.retry_after is None and error.reset_at is not None:
        return wait_until_reset(error.reset_at, now, error.limit_type)
    return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@frozen
class RateLimitInfo:
    """The rate-limit budget as the last answer of the API reported it.

    Attributes:
        limit: How many calls the current window allows (``X-Rate-Limit-Limit``).
        remaining: How many calls are left in the window (``X-Rate-Limit-Remaining``).
        reset_at: Epoch seconds when the window is renewed (``X-Rate-Limit-Retry``).
        limit_type: Which budget this is: ``api_calls``, ``bulk_api_calls`` or ``api_calls_cycle``
            (``X-Rate-Limit-Type``).

    Example:
        >>> info = client.rate_limit
        >>> if info.remaining == 0 and info.reset_at:
        ...     print(f"budget exhausted until {info.reset_at}")
    """

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    limit_type: str | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitInfo | None:
        """Read the ``X-Rate-Limit-*`` headers; ``None`` when the answer carries none of them."""
        limit = _number(_header(headers, "X-Rate-Limit-Limit"))
        remaining = _number(_header(headers, "X-Rate-Limit-Remaining"))
        reset_at = _number(_header(headers, "X-Rate-Limit-Retry"))
        limit_type = _header(headers, "X-Rate-Limit-Type")
        if limit is None and remaining is None and reset_at is None and limit_type is None:
            return None
        return cls(
            limit=None if limit is None else int(limit),
            remaining=None if remaining is None else int(remaining),
            reset_at=reset_at,
            limit_type=limit_type,
        )

    def seconds_until_reset(self, now: float) -> float | None:
        """Seconds from ``now`` (epoch) until the window is renewed, or ``None`` when unknown."""
        if self.reset_at is None:
            return None
        return max(0.0, self.reset_at - now)


def spent_budget_wait(budgets: Mapping[str, RateLimitInfo], now: float) -> float:
    """Seconds until the general budget's window resets, when the last answer said it is spent; else 0.

    Every API call counts against ``api_calls``. Once an answer reported ``X-Rate-Limit-Remaining: 0``, a
    request sent before ``X-Rate-Limit-Retry`` only earns a 429 and spends a call of the next window's
    budget on nothing; the transport waits this long first, which is what a retry of the 429 would do.

    Args:
        budgets: The last seen budget of each limit type (``client.rate_limits``).
        now: The current epoch time.
    """
    budget = budgets.get(API_CALLS)
    if budget is None or budget.remaining != 0 or budget.reset_at is None:
        return 0.0
    return wait_until_reset(budget.reset_at, now, API_CALLS) or 0.0


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header (delay in seconds or an HTTP date).

    Args:
        value: The header's value, or ``None`` when absent.
        now: The current epoch time, to turn an HTTP date into a delay.

    Returns:
        The delay in seconds (never negative), or ``None`` when the header is absent or unreadable.
    """
    if value is None or not value.strip():
        return None
    seconds = _number(value.strip())
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def error_from_response(
    status: int, headers: Mapping[str, str], raw: bytes, request_id: str | None, now: float
) -> APIError:
    """Build the error for an HTTP error answer from its status, headers and raw body.

    Args:
        status: The HTTP status (>= 400).
        headers: The answer's headers (``Retry-After`` and ``X-Rate-Limit-*`` are read).
        raw: The raw body: normally the API's Error object as JSON, but a gateway may send HTML or nothing.
        request_id: The request id from the headers, used when the body names none.
        now: The current epoch time, to read a ``Retry-After`` given as an HTTP date.
    """
    try:
        decoded = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        decoded = None
    body = decoded if isinstance(decoded, dict) else None
    text = None if body is not None else raw.decode("utf-8", "replace")
    error_class = error_for_status(status)
    retry_after = parse_retry_after(headers.get("Retry-After"), now)
    if error_class is RateLimitError:
        info = RateLimitInfo.from_headers(headers) or RateLimitInfo()
        return RateLimitError(
            status, body, request_id=request_id, text=text, retry_after=retry_after,
            limit_type=info.limit_type, reset_at=info.reset_at,
        )  # fmt: skip
    # A 503 may also name its wait; the retry loop honours it like a 429's.
    return error_class(status, body, request_id=request_id, text=text, retry_after=retry_after)


def _not_negative(_: object, attribute: Attribute[Any], value: object) -> None:
    if value is None and attribute.name == "max_wait":
        return
    whole = attribute.name == "max_retries"
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not value >= 0:
        what = "a whole number" if whole else "a number of seconds"
        raise InvalidArgumentError(f"RetryPolicy.{attribute.name} must be {what} >= 0, got {value!r}")


@frozen
class RetryPolicy:
    """The retry rules, as data, in one place.

    - Retried: connection failures, and the statuses 408, 429, 502, 503 and 504, up to ``max_retries`` times
      (3 by default) with capped exponential backoff and full jitter. A ``Retry-After`` header (or, on a 429
      without it, ``X-Rate-Limit-Retry``) is honoured exactly, however long: a bulk budget of one call an hour
      makes a 429 asking for most of an hour normal. ``X-Rate-Limit-Retry`` is read on the server's clock
      (``client.clock_offset``) and never waited on for longer than its window; a wait of zero or less (a
      gateway's ``Retry-After: 0``) falls back to backoff.
    - Never retried: any other 4xx; they would fail the same way again.
    - A non-idempotent request (POST) is resent only when the failure proves the server did not process
      it: the connection could not be made, or the answer is 408, 429 or 503. A POST whose connection broke
      after the request was written, or that timed out waiting for the answer, raises
      ``APIConnectionError(request_sent=True)``, and a 502/504 raises :class:`~voucherify_async.ServerError`:
      an order import may have been accepted, and sending it again could import it twice. Pass
      ``idempotent=True`` for a POST that is safe to repeat.

    Attributes:
        max_retries: Retries after the first attempt.
        initial_delay: The cap of the first backoff; each further retry doubles it.
        max_delay: The cap of every backoff (full jitter draws a wait between zero and the cap).
        retry_statuses: Statuses retried for idempotent requests.
        unprocessed_statuses: Statuses that prove the server did not process the request, retried for any
            method.
        max_wait: The longest server-requested wait (``Retry-After``) to honour; a longer one raises the
            :class:`~voucherify_async.RateLimitError` at once. ``None`` honours any wait.

    Raises:
        InvalidArgumentError: a count or a number of seconds is negative (or not a number).

    Example:
        >>> # A web handler that would rather fail than wait for the next hour's bulk budget:
        >>> policy = vf.RetryPolicy(max_retries=2, max_wait=10.0)
        >>> client = vf.AsyncVoucherify(app_id="...", app_token="...", retry_policy=policy)
    """

    max_retries: int = field(default=DEFAULT_MAX_RETRIES, validator=_not_negative)
    initial_delay: float = field(default=0.5, validator=_not_negative)
    max_delay: float = field(default=30.0, validator=_not_negative)
    retry_statuses: frozenset[int] = frozenset({408, 429, 502, 503, 504})
    unprocessed_statuses: frozenset[int] = frozenset({408, 429, 503})
    max_wait: float | None = field(default=None, validator=_not_negative)

    def backoff(self, retry_number: int, draw: Callable[[], float] = random.random) -> float:
        """The jittered wait before retry number ``retry_number`` (0-based) when the server named none."""
        cap = min(self.max_delay, self.initial_delay * 2.0**retry_number)
        return cap * draw()

    def may_retry(self, error: VoucherifyError, *, idempotent: bool) -> bool:
        """Whether ``error`` may be retried for a request of this kind (ignoring the retry count)."""
        if isinstance(error, APIConnectionError):
            return idempotent or not error.request_sent
        if isinstance(error, APIError):
            statuses = self.retry_statuses if idempotent else self.unprocessed_statuses
            return error.status in statuses
        return False

    def delay(
        self,
        error: VoucherifyError,
        retry_number: int,
        *,
        now: float,
        draw: Callable[[], float] = random.random,
    ) -> float | None:
        """Seconds to wait before retry number ``retry_number`` (0-based) after ``error``.

        A wait the server asked for is returned exactly; ``None`` means it is longer than ``max_wait``.
        A wait of zero or less falls back to backoff (:func:`requested_wait`), and no wait for a window's
        reset is longer than the window (:data:`LIMIT_WINDOWS`). ``now`` is on the server's clock.
        """
        wait = requested_wait(error, now) if isinstance(error, APIError) else None
        if wait is None:
            return self.backoff(retry_number, draw)
        if self.max_wait is not None and wait > self.max_wait:
            return None
        return wait
