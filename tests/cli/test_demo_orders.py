from __future__ import annotations

from voucherify_async.cli.demo_orders import DEFECTS, generate_orders, plan_dataset


def test_same_seed_gives_the_same_orders() -> None:
    dataset = plan_dataset(300, seed=7)
    assert list(generate_orders(dataset)) == list(generate_orders(plan_dataset(300, seed=7)))


def test_orders_are_dated_oldest_first_over_several_years() -> None:
    dates = [order["created_at"] for order in generate_orders(plan_dataset(2000, seed=1))]
    assert dates == sorted(dates)
    assert int(dates[-1][:4]) - int(dates[0][:4]) >= 4


def test_about_one_order_in_a_thousand_is_broken_each_way_in_turn() -> None:
    dataset = plan_dataset(20_000, seed=1)
    assert sorted(dataset.defects.values()) == sorted(DEFECTS * 4)


def test_order_amount_is_the_sum_of_its_items() -> None:
    dataset = plan_dataset(200, seed=3, defect_every=10_000)
    orders = [order for order in generate_orders(dataset) if order["source_id"] not in dataset.defects]
    assert all(order["amount"] == sum(item["amount"] for item in order["items"]) for order in orders)


def test_broken_orders_are_broken_as_planned() -> None:
    dataset = plan_dataset(5000, seed=5)
    by_id = {order["source_id"]: order for order in generate_orders(dataset)}
    kinds = {kind: by_id[source_id] for source_id, kind in dataset.defects.items()}
    assert kinds["zero_quantity"]["items"][0]["quantity"] == 0
    assert kinds["negative_amount"]["amount"] < 0
    assert kinds["unknown_status"]["status"] == "SHIPPED"
    assert "source_id" not in kinds["missing_customer"]["customer"]
    assert kinds["unknown_channel"]["metadata"]["channel"] == "fax"
