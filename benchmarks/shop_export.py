"""A Shopify-style orders export for the ``mapped`` suite, written fast and the same for a given size.

One row per line item (1 to 3 per order, 2 on average), the order's own fields on its first row only, as
Shopify writes them; amounts in decimal units of USD, EUR or JPY; generated, no real data.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

COLUMNS = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Accepts Marketing", "Currency",
    "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku",
    "Lineitem requires shipping", "Lineitem taxable", "Billing Name", "Billing City", "Billing Country",
    "Tags", "Source", "Id",
]  # fmt: skip
_STATUSES = ("paid", "pending", "refunded", "partially_refunded", "authorized")
_CURRENCIES = (("USD", 2), ("EUR", 2), ("JPY", 0))


def _units(minor: int, exponent: int) -> str:
    return str(minor) if exponent == 0 else f"{minor // 100}.{minor % 100:02d}"


def write_shopify_export(path: Path, rows: int, seed: int = 7) -> int:
    """Write ``rows`` rows (whole orders: the last order may stop short of its item count); the number of
    orders written."""
    rng = random.Random(seed)
    empty_order = dict.fromkeys(COLUMNS, "")
    written = orders = 0
    with path.open("w", newline="", encoding="utf-8") as file:
        out = csv.writer(file)
        out.writerow(COLUMNS)
        while written < rows:
            orders += 1
            currency, exponent = _CURRENCIES[orders % 3]
            items = [(rng.randint(1, 4), rng.randint(100, 99_999)) for _ in range(rng.randint(1, 3))]
            total = sum(quantity * price for quantity, price in items)
            for line, (quantity, price) in enumerate(items):
                if written == rows:
                    break
                row = dict(empty_order)
                row.update(
                    {
                        "Name": f"#{100_000 + orders}",
                        "Lineitem quantity": str(quantity),
                        "Lineitem name": f"Product {price % 97}",
                        "Lineitem price": _units(price, exponent),
                        "Lineitem sku": f"SKU-{price % 997:04d}",
                        "Lineitem requires shipping": "true",
                        "Lineitem taxable": "true",
                    }
                )
                if line == 0:
                    day, minute = 1 + orders % 28, orders % 60
                    row.update(
                        {
                            "Email": f"buyer{orders}@example.com",
                            "Financial Status": _STATUSES[orders % len(_STATUSES)],
                            "Fulfillment Status": "fulfilled",
                            "Currency": currency,
                            "Subtotal": _units(total, exponent),
                            "Total": _units(total, exponent),
                            "Discount Amount": _units(0, exponent),
                            "Shipping Method": "Standard",
                            "Created at": f"2021-{1 + orders % 12:02d}-{day:02d} 10:{minute:02d}:00 -0500",
                            "Billing Name": "Test Buyer",
                            "Billing City": "Springfield",
                            "Billing Country": "US",
                            "Tags": "migrated",
                            "Source": "web",
                            "Id": str(4_000_000_000 + orders),
                        }
                    )
                out.writerow(row.values())
                written += 1
    return orders
