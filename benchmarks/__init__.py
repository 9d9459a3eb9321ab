"""Benchmarks of voucherify-async against the official SDK and a hand-written aiohttp loop.

Run ``uv run --group bench python -m benchmarks`` (see ``benchmarks/README.md``).
"""
