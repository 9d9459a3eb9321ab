"""The client: ``vf.AsyncVoucherify``, its options, its aiohttp session and its resources.

Example:
    >>> async with vf.AsyncVoucherify(app_id="...", app_token="...", cluster="api") as client:
    ...     order = await client.orders.get("o-1")
"""

from __future__ import annotations

import platform
import random
import warnings
from collections.abc import Callable, Mapping
from types import TracebackType

import aiohttp
from attrs import define, evolve, field
from yarl import URL

from voucherify_async._auth import AppKeys, Auth, BearerToken, OAuthCredentials, OAuthTokenProvider
from voucherify_async._clock import DEFAULT_CLOCK, Clock
from voucherify_async._environment import (
    ENV_ACCESS_TOKEN,
    ENV_APP_ID,
    ENV_APP_TOKEN,
    ENV_BASE_URL,
    ENV_CLUSTER,
    ENV_OAUTH_SCOPES,
    EnvironmentSettings,
    read_environment,
)
from voucherify_async._errors import InvalidArgumentError, VoucherifyError
from voucherify_async._rate_limit import RateLimitInfo, RetryPolicy
from voucherify_async._request_events import EventHooks
from voucherify_async._request_watch import RequestWatch
from voucherify_async._server_clock import ServerClock
from voucherify_async._timeout import Timeout
from voucherify_async._transport import Transport
from voucherify_async._version import __version__
from voucherify_async.resources.async_actions import AsyncActions
from voucherify_async.resources.exports import Exports
from voucherify_async.resources.orders import Orders
from voucherify_async.resources.raw_responses import WithRawResponse

__all__ = ["AsyncVoucherify", "ClientState", "SessionHolder"]


