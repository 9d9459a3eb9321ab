"""to_wire / from_wire: unset fields, unknown fields, enums, datetimes, mappings."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime, timedelta, timezone

import cattrs
import pytest

import voucherify_async as vf
from voucherify_async.models import (
    Customer,
    Export,
    Order,
    OrderItem,
    OrderItemProduct,
    OrderStatus,
    RelatedObject,
    from_wire,
    to_wire,
)


def test_unset_fields_are_omitted_not_sent_as_null() -> None:
    assert to_wire(Order(source_id="o-1")) == {"source_id": "o-1"}


def test_zero_and_false_values_are_sent() -> None:
    item = OrderItem(quantity=0, price=0, product=OrderItemProduct(override=False))

    assert to_wire(item) == {"quantity": 0, "price": 0, "product": {"override": False}}


def test_nested_models_go_out_as_dicts() -> None:
    order = Order(
        source_id="o-1",
        items=[OrderItem(source_id="sku-1", quantity=2, price=500)],
        customer=Customer(source_id="c-1", email="c@example.com"),
    )

    assert to_wire(order) == {
        "source_id": "o-1",
        "items": [{"source_id": "sku-1", "quantity": 2, "price": 500}],
        "customer": {"source_id": "c-1", "email": "c@example.com"},
    }


def test_unknown_server_fields_are_kept_in_extra() -> None:
    order = from_wire(Order, {"id": "ord_1", "log_id": "log_9", "user": {"id": "u"}})

    assert order.extra == {"log_id": "log_9", "user": {"id": "u"}}


def test_unknown_fields_of_nested_models_are_kept() -> None:
    order = from_wire(Order, {"items": [{"source_id": "a", "new_field": 1}]})

    assert order.items is not None
    assert order.items[0].extra == {"new_field": 1}


def test_unknown_fields_are_sent_back_on_a_round_trip() -> None:
    wire = {"id": "ord_1", "status": "PAID", "log_id": "log_9", "items": [{"quantity": 1, "new_field": 1}]}

    assert to_wire(from_wire(Order, wire)) == wire


def test_a_known_field_wins_over_the_same_key_in_extra() -> None:
    order = Order(source_id="new", extra={"source_id": "stale", "other": 1})

    assert to_wire(order) == {"source_id": "new", "other": 1}


def test_known_enum_value_becomes_a_member() -> None:
    order = from_wire(Order, {"status": "PAID", "items": [{"related_object": "sku"}]})

    assert order.status is OrderStatus.PAID
    assert order.items is not None
    assert order.items[0].related_object is RelatedObject.SKU


def test_unknown_enum_value_is_kept_as_the_raw_string() -> None:
    order = from_wire(Order, {"status": "PARTIALLY_REFUNDED"})

    assert order.status == "PARTIALLY_REFUNDED"
    assert to_wire(order) == {"status": "PARTIALLY_REFUNDED"}


def test_enum_member_goes_out_as_a_plain_string() -> None:
    status = to_wire(Order(status=OrderStatus.CANCELED))["status"]

    assert status == "CANCELED"
    assert type(status) is str


def test_enum_member_equals_its_string() -> None:
    assert OrderStatus.PAID == "PAID"
    assert str(OrderStatus.PAID) == "PAID"


def test_datetime_goes_out_as_utc_with_milliseconds_and_z() -> None:
    created = datetime(2021, 3, 4, 5, 6, 7, 891234, tzinfo=timezone(timedelta(hours=2)))

    assert to_wire(Order(created_at=created)) == {"created_at": "2021-03-04T03:06:07.891Z"}


def test_naive_datetime_is_taken_as_utc() -> None:
    wire = to_wire(Order(created_at=datetime(2021, 3, 4, 5, 6, 7)))

    assert wire == {"created_at": "2021-03-04T05:06:07.000Z"}


@pytest.mark.parametrize(
    "text",
    ["2022-09-09T07:44:41.594Z", "2022-09-09T07:44:41.594000+00:00", "2022-09-09T07:44:41.5940Z"],
)
def test_server_datetimes_parse_as_aware_utc(text: str) -> None:
    order = from_wire(Order, {"created_at": text})

    assert order.created_at == datetime(2022, 9, 9, 7, 44, 41, 594000, tzinfo=timezone.utc)


def test_server_datetime_survives_a_round_trip() -> None:
    assert to_wire(from_wire(Order, {"created_at": "2022-09-09T07:44:41.594Z"})) == {
        "created_at": "2022-09-09T07:44:41.594Z"
    }


def test_customer_dates_parse_and_go_back_out() -> None:
    customer = from_wire(Customer, {"birthdate": "2022-01-02"})

    assert customer.birthdate == date(2022, 1, 2)
    assert to_wire(customer) == {"birthdate": "2022-01-02"}


def test_product_price_keeps_integers_as_integers() -> None:
    order = from_wire(Order, {"items": [{"product": {"price": 60000}}, {"sku": {"price": 1.5}}]})

    assert to_wire(order) == {"items": [{"product": {"price": 60000}}, {"sku": {"price": 1.5}}]}


def test_a_plain_dict_passes_through_untouched() -> None:
    order = {"source_id": "o-1", "amount": 100}

    assert to_wire(order) is order


def test_another_mapping_is_copied_into_a_dict() -> None:
    wire = to_wire(OrderedDict(source_id="o-1"))

    assert type(wire) is dict
    assert wire == {"source_id": "o-1"}


def test_to_wire_refuses_what_is_neither_model_nor_mapping() -> None:
    with pytest.raises(vf.InvalidArgumentError, match="list"):
        to_wire([{"source_id": "o-1"}])


def test_from_wire_refuses_a_non_object_naming_where_it_is() -> None:
    with pytest.raises(vf.InvalidArgumentError, match=r"expected OrderItem @ \$\.items\[0\]") as caught:
        from_wire(Order, {"items": ["not an object"]})

    assert isinstance(caught.value.__cause__, cattrs.BaseValidationError)


def test_from_wire_names_the_path_of_a_wrong_value_but_not_the_value() -> None:
    with pytest.raises(vf.InvalidArgumentError, match=r"expected .*ExportResult.* @ \$\.result") as caught:
        from_wire(Export, {"id": "exp_1", "result": "https://x/?token=SECRET"})

    assert "SECRET" not in str(caught.value)


def test_from_wire_of_a_wrongly_typed_top_level_value_raises() -> None:
    with pytest.raises(vf.InvalidArgumentError, match="Order must be a JSON object"):
        from_wire(Order, "ord_1")


def test_repr_shows_only_the_fields_that_are_set() -> None:
    order = Order(source_id="o-1", status=OrderStatus.PAID, items=[OrderItem(quantity=1)], extra={"x": 1})

    assert (
        repr(order)
        == "Order(source_id='o-1', status=OrderStatus.PAID, items=[OrderItem(quantity=1)], extra={'x': 1})"
    )


def test_an_iso_string_in_a_datetime_field_goes_out_as_it_is() -> None:
    order = Order(created_at="2021-03-04T05:06:07Z", customer=Customer(birthdate="1990-01-02"))  # type: ignore[arg-type]

    assert to_wire(order) == {"created_at": "2021-03-04T05:06:07Z", "customer": {"birthdate": "1990-01-02"}}


def test_mappings_inside_a_model_go_out_as_they_are() -> None:
    order = Order(source_id="o-1", items=[{"source_id": "a", "quantity": 1}], customer={"source_id": "c"})  # type: ignore[list-item,arg-type]

    assert to_wire(order) == {
        "source_id": "o-1",
        "items": [{"source_id": "a", "quantity": 1}],
        "customer": {"source_id": "c"},
    }


def test_an_amount_that_is_not_whole_is_refused_not_truncated() -> None:
    with pytest.raises(vf.InvalidArgumentError, match=r"\$\.price"):
        from_wire(OrderItem, {"source_id": "sku-1", "price": 10.5})


def test_whole_numbers_sent_as_floats_or_strings_read_as_integers() -> None:
    item = from_wire(OrderItem, {"price": 1700.0, "quantity": "2"})

    assert (item.price, item.quantity) == (1700, 2)
    assert type(item.price) is int


def test_a_list_where_text_is_promised_is_refused_not_read_as_its_repr() -> None:
    with pytest.raises(vf.InvalidArgumentError, match=r"expected str \| None @ \$\.source_id"):
        from_wire(Order, {"source_id": ["o-1"]})


def test_a_number_where_text_is_promised_is_read_as_text() -> None:
    assert from_wire(Order, {"source_id": 12}).source_id == "12"
