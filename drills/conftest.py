"""The drills reuse the test suite's fixtures: a fresh database per drill on SQLite and on
PostgreSQL (`backend`), the matching cache, and the e2e trading database for the fakes.

Each drill logs as production does (JSON lines, plain tracebacks): under a storm of failures
the development console renderer, which pretty-prints every traceback with its locals, would
block the event loop for seconds and measure the renderer instead of the frontend.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog

from telegram_frontend.core.logging import configure_logging
from tests.conftest import backend, cache, database, settings_env
from tests.e2e.conftest import trading_database_url

__all__ = ["backend", "cache", "database", "settings_env", "trading_database_url"]


@pytest.fixture(autouse=True)
def production_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging("WARNING", "json")
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        structlog.reset_defaults()
