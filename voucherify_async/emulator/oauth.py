"""OAuth tokens: ``POST /v1/oauth/token`` (client credentials) and the scopes a bearer token grants.

A project's ``X-App-Id``/``X-App-Token`` pair is exchanged for a bearer token with the scopes asked for;
it works for that project until it expires (900 s by default), and a 401 answers it after. Scopes follow
the spec's ``X-Voucherify-OAuth`` security scheme: ``api`` opens the whole server-side API, ``orders``
the paths under ``/v1/orders``, ``async-actions`` under ``/v1/async-actions``, ``exports`` under
``/v1/exports``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

KNOWN_SCOPES = frozenset({"api", "orders", "async-actions", "exports"})
"""The scopes the emulator understands (the spec lists more, for endpoints the emulator lacks)."""

_SCOPE_PREFIXES = (
    ("/v1/orders", "orders"),
    ("/v1/async-actions", "async-actions"),
    ("/v1/exports", "exports"),
)


@dataclass(frozen=True)
class AccessToken:
    """A bearer token issued to a project."""

    project: str
    scopes: frozenset[str]
    expires_at: float


def scope_for(path: str) -> str | None:
    """The scope besides ``api`` that opens ``path``."""
    for prefix, scope in _SCOPE_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return scope
    return None


@dataclass
class TokenIssuer:
    """Issues and checks bearer tokens; time comes from the emulator's time source."""

    time_source: Callable[[], float]
    ttl: float = 900.0
    _tokens: dict[str, AccessToken] = field(default_factory=dict, repr=False)  # secrets: never shown

    def issue(self, project: str, scopes: frozenset[str]) -> tuple[str, AccessToken]:
        """A new token for ``project`` with ``scopes``."""
        token = secrets.token_urlsafe(32)
        issued = AccessToken(project=project, scopes=scopes, expires_at=self.time_source() + self.ttl)
        self._tokens[token] = issued
        return token, issued

    def check(self, token: str) -> AccessToken | None:
        """The token's grant, or ``None`` when it is unknown or expired."""
        issued = self._tokens.get(token)
        if issued is None:
            return None
        if self.time_source() >= issued.expires_at:
            del self._tokens[token]
            return None
        return issued

    @staticmethod
    def allows(issued: AccessToken, path: str) -> bool:
        """Whether the token's scopes open ``path``."""
        return "api" in issued.scopes or scope_for(path) in issued.scopes
