"""The one place where HTTP happens.

Every request of the SDK goes through :meth:`Transport.request` (or :meth:`Transport.stream` for downloads):
auth headers, orjson (de)serialisation, timeouts, retries with backoff, error mapping, rate-limit bookkeeping
and logging. Resources only say which method, path and body. Each attempt is one exchange made by
``_attempt.send_once`` (aiohttp, the answer read and mapped to a result or an error); this module decides
what to send, with which credentials, and whether and when to try again.

Retries follow :class:`~voucherify_async.RetryPolicy` (see its docstring for the rule on requests that are not
safe to resend, such as an order import). A request waits for the general budget's window first when the
last answer said it is spent (``spent_budget_wait`` in ``_rate_limit``). A wait never outlasts the caller's
deadline (an enclosing anyio cancel scope): when it would, the error that caused it is raised at once instead
of sleeping into a cancellation.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp
import anyio
from attrs import evolve
from yarl import URL

from voucherify_async._attempt import answer_chunks, send_once
from voucherify_async._auth import Auth, OAuthCredentials
from voucherify_async._clock import Clock
from voucherify_async._errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    RateLimitError,
    VoucherifyError,
)
from voucherify_async._logging import request_fields
from voucherify_async._rate_limit import DEFAULT_MAX_RETRIES, RateLimitInfo, RetryPolicy, spent_budget_wait
from voucherify_async._server_clock import ServerClock
from voucherify_async._timeout import Timeout
from voucherify_async.models import to_json

if TYPE_CHECKING:
    from voucherify_async._client import ClientState

__all__ = ["DEFAULT_MAX_RETRIES", "RetryPolicy", "Timeout", "Transport"]


logger = logging.getLogger("voucherify_async")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class Transport:
    """Sends requests to the API: the only user of aiohttp in the SDK.

    Resources call :meth:`request`; users reach it as ``client._transport`` only for endpoints the SDK does
    not wrap yet.
    """

    def __init__(
        self,
        state: ClientState,
        *,
        timeout: Timeout | float | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        self._shared = state
        self.timeout = Timeout() if timeout is None else Timeout.coerce(timeout)
        self.retry_policy = retry_policy or RetryPolicy()

    @property
    def clock(self) -> Clock:
        """The clock every wait of this client goes through."""
        return self._shared.clock

    @property
    def server_clock(self) -> ServerClock:
        """How far the server's clock is from ours (shared with ``with_options`` copies)."""
        return self._shared.server_clock

    def server_now(self) -> float:
        """The current time on the server's clock (ours moved by the offset the ``Date`` headers show)."""
        return self._shared.server_clock.server_time(self._shared.clock.time())

    @property
    def base_url(self) -> str:
        """The API's base URL, e.g. ``https://api.voucherify.io``."""
        return str(self._shared.base_url)

    @property
    def download_url(self) -> str | None:
        """Where export files are served from, when known."""
        url = self._shared.download_url
        return None if url is None else str(url)

    @property
    def rate_limit(self) -> RateLimitInfo:
        """The rate-limit budget as the last answer reported it."""
        return self._shared.rate_limit

    @property
    def rate_limits(self) -> Mapping[str, RateLimitInfo]:
        """The last seen budget of each limit type (``api_calls``, ``bulk_api_calls``...)."""
        return MappingProxyType(self._shared.rate_limits)

    def budgets(self) -> tuple[RateLimitInfo, ...]:
        """Every budget last seen: one per limit type, and the last answer's when it named no type."""
        last = self._shared.rate_limit
        untyped = () if last.limit_type else (last,)
        return (*self._shared.rate_limits.values(), *untyped)

    @property
    def auth(self) -> Auth | None:
        """How requests are authenticated (shared with ``with_options`` copies)."""
        return self._shared.auth

    def with_options(
        self, *, timeout: Timeout | float | None = None, max_retries: int | None = None
    ) -> Transport:
        """A copy with other defaults, sharing the session, auth and rate-limit state."""
        copy = object.__new__(Transport)
        copy._shared = self._shared
        copy.timeout = self.timeout if timeout is None else Timeout.coerce(timeout)
        copy.retry_policy = (
            self.retry_policy if max_retries is None else evolve(self.retry_policy, max_retries=max_retries)
        )
        return copy

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        timeout: Timeout | float | None = None,  # noqa: ASYNC109 (aiohttp's per-request limits)
        max_retries: int | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send a request and return its decoded JSON answer (``None`` for an empty body).

        Args:
            method: The HTTP method.
            path: A path on the base URL, e.g. ``"/v1/orders"``, as URL text: percent-escapes are kept, so
                quote ids with ``urllib.parse.quote(id, safe="")``.
            params: Query parameters.
            json: A body to serialise with orjson; models and datetimes inside it go out as ``to_wire``
                writes them (``models.json_default``).
            content: A body already serialised as JSON (the batcher serialises each order once).
            timeout: This call's timeout instead of the client's.
            max_retries: This call's retry count instead of the client's.
            idempotent: Whether resending is safe; by default only for GET, HEAD, OPTIONS, PUT and DELETE.

        Raises:
            APIError: (a subclass per status) the API answered with an error.
            APIConnectionError: no answer; ``request_sent`` says whether the server may have processed it.
            InvalidArgumentError: ``json`` holds something that cannot be written as JSON (nothing was sent).
        """
        if content is None and json is not None:
            content = to_json(json)
        body = content
        return await self._call(
            method.upper(),
            self._url(path),
            params=params,
            body=body,
            content_type="application/json" if body is not None else None,
            timeout=self.timeout if timeout is None else Timeout.coerce(timeout),
            max_retries=self.retry_policy.max_retries if max_retries is None else max_retries,
            idempotent=method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent,
        )

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        timeout: Timeout | float | None = None,  # noqa: ASYNC109 (aiohttp's per-request limits)
        authenticate: bool = True,
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        """Open a streamed answer (an export's CSV) and yield an iterator over its chunks.

        Failures before the body starts are retried like any GET; a connection that breaks mid-body raises
        :class:`~voucherify_async.APIConnectionError`.

        Args:
            method: The HTTP method (``GET``).
            url: A path on the base URL, or an absolute URL (an export's download URL).
            params: Query parameters.
            timeout: ``total`` bounds each pause between chunks here, not the whole download.
            authenticate: Send the client's credentials; they only ever go to the API's own host.
        """
        target = self._url(url)
        if authenticate and target.origin() != self._shared.base_url.origin():
            raise VoucherifyError(f"Refusing to send credentials to {target.origin()}, not the API's host.")
        limits = self.timeout if timeout is None else Timeout.coerce(timeout)
        response = await self._call(
            method.upper(),
            target,
            params=params,
            body=None,
            content_type=None,
            timeout=limits,
            max_retries=self.retry_policy.max_retries,
            idempotent=True,
            authenticate=authenticate,
            streaming=True,
        )
        assert isinstance(response, aiohttp.ClientResponse)
        chunks = answer_chunks(response, method.upper(), target)
        try:
            yield chunks
        finally:
            await chunks.aclose()
            response.release()

    def _url(self, path_or_url: str) -> URL:
        # A path is URL text, like an absolute URL: percent-escapes are kept, so an id quoted with
        # quote(id, safe="") stays one path segment even when it holds "/" or "?". encoded=True: yarl would
        # decode "%2E" and drop "." and ".." segments (RFC 3986 normalisation), so ids "." and ".." (sent
        # as "%2E" by resources._paths) would name another path.
        if URL(path_or_url).is_absolute():
            return URL(path_or_url)
        return URL(f"{str(self._shared.base_url).rstrip('/')}/{path_or_url.lstrip('/')}", encoded=True)

    async def _call(
        self,
        method: str,
        url: URL,
        *,
        params: Mapping[str, Any] | None,
        body: bytes | None,
        content_type: str | None,
        timeout: Timeout,  # noqa: ASYNC109 (aiohttp's per-request limits)
        max_retries: int,
        idempotent: bool,
        authenticate: bool | Mapping[str, str] = True,
        streaming: bool = False,
    ) -> Any:
        retries = attempt = 0
        renewed_credentials = False
        if authenticate is True:
            await self._wait_for_spent_budget(method, url)
        while True:
            headers = dict(self._shared.headers)
            if content_type:
                headers["Content-Type"] = content_type
            auth_headers = await self._auth_headers(authenticate)
            headers.update(auth_headers)
            attempt += 1
            try:
                return await send_once(
                    self._shared, method, url, params=params, body=body, headers=headers, timeout=timeout,
                    streaming=streaming, attempt=attempt,
                )  # fmt: skip
            except AuthenticationError:
                auth = self._shared.auth
                if authenticate is not True or auth is None or renewed_credentials:
                    raise
                if not auth.invalidate(auth_headers):
                    raise
                renewed_credentials = True
                logger.debug(
                    "%s %s: credentials refused (401), renewing them once", method, url.path,
                    extra=request_fields(method, url, attempt=attempt, status=401),
                )  # fmt: skip
            except (APIError, APIConnectionError) as error:
                if retries >= max_retries or not self.retry_policy.may_retry(error, idempotent=idempotent):
                    raise
                fields = request_fields(
                    method, url, attempt=attempt, status=getattr(error, "status", None),
                    request_id=getattr(error, "request_id", None), error=type(error).__name__,
                    limit_type=getattr(error, "limit_type", None),
                )  # fmt: skip
                delay = self._retry_delay(error, retries, fields)
                self._check_deadline(delay, error, fields)
                logger.debug(
                    "%s %s failed (%s); retry %d of %d in %.3f s", method, url.path, error, retries + 1,
                    max_retries, delay, extra={**fields, "wait": delay, "retry": retries + 1,
                    "max_retries": max_retries},
                )  # fmt: skip
                watch = self._shared.watch
                if not watch.idle:
                    watch.retried(method, str(fields["route"]), error)
                    if isinstance(error, RateLimitError):
                        watch.waited(delay, error.limit_type, "retry_after")
                await self._shared.clock.sleep(delay)
                retries += 1

    async def _auth_headers(self, authenticate: bool | Mapping[str, str]) -> Mapping[str, str]:
        if not isinstance(authenticate, bool):
            return authenticate
        if not authenticate or self._shared.auth is None:
            return {}
        return await self._shared.auth.headers(self._fetch_token)

    async def _fetch_token(self, credentials: OAuthCredentials) -> Any:
        form = urlencode({"grant_type": "client_credentials", "scope": " ".join(credentials.scopes)})
        return await self._call(
            "POST",
            self._url("/v1/oauth/token"),
            params=None,
            body=form.encode(),
            content_type="application/x-www-form-urlencoded",
            timeout=self.timeout,
            max_retries=self.retry_policy.max_retries,
            # Asking for another token has no lasting effect, so resending is safe.
            idempotent=True,
            authenticate={"X-App-Id": credentials.app_id, "X-App-Token": credentials.app_token},
        )

    async def _wait_for_spent_budget(self, method: str, url: URL) -> None:
        wait = spent_budget_wait(self._shared.rate_limits, self.server_now())
        max_wait = self.retry_policy.max_wait
        if not wait or (max_wait is not None and wait > max_wait):
            return
        if anyio.current_time() + wait >= anyio.current_effective_deadline():
            return  # Sent anyway: its 429 is raised as usual, instead of a sleep into a cancellation.
        logger.debug(
            "%s %s: the api_calls budget is spent; waiting %.3f s for its window", method, url.path, wait,
            extra=request_fields(method, url, attempt=1, wait=wait, limit_type="api_calls"),
        )  # fmt: skip
        if not self._shared.watch.idle:
            self._shared.watch.waited(wait, "api_calls", "spent_budget")
        await self._shared.clock.sleep(wait)

    def _retry_delay(self, error: VoucherifyError, retries: int, fields: dict[str, object]) -> float:
        delay = self.retry_policy.delay(error, retries, now=self.server_now(), draw=self._shared.draw)
        if delay is None:
            logger.warning("%s: the wait asked for is longer than RetryPolicy.max_wait", error, extra=fields)
            raise error
        return delay

    def _check_deadline(self, delay: float, error: VoucherifyError, fields: dict[str, object]) -> None:
        deadline = anyio.current_effective_deadline()
        if math.isfinite(deadline) and anyio.current_time() + delay >= deadline:
            logger.warning(
                "not waiting %.3f s to retry: the caller's deadline comes first", delay,
                extra={**fields, "wait": delay},
            )  # fmt: skip
            raise error
