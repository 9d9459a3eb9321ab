"""``VOUCHERIFY_LOG``: a stderr handler on the ``voucherify_async`` logger, set from the environment."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from voucherify_async._logging import LOGGER_NAME, log_from_environment


@pytest.fixture
def sdk_logger() -> Iterator[logging.Logger]:
    """The SDK's logger, given back as it was after the test."""
    logger = logging.getLogger(LOGGER_NAME)
    handlers, level = list(logger.handlers), logger.level
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_voucherify_log_debug_attaches_one_handler_at_debug(sdk_logger: logging.Logger) -> None:
    before = len(sdk_logger.handlers)
    log_from_environment({"VOUCHERIFY_LOG": "debug"})
    log_from_environment({"VOUCHERIFY_LOG": "DEBUG"})  # set again: replaced, not stacked
    assert (len(sdk_logger.handlers), sdk_logger.level) == (before + 1, logging.DEBUG)


def test_an_unknown_voucherify_log_leaves_logging_alone(sdk_logger: logging.Logger) -> None:
    handlers = list(sdk_logger.handlers)
    assert log_from_environment({"VOUCHERIFY_LOG": "loud"}) is None
    assert sdk_logger.handlers == handlers


def test_voucherify_log_is_read_when_the_package_is_imported() -> None:
    show = "import logging, voucherify_async; print(logging.getLogger('voucherify_async').level)"
    env = {**os.environ, "VOUCHERIFY_LOG": "info"}
    done = subprocess.run([sys.executable, "-c", show], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(logging.INFO)
