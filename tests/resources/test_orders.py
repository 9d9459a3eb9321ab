"""client.orders against the emulator: create, get, update, list, iterate, import_orders, export."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import orjson
import pytest

import voucherify_async as vf
from voucherify_async.emulator import Emulator, Fault
from voucherify_async.resources.orders import PageLimitReached

pytestmark = pytest.mark.anyio


def _routes(emulator: Emulator, route: str) -> int:
    return sum(1 for request in emulator.requests if request.route == route)


async def _import(emulator: Emulator, client: vf.AsyncVoucherify, count: int) -> None:
    # Without a processing rate the emulator finishes an import at once.
    await client.orders.import_orders([{"source_id": f"o-{n}", "amount": n} for n in range(count)])
    assert len(emulator.project("app").orders) == count


async def test_create_returns_the_stored_order(client: vf.AsyncVoucherify) -> None:
    order = await client.orders.create({"source_id": "o-1", "status": "PAID", "amount": 1000})

    assert (order.source_id, order.status, order.amount) == ("o-1", vf.OrderStatus.PAID, 1000)
    assert order.id is not None
    assert order.id.startswith("ord_")


async def test_create_takes_a_model(client: vf.AsyncVoucherify) -> None:
    order = vf.Order(source_id="o-1", items=[vf.OrderItem(source_id="sku-1", quantity=2, price=300)])

    created = await client.orders.create(order)

    assert created.items is not None
    assert [(item.source_id, item.quantity) for item in created.items] == [("sku-1", 2)]


async def test_create_takes_models_inside_a_plain_mapping(client: vf.AsyncVoucherify) -> None:
    created = await client.orders.create(
        {
            "source_id": "o-1",
            "customer": vf.Customer(source_id="c-1", name="Ann"),
            "items": [vf.OrderItem(source_id="sku-1", quantity=2, price=300)],
        }
    )

    assert created.items is not None
    assert [(item.source_id, item.quantity) for item in created.items] == [("sku-1", 2)]
    assert created.customer is not None
    assert created.customer.id is not None


async def test_a_datetime_inside_a_mapping_goes_out_in_the_apis_form(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    placed = datetime(2021, 5, 1, 12, 0, 0, 123456)  # naive: taken as UTC, like a model's datetime field

    await client.orders.import_orders([{"source_id": "o-1", "metadata": {"placed_at": placed}}])

    stored = await client.orders.get("o-1")
    assert stored.metadata == {"placed_at": "2021-05-01T12:00:00.123Z"}


async def test_a_value_that_is_not_json_is_refused_before_sending(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="Decimal is not JSON"):
        await client.orders.create({"source_id": "o-1", "amount": Decimal("1.5")})

    assert emulator.requests == []


@pytest.mark.parametrize(
    ("order", "named"),
    [({"source_id": "o-1", "metadata": {1: "x"}}, "Dict key must be str"), ({"amount": 2**70}, "64-bit")],
)
async def test_a_body_orjson_cannot_write_is_an_invalid_argument_before_sending(
    client: vf.AsyncVoucherify, emulator: Emulator, order: dict[str, object], named: str
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=named):
        await client.orders.create(order)

    assert emulator.requests == []


async def test_an_import_holding_a_value_that_is_not_json_is_refused_before_sending(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="Decimal is not JSON"):
        await client.orders.import_orders([{"source_id": "o-1", "amount": Decimal("1.5")}])

    assert emulator.requests == []


async def test_an_order_of_another_type_is_an_invalid_argument(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="model or a mapping, got list"):
        await client.orders.create([("source_id", "o-1")])  # type: ignore[arg-type]

    assert emulator.requests == []


async def test_create_of_an_invalid_order_raises_bad_request_with_details(client: vf.AsyncVoucherify) -> None:
    with pytest.raises(vf.BadRequestError) as caught:
        await client.orders.create({"source_id": "o-1", "items": [{"source_id": "a", "quantity": -1}]})

    assert caught.value.key == "invalid_payload"
    assert caught.value.details is not None
    assert ".items[0].quantity" in caught.value.details


async def test_get_by_source_id(client: vf.AsyncVoucherify) -> None:
    await client.orders.create({"source_id": "o-1", "amount": 5})

    assert (await client.orders.get("o-1")).amount == 5


async def test_get_by_voucherify_id(client: vf.AsyncVoucherify) -> None:
    created = await client.orders.create({"source_id": "o-1"})
    assert created.id is not None

    assert (await client.orders.get(created.id)).source_id == "o-1"


@pytest.mark.parametrize("source_id", ["shop/2021/o-1", "o 1?x=#2", "zamówienie-ü", "50%off"])
async def test_get_by_a_source_id_with_url_characters(client: vf.AsyncVoucherify, source_id: str) -> None:
    await client.orders.create({"source_id": source_id, "amount": 7})

    assert (await client.orders.get(source_id)).source_id == source_id


async def test_get_of_an_unknown_order_raises_not_found(client: vf.AsyncVoucherify) -> None:
    with pytest.raises(vf.NotFoundError) as caught:
        await client.orders.get("nope")

    assert (caught.value.resource_type, caught.value.resource_id) == ("order", "nope")


async def test_get_of_an_empty_id_is_refused_locally(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="non-empty id"):
        await client.orders.get("")

    assert emulator.requests == []


@pytest.mark.parametrize("order_id", ["", None, 7])
async def test_an_id_that_is_not_a_non_empty_string_is_an_invalid_argument(
    client: vf.AsyncVoucherify, emulator: Emulator, order_id: object
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="non-empty id"):
        await client.orders.update(order_id, {"status": "PAID"})  # type: ignore[arg-type]

    assert emulator.requests == []


async def test_update_changes_only_the_fields_given(client: vf.AsyncVoucherify) -> None:
    await client.orders.create({"source_id": "o-1", "status": "PAID", "amount": 1000})

    updated = await client.orders.update("o-1", vf.Order(status="FULFILLED"))

    assert (updated.status, updated.amount) == (vf.OrderStatus.FULFILLED, 1000)


async def test_update_of_an_unknown_order_raises_not_found(client: vf.AsyncVoucherify) -> None:
    with pytest.raises(vf.NotFoundError):
        await client.orders.update("nope", {"status": "PAID"})


async def test_list_returns_a_page_and_the_total(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    await _import(emulator, client, 15)

    page = await client.orders.list(limit=10, page=2, order="created_at")

    assert page.total == 15
    assert len(page.orders) == 5


@pytest.mark.parametrize(
    ("limit", "page"), [(0, 1), (101, 1), (10, 0), (10, 101), ("10", 1), (10, 2.0), (True, 1)]
)
async def test_list_out_of_range_is_refused_locally(
    client: vf.AsyncVoucherify, emulator: Emulator, limit: int, page: int
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="between 1 and 100"):
        await client.orders.list(limit=limit, page=page)

    assert emulator.requests == []


async def test_iterate_yields_every_order_once(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    await _import(emulator, client, 25)

    source_ids = [order.source_id async for order in client.orders.iterate(limit=10)]

    assert sorted(source_ids) == sorted(f"o-{n}" for n in range(25))


async def test_iterate_stops_on_total_without_asking_for_an_empty_page(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    await _import(emulator, client, 20)

    _ = [order async for order in client.orders.iterate(limit=5)]

    assert _routes(emulator, "GET /v1/orders") == 4


async def test_iterate_of_an_empty_project_asks_once(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    assert [order async for order in client.orders.iterate()] == []
    assert _routes(emulator, "GET /v1/orders") == 1


async def test_iterate_raises_page_limit_reached_after_page_100(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    await _import(emulator, client, 102)
    seen: list[vf.Order] = []

    async def read_all() -> None:
        async for order in client.orders.iterate(limit=1):
            seen.append(order)

    with pytest.raises(PageLimitReached) as caught:
        await read_all()

    assert (len(seen), caught.value.listed, caught.value.total) == (100, 100, 102)
    assert "export" in str(caught.value)


async def test_import_orders_returns_the_async_action_id(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    action_id = await client.orders.import_orders([vf.Order(source_id="o-1"), {"source_id": "o-2"}])

    assert action_id.startswith("aa_")
    assert [action["id"] for action in emulator.project("app").async_actions] == [action_id]


async def test_import_orders_stores_the_orders(client: vf.AsyncVoucherify, emulator: Emulator) -> None:
    await client.orders.import_orders([vf.Order(source_id="o-1", amount=3), {"source_id": "o-2"}])

    assert (await client.orders.get("o-1")).amount == 3
    assert set(emulator.project("app").orders) == {"o-1", "o-2"}


async def test_import_orders_sends_pre_serialised_bytes_as_they_are(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    await client.orders.import_orders(orjson.dumps([{"source_id": "o-1"}, {"source_id": "o-2"}]))

    assert set(emulator.project("app").orders) == {"o-1", "o-2"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[]", "the JSON array is empty"),
        (b" [ \n\t ] ", "the JSON array is empty"),
        (b'{"source_id": "o-1"}', "must be one JSON array"),
        (b"[", "must be one JSON array"),
        (b"", "must be one JSON array"),
    ],
)
async def test_pre_serialised_bytes_that_hold_no_orders_are_refused_before_sending(
    client: vf.AsyncVoucherify, emulator: Emulator, body: bytes, reason: str
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=reason):
        await client.orders.import_orders(body)
    assert _routes(emulator, "POST /v1/orders/import") == 0


async def test_pre_serialised_bytes_with_spaces_around_one_order_are_sent(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    await client.orders.import_orders(bytearray(b' [ {"source_id": "o-1"} ]\n'))
    assert list(emulator.project("app").orders) == ["o-1"]
    assert _routes(emulator, "POST /v1/orders/import") == 1


async def test_import_of_2001_orders_is_refused_locally(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match="at most 2000"):
        await client.orders.import_orders([{"source_id": f"o-{n}"} for n in range(2001)])

    assert emulator.requests == []


async def test_import_of_2000_orders_goes_in_one_request(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    await client.orders.import_orders([{"source_id": f"o-{n}"} for n in range(2000)])

    assert emulator.project("app").import_requests == 1


@pytest.mark.parametrize("orders", [[], b"[]", b" [ ] ", b'{"source_id": "o-1"}', b""])
async def test_import_of_nothing_or_not_an_array_is_refused_locally(
    client: vf.AsyncVoucherify, emulator: Emulator, orders: list[object] | bytes
) -> None:
    with pytest.raises(vf.InvalidArgumentError, match=r"JSON array|no orders"):
        await client.orders.import_orders(orders)  # type: ignore[arg-type]

    assert emulator.requests == []


async def test_import_with_an_invalid_order_raises_bad_request_naming_the_property(
    client: vf.AsyncVoucherify,
) -> None:
    orders = [
        {"source_id": "o-1"},
        {"source_id": "o-2", "items": [{"source_id": "a", "initial_quantity": 0}]},
    ]

    with pytest.raises(vf.BadRequestError) as caught:
        await client.orders.import_orders(orders)

    assert caught.value.details == "Property .items[0].initial_quantity cannot be lower than 1"


async def test_import_is_not_resent_after_a_lost_acknowledgement(
    client: vf.AsyncVoucherify, emulator: Emulator
) -> None:
    emulator.add_fault(Fault("lost_ack", route="POST /v1/orders/import", nth=1))

    with pytest.raises(vf.APIConnectionError) as caught:
        await client.orders.import_orders([{"source_id": "o-1"}])

    assert caught.value.request_sent
    assert emulator.project("app").import_requests == 1


async def test_export_starts_an_order_export(client: vf.AsyncVoucherify) -> None:
    export = await client.orders.export(fields=["id", "source_id"], order="-created_at")

    assert export.id.startswith("exp_")
    assert export.exported_object == "order"
    assert export.parameters is not None
    assert (export.parameters.fields, export.parameters.order) == (["id", "source_id"], "-created_at")


async def test_export_with_an_unknown_field_raises_bad_request(client: vf.AsyncVoucherify) -> None:
    with pytest.raises(vf.BadRequestError):
        await client.orders.export(fields=["id", "colour"])


async def test_a_wrong_app_token_raises_authentication_error(
    emulator: Emulator, clock: vf.ManualClock
) -> None:
    async with vf.AsyncVoucherify("app", "wrong", base_url=emulator.url, clock=clock) as client:
        with pytest.raises(vf.AuthenticationError):
            await client.orders.list()
