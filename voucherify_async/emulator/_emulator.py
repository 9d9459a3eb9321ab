"""The :class:`Emulator`: a local Voucherify served on loopback, with its projects, faults and records."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import anyio
from aiohttp import web

from voucherify_async.emulator.faults import Fault, FaultPlan
from voucherify_async.emulator.oauth import TokenIssuer
from voucherify_async.emulator.ratelimit import RateLimiter, RateLimits
from voucherify_async.emulator.state import ProjectState
from voucherify_async.emulator.stores import ProjectStore
from voucherify_async.emulator.validation import MetadataSchema

if TYPE_CHECKING:
    from voucherify_async.emulator.stores.sqlite_file import SQLiteFile


@dataclass
class RecordedRequest:
    """One request the emulator received, in arrival order.

    Attributes:
        method: the HTTP method.
        path: the path, without the query string.
        route: the route template, e.g. ``"GET /v1/async-actions/{id}"`` (for unknown paths the method and
            path).
        status: the status answered; 0 while in progress, or when the connection was closed without an
            answer (``drop`` and ``lost_ack`` faults).
        project: the app id of the authenticated project, ``None`` when the request was not authenticated.
    """

    method: str
    path: str
    route: str
    status: int = 0
    project: str | None = None


class Emulator:
    """A local stand-in for the Voucherify API (Orders, Async Actions, Exports, OAuth) over loopback.

    Args:
        app_id: the default project's application id.
        app_token: the default project's secret token.
        host: the address to listen on (loopback).
        port: the port; 0 picks a free one.
        projects: more ``app_id -> app_token`` pairs, each a project with its own data.
        processing_rate: orders per second an import is processed at; ``None`` processes at once.
        processing_delay: extra seconds every import takes.
        processing_spread: each import's processing time varies by up to this fraction around its
            ``processing_rate`` and ``processing_delay`` (0.3: from 0.7 to 1.3 times), drawn uniformly per
            import from a generator seeded by ``seed``; 0 (the default): exact.
        rate_limits: per-project budgets of API and bulk calls (off by default).
        faults: faults injected from the start (see :class:`Fault`).
        seed: seeds the probabilistic faults (and the processing times' spread).
        time_source: epoch seconds for timestamps, import progress, rate-limit windows and token expiry
            (pass a ``ManualClock``'s ``time`` to share fake time with a test).
        metadata_schema: allowed values per order metadata key, a rule only the server knows: an import
            breaking it is answered ``400 invalid_payload``.
        oauth_token_ttl: seconds an OAuth token lives.
        export_delay: seconds an export takes to become ``DONE``.
        data_dir: a directory to keep the projects' data in (orders, customers, async actions with the
            orders of a running import, exports with their files, the counters of imports), in an SQLite
            file, ``emulator.sqlite3``: they survive a restart with the same directory, and the emulator's
            memory stays flat however many orders it holds. ``None`` (the default) keeps everything in
            memory. The directory is created if needed; while the emulator is open (from its creation to
            :meth:`close`) no other emulator can use it. OAuth tokens, rate-limit windows, faults and the
            recorded requests are not kept.

    Raises:
        DataDirError: ``data_dir`` cannot be used (not a directory, a file that is not the emulator's or
            is damaged, another emulator using it); the message says which.

    Example:
        >>> async with Emulator(app_id="app", app_token="token") as emu:   # doctest: +SKIP
        ...     async with AsyncVoucherify("app", "token", base_url=emu.url) as client:
        ...         await client.orders.create({"source_id": "o-1"})
    """

    def __init__(
        self,
        app_id: str = "app",
        app_token: str = "token",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        projects: Mapping[str, str] | None = None,
        processing_rate: float | None = None,
        processing_delay: float = 0.0,
        processing_spread: float = 0.0,
        rate_limits: RateLimits | None = None,
        faults: Sequence[Fault] = (),
        seed: int = 0,
        time_source: Callable[[], float] = time.time,
        metadata_schema: MetadataSchema | None = None,
        oauth_token_ttl: float = 900.0,
        export_delay: float = 0.0,
        data_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if processing_rate is not None and processing_rate <= 0:
            raise ValueError("processing_rate must be positive (or None for instant processing)")
        if not 0 <= processing_spread < 1:
            raise ValueError("processing_spread must be at least 0 and below 1")
        self.app_id = app_id
        self.host = host
        self.port = port
        self.time_source = time_source
        self.metadata_schema = metadata_schema
        self.export_delay = export_delay
        self.processing_rate = processing_rate
        self.processing_delay = processing_delay
        self.processing_spread = processing_spread
        self.seed = seed
        self.data_dir = None if data_dir is None else Path(data_dir)
        self._app_tokens: dict[str, str] = {app_id: app_token, **(projects or {})}
        self._data_file: SQLiteFile | None = None
        self.projects: dict[str, ProjectState] = self._open_projects()
        self.faults = FaultPlan(seed=seed)
        for fault in faults:
            self.add_fault(fault)
        self.rate_limiter = RateLimiter(rate_limits or RateLimits(), time_source)
        self.tokens = TokenIssuer(time_source, ttl=oauth_token_ttl)
        self.requests: list[RecordedRequest] = []
        self._runner: web.AppRunner | None = None
        self._closing: anyio.Event | None = None

    def _open_projects(self) -> dict[str, ProjectState]:
        """Every project's state, with what the data directory holds of it (if there is one)."""
        if self.data_dir is None:
            return {project: self._project_state(project, None) for project in self._app_tokens}
        from voucherify_async.emulator.stores.sqlite import SQLiteStore
        from voucherify_async.emulator.stores.sqlite_file import SQLiteFile

        data_file = SQLiteFile(self.data_dir)
        with data_file.reading_back():
            projects = {
                project: self._project_state(project, SQLiteStore(data_file, project))
                for project in self._app_tokens
            }
        self._data_file = data_file
        return projects

    def _project_state(self, project: str, store: ProjectStore | None) -> ProjectState:
        return ProjectState(
            app_id=project,
            time_source=self.time_source,
            processing_rate=self.processing_rate,
            processing_delay=self.processing_delay,
            store=store,
            processing_spread=self.processing_spread,
            processing_seed=self.seed,
        )

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start serving; afterwards :attr:`url` is the base URL.

        After :meth:`close`, an emulator with a data directory opens it again and reads back its projects.
        """
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        from voucherify_async.emulator.app import build_app

        if self.data_dir is not None and self._data_file is None:
            self.projects = self._open_projects()

        self._closing = anyio.Event()
        runner = web.AppRunner(build_app(self), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            self._close_data_file()  # not serving: another emulator may use the directory
            raise
        self._runner = runner
        if runner.addresses:
            self.port = int(runner.addresses[0][1])

    async def close(self) -> None:
        """Stop serving and close every connection; with a data directory, close its file (what was stored
        is kept) and release it for another emulator."""
        runner, self._runner = self._runner, None
        if self._closing is not None:
            self._closing.set()  # answers held by latency/slow_ack faults go out now, not after their delay
        try:
            if runner is not None:
                await runner.cleanup()
        finally:
            self._close_data_file()

    def _close_data_file(self) -> None:
        data_file, self._data_file = self._data_file, None
        if data_file is not None:
            data_file.close()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def hold(self, seconds: float) -> None:
        """Wait ``seconds`` of real time for a fault, or less when the emulator closes meanwhile."""
        with anyio.move_on_after(seconds):
            if self._closing is not None:
                await self._closing.wait()
            else:
                await anyio.sleep(seconds)

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT`` (pass it as ``base_url=``)."""
        if self._runner is None:
            raise RuntimeError("the emulator is not running: use `async with Emulator(...)`")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- state and faults --------------------------------------------------------------------------

    def project(self, app_id: str | None = None) -> ProjectState:
        """The state of a project (the default project when ``app_id`` is ``None``)."""
        return self.projects[app_id or self.app_id]

    def authenticate(self, app_id: str | None, app_token: str | None) -> ProjectState | None:
        """The project whose credentials these are, or ``None`` (compared in constant time)."""
        expected = self._app_tokens.get(app_id or "")
        if app_id is None or app_token is None or expected is None:
            return None
        if not secrets.compare_digest(app_token.encode(), expected.encode()):
            return None
        return self.projects[app_id]

    def add_fault(self, fault: Fault) -> None:
        """Inject a fault from now on.

        Raises:
            ValueError: the fault names a route the emulator does not serve (a typo would never match).
        """
        from voucherify_async.emulator.app import route_templates

        known = route_templates()
        if fault.route != "*" and fault.route not in known:
            raise ValueError(f"unknown route {fault.route!r}; routes: {', '.join(sorted(known))}")
        self.faults.add(fault)

    def clear_faults(self) -> None:
        """Remove every fault."""
        self.faults.clear()

    def __repr__(self) -> str:
        where = self.url if self._runner is not None else "not running"
        return f"Emulator({where}, projects={sorted(self.projects)})"
