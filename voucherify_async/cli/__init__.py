"""The ``voucherify-async`` command line."""