class SessionHolder:
    """The aiohttp session of a client and its ``with_options`` copies.

    A session is created on first use, inside the running event loop (aiohttp binds it to that loop), unless
    the user passed one in; a user's session is used as is and never closed by the SDK.
    """

    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self._session = session
        self.owned = session is None
        self.closed = False

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The session, or ``None`` before the first request."""
        return self._session

    def get(self) -> aiohttp.ClientSession:
        """Return the session, creating it in the running loop on first use."""
        if self.closed:
            raise VoucherifyError("The client is closed; create a new AsyncVoucherify.")
        if self._session is None:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))
        elif self._session.closed:
            raise VoucherifyError(
                "The aiohttp session given to AsyncVoucherify was closed; pass an open one."
            )
        return self._session

    async def aclose(self) -> None:
        """Close the session if the SDK created it (a user's session stays open)."""
        self.closed = True
        if self.owned and self._session is not None and not self._session.closed:
            await self._session.close()

    def __del__(self) -> None:
        session = getattr(self, "_session", None)
        if getattr(self, "owned", False) and session is not None and not session.closed:
            warnings.warn(
                "An AsyncVoucherify client was not closed: use `async with AsyncVoucherify(...)` or "
                "`await client.aclose()`.",
                ResourceWarning,
                stacklevel=2,
            )


@define
class ClientState:
    """What a client and its ``with_options`` copies share, and what its transport works with."""

    sessions: SessionHolder
    auth: Auth | None
    clock: Clock
    base_url: URL
    download_url: URL | None
    headers: dict[str, str]
    """Sent with every request: ``User-Agent``, ``X-Voucherify-Channel``, ``Accept``."""
    rate_limit: RateLimitInfo = field(factory=RateLimitInfo)
    rate_limits: dict[str, RateLimitInfo] = field(factory=dict)
    server_clock: ServerClock = field(factory=ServerClock)
    """How far the server's clock is from ours, from the ``Date`` header of every answer."""
    draw: Callable[[], float] = random.random
    """Draws the jitter of backoff waits (a fixed function in tests)."""
    watch: RequestWatch = field(factory=RequestWatch)
    """The event hooks and the OpenTelemetry instruments every attempt goes past."""


def _default_headers(channel: str) -> dict[str, str]:
    python, aiohttp_version = platform.python_version(), aiohttp.__version__
    return {
        "User-Agent": f"voucherify-async/{__version__} (Python {python}; aiohttp {aiohttp_version})",
        "X-Voucherify-Channel": channel,
        "Accept": "application/json",
    }


def _pick_auth(
    app_id: str | None,
    app_token: str | None,
    access_token: str | None,
    oauth: OAuthCredentials | None,
    clock: Clock,
) -> Auth:
    if app_id is None and app_token is None and access_token is None and oauth is None:
        return _auth_from_environment(read_environment(), clock)
    chosen = sum(x is not None for x in (access_token, oauth)) + (app_id is not None or app_token is not None)
    if chosen != 1:
        raise InvalidArgumentError(
            "Pass exactly one way to authenticate: app_id and app_token, access_token, or oauth."
        )
    if oauth is not None:
        return OAuthTokenProvider(oauth, clock)
    if access_token is not None:
        if not access_token.strip():
            raise InvalidArgumentError("access_token is empty.")
        return BearerToken(access_token)
    if not app_id or not app_token:
        raise InvalidArgumentError(
            "Both app_id and app_token are needed (the project's application keys); the VOUCHERIFY_* "
            "variables are not read when credentials are passed."
        )
    return AppKeys(app_id, app_token)


def _auth_from_environment(env: EnvironmentSettings, clock: Clock) -> Auth:
    """App keys, OAuth with ``VOUCHERIFY_OAUTH_SCOPES``, or ``VOUCHERIFY_ACCESS_TOKEN``; one of them only."""
    keys = env.app_id is not None or env.app_token is not None
    if env.access_token is not None:
        if keys or env.oauth_scopes is not None:
            raise InvalidArgumentError(
                f"{ENV_ACCESS_TOKEN} and {ENV_APP_ID}/{ENV_APP_TOKEN} are both set: unset one of them."
            )
        return BearerToken(env.access_token)
    if not keys:
        raise InvalidArgumentError(
            "No credentials: pass app_id and app_token (or access_token=, or oauth=), or set "
            f"{ENV_APP_ID} and {ENV_APP_TOKEN} (or {ENV_ACCESS_TOKEN}) in the environment."
        )
    if env.app_id is None or env.app_token is None:
        given, missing = (ENV_APP_ID, ENV_APP_TOKEN) if env.app_token is None else (ENV_APP_TOKEN, ENV_APP_ID)
        raise InvalidArgumentError(f"{given} is set but {missing} is not: set both.")
    if env.oauth_scopes is None:
        return AppKeys(env.app_id, env.app_token)
    if not env.oauth_scopes:
        raise InvalidArgumentError(f"{ENV_OAUTH_SCOPES} names no scope (separate scopes by spaces or commas)")
    return OAuthTokenProvider(OAuthCredentials(env.app_id, env.app_token, scopes=env.oauth_scopes), clock)


def _cluster_urls(cluster: str, name: str = "cluster") -> tuple[str, str]:
    """The API and download base URLs of a cluster: ``api`` (EU), ``us1.api``, ``as1.api``...

    The cluster's whole host name (``us1.api.voucherify.io``) is taken too.
    """
    host = cluster.strip().strip(".")
    if host.lower().endswith(".voucherify.io"):
        host = host[: -len(".voucherify.io")]
    if not host or "/" in host or ":" in host:
        where = "" if name == "cluster" else f" in {name}"
        raise InvalidArgumentError(
            f"Not a Voucherify cluster{where}: {cluster!r} (try 'api', 'us1.api' or 'as1.api', or pass "
            "base_url=)."
        )
    prefix = host.removesuffix("api").rstrip(".")
    download = f"{prefix}.download" if prefix else "download"
    return f"https://{host}.voucherify.io", f"https://{download}.voucherify.io"


def absolute_url(name: str, value: str) -> URL:
    """Check a base URL given as ``name`` (an argument, a flag or a variable): absolute http(s), no userinfo.

    A user name or password in the URL would show in ``repr(client)``, ``base_url``, ``project_key`` and the
    command line's resume hint, and aiohttp would send it as Basic auth: it is refused, and never echoed.

    Raises:
        InvalidArgumentError: the value is not such a URL.
    """
    shown = "a value holding '@' (not shown)" if "@" in value else repr(value)
    try:
        url: URL | None = URL(value.strip().rstrip("/"))
    except ValueError:  # yarl's words may quote the value
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise InvalidArgumentError(
            f"{name} must be an absolute http(s) URL such as 'http://127.0.0.1:8080', got {shown}"
        )
    if "@" in url.raw_authority:
        raise InvalidArgumentError(
            f"{name} must not hold a user name or password (as in 'http://user:password@host'): Voucherify "
            "takes app keys or an OAuth token as credentials; pass those, and the URL without them: "
            f"{str(url.with_user(None))!r}"
        )
    return url


def _api_urls(
    cluster: str | None, base_url: str | None, download_base_url: str | None
) -> tuple[URL, URL | None]:
    """The API's and the download host's URLs; without ``cluster`` and ``base_url``, the environment's."""
    names = ("cluster", "base_url")
    if cluster is None and not base_url:
        env = read_environment()
        cluster, base_url, names = env.cluster, env.base_url, (ENV_CLUSTER, ENV_BASE_URL)
    cluster_url, cluster_download = _cluster_urls("api" if cluster is None else cluster, names[0])
    # A custom base URL (the emulator, a dedicated host) has no known download host: exports name theirs.
    download = download_base_url or (None if base_url else cluster_download)
    api_url = absolute_url(names[1], base_url) if base_url else URL(cluster_url)
    return api_url, absolute_url("download_base_url", download) if download else None


class AsyncVoucherify:
    """An asyncio client of Voucherify's Orders, Async Actions and Exports API.

    Use it as an async context manager (or call :meth:`aclose`): its aiohttp session is created inside the
    running event loop on first use and closed on exit. A session passed in is used and never closed here.

    Without credentials, the client takes them from the environment: ``VOUCHERIFY_APP_ID`` and
    ``VOUCHERIFY_APP_TOKEN`` (exchanged for OAuth tokens when ``VOUCHERIFY_OAUTH_SCOPES`` names scopes), or
    ``VOUCHERIFY_ACCESS_TOKEN``; without ``cluster`` and ``base_url``, it takes ``VOUCHERIFY_CLUSTER`` and
    ``VOUCHERIFY_BASE_URL``. Arguments of a kind suppress the environment for that kind entirely: with
    ``app_id=`` passed, ``VOUCHERIFY_APP_TOKEN`` is not read (pass both), and with ``cluster=`` passed,
    ``VOUCHERIFY_BASE_URL`` is not.

    Args:
        app_id: The project's application id (``X-App-Id``).
        app_token: The project's application token (``X-App-Token``).
        cluster: The API cluster: ``"api"`` (Europe, the default), ``"us1.api"``, ``"as1.api"`` or a
            dedicated one.
        base_url: The API's base URL instead of the cluster's, e.g. the emulator's ``emu.url``; it may not
            hold a user name or password.
        access_token: A static OAuth access token instead of app keys (not renewed).
        oauth: OAuth client credentials and scopes; tokens are fetched and renewed before they expire.
        timeout: Seconds (or a :class:`Timeout`) for each request; ``None`` keeps the defaults (60 s in
            all, 10 s to connect), below the 3-minute cut of the API's load balancer; ``vf.Timeout(None)``
            sets no total limit. One call takes its own as ``timeout=`` (every resource method), a group of
            calls through :meth:`with_options`.
        max_retries: Retries after a failed attempt (3 by default, see :class:`RetryPolicy`).
        retry_policy: The whole retry policy instead of the default one.
        session: An aiohttp session to use (the caller closes it).
        clock: The clock every wait goes through (a :class:`ManualClock` in tests).
        channel: The ``X-Voucherify-Channel`` header, telling Voucherify which integration calls.
        download_base_url: Where export files are served from; by default the cluster's download host.
        event_hooks: ``{"request": [...], "response": [...]}``: functions (or coroutine functions) called with
            a :class:`RequestEvent` before each attempt of a request is sent and after it ended; a hook that
            raises is logged once and never breaks the request.
        tracer_provider: The OpenTelemetry ``TracerProvider`` of the client's spans (a span per attempt of a
            request; the import batcher's spans too); by default the global one. Tracing needs the extra
            ``voucherify-async[otel]``: without ``opentelemetry-api`` the client records nothing.
        meter_provider: The OpenTelemetry ``MeterProvider`` of the client's metrics; by default the global
            one.

    Raises:
        InvalidArgumentError: not exactly one way to authenticate (in the arguments, or else in the
            environment), or a malformed cluster, URL or timeout.

    Example:
        >>> async with vf.AsyncVoucherify() as client:  # credentials from VOUCHERIFY_APP_ID/_APP_TOKEN
        ...     order = await client.orders.get("o-1")
        >>> async with vf.AsyncVoucherify(app_id="...", app_token="...") as client:
        ...     action_id = await client.orders.import_orders(orders)
        ...     action = await client.async_actions.wait(action_id)
        >>> client = vf.AsyncVoucherify(event_hooks={"response": [lambda event: print(event.status)]})
    """

    def __init__(
        self,
        app_id: str | None = None,
        app_token: str | None = None,
        *,
        cluster: str | None = None,
        base_url: str | None = None,
        access_token: str | None = None,
        oauth: OAuthCredentials | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        clock: Clock | None = None,
        channel: str = "voucherify-async",
        download_base_url: str | None = None,
        event_hooks: EventHooks | None = None,
        tracer_provider: object | None = None,
        meter_provider: object | None = None,
    ) -> None:
        clock = clock or DEFAULT_CLOCK
        watch = RequestWatch(event_hooks, tracer_provider=tracer_provider, meter_provider=meter_provider)
        auth = _pick_auth(app_id, app_token, access_token, oauth, clock)
        api_url, download_url = _api_urls(cluster, base_url, download_base_url)
        policy = retry_policy or RetryPolicy()
        if max_retries is not None:
            policy = evolve(policy, max_retries=max_retries)
        state = ClientState(
            sessions=SessionHolder(session),
            auth=auth,
            clock=clock,
            base_url=api_url,
            download_url=download_url,
            headers=_default_headers(channel),
            watch=watch,
        )
        self._sessions = state.sessions
        self._owner = True
        self._transport = Transport(state, timeout=timeout, retry_policy=policy)
        self._attach_resources()

    def _attach_resources(self) -> None:
        self.orders = Orders(self._transport)
        """Orders: create, get, update, list, iterate, import_orders, export."""
        self.async_actions = AsyncActions(self._transport)
        """Async actions: get, list, iterate, wait."""
        self.exports = Exports(self._transport)
        """Exports: get, wait, download, rows."""
        self.with_raw_response = WithRawResponse(self.orders, self.async_actions, self.exports)
        """The same calls, returning :class:`RawResponse` (status, headers, request id) around their result.

        Example:
            >>> raw = await client.with_raw_response.orders.get("o-1")
            >>> print(raw.status, raw.request_id, raw.headers.get("X-Rate-Limit-Remaining"))
            >>> order = raw.parsed
        """

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._transport.base_url

    @property
    def download_base_url(self) -> str | None:
        """The host export files are downloaded from (``None`` with a custom ``base_url``)."""
        return self._transport.download_url

    @property
    def project_key(self) -> str:
        """Names the project this client talks to (base URL and app id, never a token).

        Clients of one project share this key; the import batcher keys its one-import-at-a-time lock on it.
        """
        principal = self._transport.auth.principal if self._transport.auth else "anonymous"
        return f"{self.base_url}#{principal}"

    @property
    def rate_limit(self) -> RateLimitInfo:
        """The rate-limit budget as the API's last answer reported it."""
        return self._transport.rate_limit

    @property
    def rate_limits(self) -> Mapping[str, RateLimitInfo]:
        """The last seen budget of each limit type, e.g. ``client.rate_limits["bulk_api_calls"]``.

        ``rate_limit`` is whichever answer came last; polls report ``api_calls``, so the bulk budget an
        import spent stays readable here.
        """
        return self._transport.rate_limits

    @property
    def clock(self) -> Clock:
        """The clock every wait of this client goes through."""
        return self._transport.clock

    @property
    def clock_offset(self) -> float | None:
        """How many seconds the server's clock is ahead of ours (negative: behind); ``None`` before the
        first answer.

        Measured on the ``Date`` header of every answer, whole seconds, so it reads ``0.0`` while the
        clocks agree within what the header can tell. Waits for a rate limit's ``X-Rate-Limit-Retry`` and
        the import batcher's look for an import whose answer was lost read the server's times with it.

        Example:
            >>> await client.orders.list(limit=1)
            >>> if abs(client.clock_offset or 0) > 60:
            ...     print("this machine's clock is off by more than a minute")
        """
        return self._transport.server_clock.offset

    @property
    def clock_offset_bounds(self) -> tuple[float, float] | None:
        """The lowest and highest offset (server minus ours, seconds) the answers so far allow, if any."""
        return self._transport.server_clock.bounds

    @property
    def timeout(self) -> Timeout:
        """The default timeout of each request."""
        return self._transport.timeout

    @property
    def max_retries(self) -> int:
        """The default number of retries after a failed attempt."""
        return self._transport.retry_policy.max_retries

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The aiohttp session in use (``None`` until the first request)."""
        return self._sessions.session

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._sessions.closed

    def with_options(
        self, *, timeout: Timeout | float | None = None, max_retries: int | None = None
    ) -> AsyncVoucherify:
        """A copy with other defaults that shares this client's session, credentials and rate-limit state.

        The copy is cheap (no new session) and closing it does nothing: the original owns the session.
        An option left at ``None`` keeps this client's; for no total limit pass ``vf.Timeout(total=None)``.

        Args:
            timeout: Seconds (or a :class:`Timeout`) for each request of the copy.
            max_retries: Retries after a failed attempt, for each request of the copy.

        Example:
            >>> patient = client.with_options(timeout=150, max_retries=10)
            >>> await patient.orders.import_orders(orders)
        """
        copy = object.__new__(AsyncVoucherify)
        copy._sessions = self._sessions
        copy._owner = False
        copy._transport = self._transport.with_options(timeout=timeout, max_retries=max_retries)
        copy._attach_resources()
        return copy

    async def aclose(self) -> None:
        """Close the session if this client created it. A ``with_options`` copy leaves it open."""
        if self._owner:
            await self._sessions.aclose()

    async def __aenter__(self) -> AsyncVoucherify:
        self._sessions.get()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        auth = self._transport.auth
        return f"AsyncVoucherify(base_url={self.base_url!r}, auth={auth!r})"
