"""Small Shopify-style and WooCommerce-style order exports, generated (no real data), with the orders they
should become, worked out from the generator's own integers (never through the code under test)."""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

SHOPIFY_COLUMNS = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount",
    "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price",
    "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable",
    "Lineitem fulfillment status", "Billing Name", "Billing City", "Billing Country", "Notes",
    "Cancelled at", "Payment Method", "Id", "Tags", "Source", "Phone",
]  # fmt: skip
SHOPIFY_STATUSES = {
    "paid": "PAID", "pending": "CREATED", "authorized": "CREATED", "refunded": "CANCELED",
    "partially_refunded": "PAID", "voided": "CANCELED",
}  # fmt: skip
WOO_COLUMNS = [
    "order_id", "order_number", "order_date", "status", "shipping_total", "shipping_tax_total", "fee_total",
    "tax_total", "discount_total", "order_total", "order_currency", "payment_method", "customer_id",
    "billing_first_name", "billing_last_name", "billing_email", "billing_phone", "shipping_method", "item_id",
    "item_name", "item_sku", "item_quantity", "item_subtotal", "item_total",
]  # fmt: skip
WOO_STATUSES = {
    "completed": "FULFILLED", "wc-completed": "FULFILLED", "processing": "PAID", "on-hold": "CREATED",
    "pending": "CREATED", "cancelled": "CANCELED", "refunded": "CANCELED", "wc-processing": "PAID",
}  # fmt: skip
CURRENCIES = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3}


def units(minor: int, exponent: int) -> str:
    """``1250, 2`` -> ``"12.50"``: how an export writes an amount."""
    if exponent == 0:
        return str(minor)
    return f"{minor // 10**exponent}.{minor % 10**exponent:0{exponent}d}"


def _offset_text(minutes: int) -> tuple[str, str]:
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{rest:02d}", f"{sign}{hours:02d}:{rest:02d}"


def shopify_export(path: Path, orders: int, *, seed: int = 1) -> list[dict[str, Any]]:
    """Write a Shopify orders export of ``orders`` orders (1 to 4 line items each) and return the orders
    it should map to, in file order (``_rows``: how many rows each takes)."""
    rng = random.Random(seed)
    expected = []
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.DictWriter(file, SHOPIFY_COLUMNS)
        out.writeheader()
        for number in range(orders):
            name = f"#{1001 + number}"
            currency = rng.choice(list(CURRENCIES))
            exponent = CURRENCIES[currency]
            status = rng.choice(list(SHOPIFY_STATUSES))
            offset, iso_offset = _offset_text(rng.choice([-300, 0, 60, 330]))
            day, hour = 1 + number % 28, number % 24
            created = f"2023-{1 + number % 12:02d}-{day:02d} {hour:02d}:15:30 {offset}"
            iso = f"2023-{1 + number % 12:02d}-{day:02d}T{hour:02d}:15:30{iso_offset}"
            iso = iso.replace("+00:00", "Z")
            items = []
            for line in range(rng.randint(1, 4)):
                items.append(
                    {
                        "source_id": f"SKU-{number}-{line}",
                        "product": {"name": f'Product {line}, "size" {number % 5}'},
                        "quantity": rng.randint(1, 5),
                        "price": rng.randint(1, 50_000),
                    }
                )
            total = sum(item["price"] * item["quantity"] for item in items) + 500
            discount = rng.choice([0, 100, 250])
            for line, item in enumerate(items):
                row = {
                    "Name": name,
                    "Lineitem quantity": str(item["quantity"]),
                    "Lineitem name": item["product"]["name"],
                    "Lineitem price": units(item["price"], exponent),
                    "Lineitem sku": item["source_id"],
                    "Lineitem requires shipping": "true",
                    "Lineitem taxable": "true",
                    "Lineitem fulfillment status": "pending",
                }
                if line == 0:  # Shopify writes the order's own fields on its first row only
                    row |= {
                        "Email": f"buyer{number}@example.com",
                        "Financial Status": status,
                        "Fulfillment Status": "unfulfilled",
                        "Currency": currency,
                        "Total": units(total, exponent),
                        "Subtotal": units(total - 500, exponent),
                        "Discount Amount": units(discount, exponent),
                        "Created at": created,
                        "Billing Name": "Test Buyer",
                        "Id": str(5_000_000 + number),
                    }
                out.writerow(row)
            expected.append(
                {
                    "source_id": name,
                    "status": SHOPIFY_STATUSES[status],
                    "amount": total,
                    "discount_amount": discount,
                    "customer": {"email": f"buyer{number}@example.com"},
                    "metadata": {
                        "shop": "shopify",
                        "created_at": iso,
                        "financial_status": status,
                        "fulfillment_status": "unfulfilled",
                    },
                    "items": items,
                    "_rows": len(items),
                }
            )
    return expected


def woocommerce_export(path: Path, orders: int, *, seed: int = 2) -> list[dict[str, Any]]:
    """Write a WooCommerce orders export (one row per item, order fields on every row) and return the
    orders it should map to."""
    rng = random.Random(seed)
    expected = []
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.DictWriter(file, WOO_COLUMNS)
        out.writeheader()
        for number in range(orders):
            currency = rng.choice(["USD", "EUR", "JPY"])
            exponent = CURRENCIES[currency]
            status = rng.choice(list(WOO_STATUSES))
            date = f"2022-{1 + number % 12:02d}-{1 + number % 28:02d} {number % 24:02d}:05:09"
            items = []
            for line in range(rng.randint(1, 3)):
                quantity = rng.randint(1, 4)
                items.append(
                    {
                        "source_id": f"woo-{number}-{line}",
                        "product": {"name": f"Item {line}"},
                        "quantity": quantity,
                        "amount": quantity * rng.randint(1, 9_999),
                    }
                )
            total = sum(item["amount"] for item in items)
            for item in items:
                out.writerow(
                    {
                        "order_id": str(9000 + number),
                        "order_number": f"WC-{1000 + number}",
                        "order_date": date,
                        "status": status,
                        "discount_total": units(0, exponent),
                        "order_total": units(total, exponent),
                        "order_currency": currency,
                        "payment_method": "stripe",
                        "billing_email": f"woo{number}@example.com",
                        "item_name": item["product"]["name"],
                        "item_sku": item["source_id"],
                        "item_quantity": str(item["quantity"]),
                        "item_total": units(item["amount"], exponent),
                    }
                )
            expected.append(
                {
                    "source_id": f"WC-{1000 + number}",
                    "status": WOO_STATUSES[status],
                    "amount": total,
                    "discount_amount": 0,
                    "customer": {"email": f"woo{number}@example.com"},
                    "metadata": {
                        "shop": "woocommerce",
                        "created_at": date.replace(" ", "T") + "Z",
                        "order_status": status,
                    },
                    "items": items,
                    "_rows": len(items),
                }
            )
    return expected


def without_rows(order: dict[str, Any]) -> dict[str, Any]:
    """The expected order without the generator's ``_rows`` count."""
    return {key: value for key, value in order.items() if key != "_rows"}
