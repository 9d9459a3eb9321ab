"""How requests are authenticated: app keys, a static bearer token, or OAuth tokens that renew themselves.

Voucherify takes either the project's ``X-App-Id`` + ``X-App-Token`` headers, or an OAuth access token
(``Authorization: Bearer``) obtained from ``POST /v1/oauth/token`` with the app keys and a set of scopes;
such a token expires after 900 s. :class:`OAuthTokenProvider` gets a token on first use, renews it shortly
before it expires, lets only one renewal run at a time however many requests wait for it, and drops a token
the API refused (401) so that the request is sent once more with a fresh one.

No object here ever shows a secret in its ``repr``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

import anyio
from attrs import Attribute, field, frozen

from voucherify_async._clock import Clock
from voucherify_async._errors import InvalidArgumentError, VoucherifyError

__all__ = [
    "AppKeys",
    "Auth",
    "BearerToken",
    "OAuthCredentials",
    "OAuthTokenProvider",
    "TokenFetcher",
]

TokenFetcher = Callable[["OAuthCredentials"], Awaitable[Any]]
"""Sends ``POST /v1/oauth/token`` for the given credentials and returns the decoded JSON answer."""


class Auth(Protocol):
    """What the transport needs from an authentication method."""

    @property
    def principal(self) -> str:
        """A non-secret name of who is calling (app id, or a digest of a bearer token)."""
        ...

    async def headers(self, fetch_token: TokenFetcher) -> dict[str, str]:
        """The headers to add to a request (may fetch an OAuth token first)."""
        ...

    def invalidate(self, headers: Mapping[str, str]) -> bool:
        """Forget credentials the API answered 401 to; ``True`` when retrying with new ones may help."""
        ...


def _digest(secret: str) -> str:
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12]


@frozen(repr=False)
class AppKeys:
    """The project's application keys, sent as ``X-App-Id`` and ``X-App-Token`` headers."""

    app_id: str
    app_token: str

    @property
    def principal(self) -> str:
        """The app id (not a secret)."""
        return self.app_id

    async def headers(self, fetch_token: TokenFetcher) -> dict[str, str]:
        """Return the two key headers."""
        return {"X-App-Id": self.app_id, "X-App-Token": self.app_token}

    def invalidate(self, headers: Mapping[str, str]) -> bool:
        """App keys do not renew: a 401 is final."""
        return False

    def __repr__(self) -> str:
        return f"AppKeys(app_id={self.app_id!r}, app_token='***')"


@frozen(repr=False)
class BearerToken:
    """A static OAuth access token the caller obtained elsewhere (it is not renewed)."""

    token: str

    @property
    def principal(self) -> str:
        """A short digest of the token, to tell clients apart without showing it."""
        return _digest(self.token)

    async def headers(self, fetch_token: TokenFetcher) -> dict[str, str]:
        """Return the ``Authorization`` header."""
        return {"Authorization": f"Bearer {self.token}"}

    def invalidate(self, headers: Mapping[str, str]) -> bool:
        """A static token cannot be renewed: a 401 is final."""
        return False

    def __repr__(self) -> str:
        return "BearerToken(token='***')"


def _scopes(value: str | Sequence[str]) -> tuple[str, ...]:
    return tuple(value.split()) if isinstance(value, str) else tuple(value)


def _text(_: object, attribute: Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        # The value itself stays out of the message: it may be a secret.
        raise InvalidArgumentError(f"OAuthCredentials.{attribute.name} must be a non-empty string")


def _some_scopes(_: object, attribute: Attribute[Any], value: tuple[str, ...]) -> None:
    if not value or not all(isinstance(scope, str) and scope for scope in value):
        raise InvalidArgumentError(f"OAuthCredentials.scopes must name at least one scope, got {value!r}")


@frozen(repr=False)
class OAuthCredentials:
    """Client credentials for OAuth: the app keys that may ask for tokens, and the scopes to ask for.

    Attributes:
        app_id: The application id (the OAuth client id).
        app_token: The application token (the OAuth client secret).
        scopes: The scopes the token should carry, e.g. ``("api",)`` or ``("orders", "exports")``.
        refresh_margin: Renew a token this many seconds before it expires (at most a quarter of its life).

    Raises:
        InvalidArgumentError: an empty app id or token, or no scope.

    Example:
        >>> creds = vf.OAuthCredentials("app-id", "app-token", scopes=["api"])
        >>> client = vf.AsyncVoucherify(oauth=creds)
    """

    app_id: str = field(validator=_text)
    app_token: str = field(validator=_text)
    scopes: tuple[str, ...] = field(default=("api",), converter=_scopes, validator=_some_scopes)
    refresh_margin: float = 60.0

    def __repr__(self) -> str:
        return f"OAuthCredentials(app_id={self.app_id!r}, app_token='***', scopes={self.scopes!r})"


class OAuthTokenProvider:
    """Gets OAuth access tokens and renews them before they expire.

    One provider is shared by a client and all its ``with_options`` copies, so they share one token.
    """

    def __init__(self, credentials: OAuthCredentials, clock: Clock) -> None:
        self.credentials = credentials
        self._clock = clock
        self._lock = anyio.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.tokens_fetched = 0
        """How many tokens were obtained so far (for diagnostics and tests)."""

    @property
    def principal(self) -> str:
        """The app id the tokens are issued to."""
        return self.credentials.app_id

    async def headers(self, fetch_token: TokenFetcher) -> dict[str, str]:
        """Return the ``Authorization`` header, getting or renewing the token first when needed."""
        token = await self.token(fetch_token)
        return {"Authorization": f"Bearer {token}"}

    async def token(self, fetch_token: TokenFetcher) -> str:
        """Return a token that is not about to expire, fetching one if needed (one fetch at a time)."""
        token = self._valid_token()
        if token is not None:
            return token
        async with self._lock:
            # Another request may have renewed the token while this one waited for the lock.
            token = self._valid_token()
            if token is not None:
                return token
            return await self._fetch(fetch_token)

    def invalidate(self, headers: Mapping[str, str]) -> bool:
        """Drop the token a 401 answered, unless it was renewed meanwhile; a retry may then succeed."""
        used = headers.get("Authorization", "").removeprefix("Bearer ")
        if used and used == self._token:
            self._token = None
        return True

    def _valid_token(self) -> str | None:
        if self._token is not None and self._clock.time() < self._renew_at:
            return self._token
        return None

    async def _fetch(self, fetch_token: TokenFetcher) -> str:
        issued_at = self._clock.time()
        answer = await fetch_token(self.credentials)
        token = answer.get("access_token") if isinstance(answer, Mapping) else None
        if not isinstance(token, str) or not token:
            raise VoucherifyError("POST /v1/oauth/token answered without an access_token.")
        expires_in = answer.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) else 900.0
        margin = min(self.credentials.refresh_margin, lifetime / 4)
        self._token = token
        self._renew_at = issued_at + lifetime - margin
        self.tokens_fetched += 1
        return token

    def __repr__(self) -> str:
        return f"OAuthTokenProvider({self.credentials!r})"
