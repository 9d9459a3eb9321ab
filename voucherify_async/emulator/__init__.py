"""A local stand-in for the Voucherify API, for development, tests, demos and benchmarks."""
