"""Compatibility of the emulator with Voucherify's official SDKs (a package: its module names never clash)."""
