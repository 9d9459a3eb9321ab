"""The ``voucherify-async`` command line."""

PROG = "voucherify-async"
"""The command's name, as users type it (also in the hints it prints, e.g. the command that resumes)."""
