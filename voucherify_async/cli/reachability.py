"""Before an import: one cheap request showing that the API answers at the address the command was given.

A wrong address (a port nothing listens on, a mistyped host) otherwise shows only as connection failures of
the first import request, which the batcher takes for a blip of the network: it sends the batch again after
2, 4, 8 and 16 s (``max_submit_attempts``) and stops half a minute later with exit code 1. On the very
first request of a command, a refused connection or a host name that does not resolve is a configuration
problem, not a blip: this request is sent once, without retries, and the command stops within seconds with
exit code 2, naming the host and the cause.

The check spends one general API call, ``GET /v1/async-actions?limit=1``. Any HTTP answer but a 401 or 403
lets the import go on (a 429 or a 5xx shows that the API, or a gateway in front of it, is there; the import
rides them out), and so does a connection that broke after the request went out. The library's
``ImportBatcher`` makes no such call: this is the command's rule, for a person who just typed the address.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import voucherify_async as vf
from voucherify_async.cli.credentials import ConfigurationError

__all__ = ["PROBE_TIMEOUT", "check_before_sending", "check_reachable"]

PROBE_TIMEOUT = vf.Timeout(total=30.0, connect=5.0)
"""How long the check waits: a host that takes no connection within 5 s is as good as wrong."""


_NOTHING = object()


async def check_before_sending(records: Iterator[Any], client: vf.AsyncVoucherify) -> Iterator[Any]:
    """``records`` as they come, once :func:`check_reachable` passed; a file without any record (which the
    command refuses with exit code 2 without sending anything) is not checked.

    Raises:
        ConfigurationError: See :func:`check_reachable`.
    """
    first = next(records, _NOTHING)
    if first is _NOTHING:
        return iter(())
    await check_reachable(client)
    return itertools.chain([first], records)


async def check_reachable(client: vf.AsyncVoucherify) -> None:
    """Ask the API once, without retries, and stop the command when the address is wrong.

    Raises:
        ConfigurationError: No connection could be made: refused, a host name not found, a TLS handshake that
            failed, no connection within ``PROBE_TIMEOUT.connect``.
        AuthenticationError, PermissionDeniedError: The API refused the credentials.
    """
    probe = client.with_options(timeout=PROBE_TIMEOUT, max_retries=0)
    try:
        await probe.async_actions.list(limit=1)
    except vf.APIConnectionError as error:
        if error.request_sent:
            return  # connected, then the answer was lost: a blip, which the import's own retries ride out
        raise ConfigurationError(
            f"cannot reach the API at {client.base_url}: {error.reason or error}. Check --base-url, "
            "VOUCHERIFY_BASE_URL or the cluster; nothing was sent."
        ) from None
    except (vf.AuthenticationError, vf.PermissionDeniedError):
        raise
    except vf.APIError:
        return
