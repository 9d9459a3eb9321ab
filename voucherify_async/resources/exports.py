"""The exports (``client.exports``) resource: ``/v1/exports/{id}`` and the CSV download."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from voucherify_async._checks import check_wait_timeout
from voucherify_async._errors import VoucherifyError
from voucherify_async._polling import PollPolicy, poll_until_finished
from voucherify_async._timeout import Timeout
from voucherify_async.models import Export, ExportStatus
from voucherify_async.resources._answers import UnexpectedAnswer, read_answer
from voucherify_async.resources._csv_stream import csv_rows
from voucherify_async.resources._paths import path_with_id

if TYPE_CHECKING:
    from voucherify_async._transport import Transport

__all__ = ["ExportFailed", "Exports"]

_EXPORTS = "/v1/exports/"

EXPORT_POLL_POLICY = PollPolicy(first_interval=1.0, max_interval=60.0, shortest_action=None)
"""Exports report no progress: back off from one second, by half the time waited, up to a minute."""


class ExportFailed(VoucherifyError):
    """An export ended with status ``ERROR``.

    Attributes:
        export: The export as the API last reported it.
    """

    def __init__(self, export: Export) -> None:
        super().__init__(
            f"Export {export.id} ended with status ERROR; start a new one with client.orders.export()."
        )
        self.export = export

    def __reduce__(self) -> tuple[type[ExportFailed], tuple[Export]]:
        return (type(self), (self.export,))


class Exports:
    """Methods for exports (``client.exports``); create an order export with ``client.orders.export``."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def get(self, export_id: str, *, timeout: Timeout | float | None = None) -> Export:
        """Get an export; ``result.url`` is set once it is ``DONE``.

        Args:
            export_id: The export id (``exp_...``).
            timeout: This call's timeout (seconds, or a :class:`~voucherify_async.Timeout`) instead of the
                client's.

        Raises:
            NotFoundError: no such export.
        """
        answer = await self._transport.request("GET", path_with_id(_EXPORTS, export_id), timeout=timeout)
        return read_answer(Export, answer, "GET /v1/exports/{id}")

    async def wait(
        self,
        export_id: str,
        *,
        timeout: float | None = None,
        on_poll: Callable[[Export], object] | None = None,
        policy: PollPolicy = EXPORT_POLL_POLICY,
        request_timeout: Timeout | float | None = None,
    ) -> Export:
        """Poll an export until it is ``DONE`` and return it.

        Args:
            export_id: The export id (``exp_...``).
            timeout: Give up waiting after this many seconds.
            on_poll: Called with the export after each poll (a coroutine function is awaited).
            policy: The polling schedule.
            request_timeout: The timeout of each poll's request instead of the client's.

        Raises:
            ExportFailed: the export ended with ``ERROR``.
            WaitTimeout: ``timeout`` passed first.
            InvalidArgumentError: ``timeout`` is not a number of seconds above 0.
        """
        check_wait_timeout(timeout)
        export = await poll_until_finished(
            lambda: self.get(export_id, timeout=request_timeout),
            resource_id=export_id,
            clock=self._transport.clock,
            policy=policy,
            timeout=timeout,
            on_poll=on_poll,
            budgets=self._transport.budgets,
            server_now=self._transport.server_now,
        )
        if export.status == ExportStatus.ERROR:
            raise ExportFailed(export)
        return export

    async def download(
        self,
        export: Export | str,
        *,
        timeout: float | None = None,
        request_timeout: Timeout | float | None = None,
    ) -> AsyncIterator[bytes]:
        """Stream the CSV file of an export, in chunks of bytes, waiting for the export first if needed.

        The file comes from the URL in ``result.url``, which carries its own download token: the client's
        credentials are not sent with it.

        Args:
            export: The export, or its id.
            timeout: Give up waiting for the export after this many seconds.
            request_timeout: The timeout of each request (each poll, and the download: its connection and
                every pause between two chunks) instead of the client's; ``timeout`` bounds the wait.

        Raises:
            ExportFailed: the export ended with ``ERROR``.
            WaitTimeout: ``timeout`` passed before it was ready.

        Example:
            >>> with open("orders.csv", "wb") as file:
            ...     async for chunk in client.exports.download(export):
            ...         file.write(chunk)
        """
        url = await self._download_url(export, timeout, request_timeout)
        async with self._transport.stream("GET", url, timeout=request_timeout, authenticate=False) as chunks:
            async for chunk in chunks:
                yield chunk

    async def rows(
        self,
        export: Export | str,
        *,
        timeout: float | None = None,
        request_timeout: Timeout | float | None = None,
    ) -> AsyncIterator[dict[str, str]]:
        """Stream the rows of an export's CSV as dicts (header -> value), waiting for the export first.

        The header row names the columns the way the API writes them (e.g. ``ID``, ``Source ID``). Rows are
        parsed as they arrive, in bounded memory, whatever the size of the file. To stop before the end and
        free the connection at once, iterate inside ``contextlib.aclosing(client.exports.rows(...))``.

        Args:
            export: The export, or its id.
            timeout: Give up waiting for the export after this many seconds.
            request_timeout: The timeout of each request (each poll, and the download: its connection and
                every pause between two chunks) instead of the client's; ``timeout`` bounds the wait.

        Raises:
            UnexpectedAnswer: the file is not UTF-8 CSV (or holds a field longer than the ``csv`` module's
                limit).

        Example:
            >>> export = await client.orders.export(fields=["id", "source_id", "status"])
            >>> async for row in client.exports.rows(export):
            ...     print(row["Source ID"], row["Status"])
        """
        try:
            chunks = self.download(export, timeout=timeout, request_timeout=request_timeout)
            async for row in csv_rows(chunks):
                yield row
        except (UnicodeDecodeError, csv.Error) as error:
            export_id = export if isinstance(export, str) else export.id
            raise UnexpectedAnswer(
                f"The file of export {export_id} is not CSV text this SDK can read ({error}); "
                "client.exports.download() gives its bytes as they are."
            ) from error

    async def _download_url(
        self, export: Export | str, timeout: float | None, request_timeout: Timeout | float | None
    ) -> str:
        if isinstance(export, str) or export.status != ExportStatus.DONE:
            export_id = export if isinstance(export, str) else export.id
            export = await self.wait(export_id, timeout=timeout, request_timeout=request_timeout)
        if export.result is None or not export.result.url:
            raise VoucherifyError(f"Export {export.id} is DONE but its result has no download URL.")
        url = export.result.url
        if urlsplit(url).scheme:
            return url
        # A bare path is taken on the cluster's download host, where exports.json serves "Download Export"
        # (GET /v1/exports/{exportId}?token=...), or on the API's base URL when that host is not known.
        host = self._transport.download_url or self._transport.base_url
        return f"{host.rstrip('/')}/{url.lstrip('/')}"
