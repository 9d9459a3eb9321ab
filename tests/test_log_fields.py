"""Log records carry their facts in ``extra``, and no record at DEBUG holds a secret anywhere."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault, RateLimits

pytestmark = pytest.mark.anyio

APP_TOKEN = "app-tok-5ecret-9f3a"
ORDERS = "GET /v1/orders/{id}"
IMPORT = "POST /v1/orders/import"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    logger = logging.getLogger("voucherify_async")
    handler, level = Collect(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
async def secret_emulator(clock: vf.ManualClock) -> AsyncIterator[Emulator]:
    limits = RateLimits(api_calls_per_minute=30)
    async with Emulator("app", APP_TOKEN, time_source=clock.time, rate_limits=limits) as emu:
        yield emu


def every_text(record: logging.LogRecord) -> str:
    """The message, its args and every attribute of the record, as text."""
    formatted = logging.Formatter().format(record)
    return " ".join([formatted, repr(record.args), repr(vars(record))])


async def test_an_answer_s_record_carries_method_route_status_and_request_id(
    client: vf.AsyncVoucherify, records: list[logging.LogRecord]
) -> None:
    await client.orders.create({"source_id": "o/1", "status": "PAID", "amount": 1})
    await client.orders.get("o/1")
    answer = records[-1]
    assert answer.getMessage().startswith("GET /v1/orders/o/1 -> 200 in ")
    fields = {name: getattr(answer, name) for name in ("http_method", "route", "status", "attempt")}
    assert fields == {"http_method": "GET", "route": "/v1/orders/{id}", "status": 200, "attempt": 1}
    assert isinstance(answer.request_id, str)
    assert answer.request_id
    assert answer.elapsed >= 0


async def test_a_retry_s_record_carries_attempt_wait_and_error(
    emulator: Emulator, client: vf.AsyncVoucherify, records: list[logging.LogRecord]
) -> None:
    emulator.add_fault(Fault("status", route="GET /v1/orders", nth=[1, 2], status=503))
    await client.orders.list()
    retries = [r for r in records if r.levelno == logging.DEBUG and "retry" in r.getMessage()]
    answers = [r for r in records if r.levelno == logging.INFO]
    assert [(r.attempt, r.retry, r.status, r.error) for r in retries] == [
        (1, 1, 503, "ServerError"),
        (2, 2, 503, "ServerError"),
    ]
    assert all(r.wait > 0 and r.route == "/v1/orders" for r in retries)
    assert [(r.attempt, r.status) for r in answers] == [(1, 503), (2, 503), (3, 200)]


async def test_a_429_s_retry_names_its_limit_type(
    emulator: Emulator, client: vf.AsyncVoucherify, records: list[logging.LogRecord]
) -> None:
    emulator.add_fault(Fault("status", route="GET /v1/orders", nth=1, status=429))
    await client.orders.list()
    (retry,) = [r for r in records if getattr(r, "retry", None) == 1]
    assert (retry.status, retry.error, retry.limit_type) == (429, "RateLimitError", "api_calls")


async def test_no_record_at_debug_holds_a_token_or_an_authorization_value(
    secret_emulator: Emulator, clock: vf.ManualClock, records: list[logging.LogRecord]
) -> None:
    emu = secret_emulator
    emu.add_fault(Fault("status", route="GET /v1/orders", nth=1, status=429))
    emu.add_fault(Fault("status", route="GET /v1/async-actions/{id}", nth=1, status=503))
    emu.add_fault(Fault("lost_ack", route=IMPORT, nth=2))
    emu.add_fault(Fault("status", route=ORDERS, status=404))
    orders = [{"source_id": f"o-{n}", "status": "PAID", "amount": n + 1} for n in range(6)]
    oauth = vf.OAuthCredentials("app", APP_TOKEN, scopes=["api"])
    async with vf.AsyncVoucherify(oauth=oauth, base_url=emu.url, clock=clock) as client:
        await client.orders.list()
        report = await vf.ImportBatcher(client, batch_size=2).run(orders)
        with pytest.raises(vf.NotFoundError):
            await client.orders.get("o-1")
        export = await client.orders.export(fields=["source_id"])
        rows = [row async for row in client.exports.rows(export.id)]
        finished = await client.exports.get(export.id)
        bearer = client._transport.auth.headers  # type: ignore[union-attr]
        authorization = (await bearer(client._transport._fetch_token))["Authorization"]
    assert report.imported == 6
    assert rows
    assert finished.result is not None
    assert "token=" in str(finished.result.url)
    texts = [every_text(record) for record in records]
    assert any("retry" in text for text in texts)
    assert {"RateLimitError", "ServerError"} <= {getattr(record, "error", None) for record in records}
    assert any(request.route == IMPORT and request.status == 0 for request in emu.requests)  # lost answer
    assert any(getattr(record, "status", None) == 404 for record in records)
    secrets = [APP_TOKEN, authorization, authorization.removeprefix("Bearer ")]
    secrets.append(str(finished.result.url).rpartition("token=")[2])
    leaks = [(secret, text) for text in texts for secret in secrets if secret in text]
    assert leaks == []
