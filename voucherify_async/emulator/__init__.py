"""A local stand-in for the Voucherify API, for development, tests, demos and benchmarks.

Written from the official OpenAPI spec and independent of the SDK's client, transport, models and batcher,
so it cannot share their mistakes. It serves, on a loopback port:

- ``POST/GET /v1/orders``, ``GET/PUT /v1/orders/{id}`` (Voucherify id or ``source_id``),
  ``POST /v1/orders/import`` (at most 2,000 orders; upsert by ``source_id``), ``POST /v1/orders/export``;
- ``GET /v1/async-actions`` (``limit``, ``end_date``) and ``GET /v1/async-actions/{id}``;
- ``POST /v1/exports`` (``exported_object`` ``order``; other objects are a 400 saying the emulator holds
  orders only), ``GET /v1/exports``, ``GET/DELETE /v1/exports/{id}`` and the CSV download behind a token
  (``text/plain``, at ``{url}/download/v1/exports/{id}``: ``{url}/download`` stands for the download host);
- ``POST /v1/oauth/token`` (client credentials, scopes, expiry).

What it does as the real API does: each ``X-App-Id``/``X-App-Token`` pair is a project with its own data;
imports of a project run one at a time (``ENQUEUED`` -> ``IN_PROGRESS`` with rising ``progress`` ->
``DONE``), storing their orders progressively at ``processing_rate``; an order that references a customer
id that does not exist fails inside the action (``result.failed``, a list); one malformed order fails a whole
import with ``400 invalid_payload`` whose ``details`` name the property path inside the order, never its
place in the array; rate limits answer with the real ``X-Rate-Limit-*`` and ``Retry-After`` headers.

Where the spec's schemas and its text or examples disagree, the emulator does what the text and the
examples say (the official SDKs, generated from the schemas, are checked against it in ``tests/compat``):

- an order export without ``fields`` (the "empty JSON") has the three default fields ``id``, ``source_id``,
  ``status`` (``orders.json`` create-order-export; the "Defaults" table of ``exports.json`` create-export);
- an export's ``parameters`` are echoed as sent, nothing added (the create-order-export example);
- ``metadata.<key>`` is an export field (the text and the example), though ``ExportOrderFields`` lacks it;
- filters accept the 68 conditions the API's own 400 names (create-order-export), not only the 25 of
  ``FiltersCondition``, and one operand as well as the schema's list (the example's ``"$more_than": 100000``);
  which conditions apply to orders: :mod:`voucherify_async.emulator.export_filters`;
- ``POST /v1/exports`` knows the nine objects its description names (the 400 example names six, the request
  schemas seven);
- an export's ``user_id`` is ``null`` (typed a string; every example sends ``null``);
- the ``ORDERS.IMPORT`` result's ``failed`` is a list of ``{source_id, reason}`` (typed an object; the full
  spec's own example and the real API send a list);
- order items in requests need no ``object`` (``OrderItem`` requires it; the request examples lack it).

Time: imports, exports, rate-limit windows and token expiry follow ``time_source`` (``time.time`` by
default). Give it a ``ManualClock``'s ``time`` and an import at 100 orders per second finishes exactly when
the test (or an SDK sharing the clock) moves that clock 20 s on: no test waits for real.

Data: in memory by default, each order kept as its serialised body and the fields its lookups need (the
order the API shows is built when a route answers with it). ``Emulator(data_dir=...)`` keeps every project's
data in an SQLite file of that directory instead: it survives a restart, and the emulator's memory does not
grow with the orders (:mod:`voucherify_async.emulator.stores`).

Faults (:class:`Fault`) go on a route, on a fixed schedule (``nth``) or with a seeded probability:
``status`` (e.g. 429 with its headers, 503), ``latency``, ``drop`` (no answer, nothing processed),
``lost_ack`` (processed, e.g. the import is queued, but no answer), ``slow_ack`` (processed, the answer held
back ``delay`` seconds, past a client's timeout) and ``action_failed``.

Example:
    >>> from voucherify_async.emulator import Emulator, Fault
    >>> async def main() -> None:                                   # doctest: +SKIP
    ...     async with Emulator(app_id="app", app_token="token", processing_rate=1000) as emu:
    ...         emu.add_fault(Fault("lost_ack", route="POST /v1/orders/import", nth=1))
    ...         ...                                                 # a client with base_url=emu.url
    ...         assert emu.project("app").imports_submitted_while_busy == 0
"""

from __future__ import annotations

from voucherify_async.emulator._emulator import Emulator, RecordedRequest
from voucherify_async.emulator.faults import Fault
from voucherify_async.emulator.import_actions import ImportAction
from voucherify_async.emulator.ratelimit import RateLimits
from voucherify_async.emulator.state import ProjectState
from voucherify_async.emulator.stores.sqlite_file import DataDirError

__all__ = [
    "DataDirError",
    "Emulator",
    "Fault",
    "ImportAction",
    "ProjectState",
    "RateLimits",
    "RecordedRequest",
]
