"""The ``VOUCHERIFY_*`` environment variables, read in one place for the client and the command line.

=========================== =============================================================================
``VOUCHERIFY_APP_ID``       the project's application id (``X-App-Id``)
``VOUCHERIFY_APP_TOKEN``    the project's application token (``X-App-Token``), a secret
``VOUCHERIFY_OAUTH_SCOPES`` with the two above: exchange them for OAuth tokens with these scopes (separated
                            by spaces or commas) instead of sending them with every request
``VOUCHERIFY_ACCESS_TOKEN`` a static OAuth access token (``Authorization: Bearer``), a secret
``VOUCHERIFY_CLUSTER``      the cluster: ``api`` (Europe), ``us1.api``, ``as1.api``...
``VOUCHERIFY_BASE_URL``     the API's base URL instead of the cluster's, e.g. a local emulator's
=========================== =============================================================================

OAuth takes no separate client id and secret: Voucherify's OAuth client credentials are the project's app
id and app token (``vf.OAuthCredentials(app_id, app_token, scopes)``), so the same two variables serve both.

A variable that is unset, empty or only blanks counts as unset. Nothing here validates a value: the client
does, naming the variable and never showing a token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from attrs import field, frozen

__all__ = [
    "ENV_ACCESS_TOKEN",
    "ENV_APP_ID",
    "ENV_APP_TOKEN",
    "ENV_BASE_URL",
    "ENV_CLUSTER",
    "ENV_OAUTH_SCOPES",
    "EnvironmentSettings",
    "read_environment",
]

ENV_APP_ID = "VOUCHERIFY_APP_ID"
ENV_APP_TOKEN = "VOUCHERIFY_APP_TOKEN"
ENV_OAUTH_SCOPES = "VOUCHERIFY_OAUTH_SCOPES"
ENV_ACCESS_TOKEN = "VOUCHERIFY_ACCESS_TOKEN"
ENV_CLUSTER = "VOUCHERIFY_CLUSTER"
ENV_BASE_URL = "VOUCHERIFY_BASE_URL"


@frozen
class EnvironmentSettings:
    """What the ``VOUCHERIFY_*`` variables say; ``None`` for each one that is not set.

    Attributes:
        app_id: ``VOUCHERIFY_APP_ID``.
        app_token: ``VOUCHERIFY_APP_TOKEN`` (never shown in ``repr``).
        oauth_scopes: ``VOUCHERIFY_OAUTH_SCOPES``, split on spaces and commas.
        access_token: ``VOUCHERIFY_ACCESS_TOKEN`` (never shown in ``repr``).
        cluster: ``VOUCHERIFY_CLUSTER``.
        base_url: ``VOUCHERIFY_BASE_URL``.
    """

    app_id: str | None = None
    app_token: str | None = field(default=None, repr=False)
    oauth_scopes: tuple[str, ...] | None = None
    access_token: str | None = field(default=None, repr=False)
    cluster: str | None = None
    base_url: str | None = None


def read_environment(environ: Mapping[str, str] | None = None) -> EnvironmentSettings:
    """Read the ``VOUCHERIFY_*`` variables of ``environ`` (the process's own by default)."""
    environ = os.environ if environ is None else environ

    def value(name: str) -> str | None:
        return environ.get(name, "").strip() or None

    scopes = value(ENV_OAUTH_SCOPES)
    return EnvironmentSettings(
        app_id=value(ENV_APP_ID),
        app_token=value(ENV_APP_TOKEN),
        oauth_scopes=tuple(part for part in re.split(r"[\s,]+", scopes) if part) if scopes else None,
        access_token=value(ENV_ACCESS_TOKEN),
        cluster=value(ENV_CLUSTER),
        base_url=value(ENV_BASE_URL),
    )
