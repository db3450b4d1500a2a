"""The drills reuse the test suite's fixtures: a fresh database per drill on SQLite and on
PostgreSQL (`backend`), the matching cache, and the e2e trading database for the fakes."""

from __future__ import annotations

from tests.conftest import backend, cache, database, settings_env
from tests.e2e.conftest import trading_database_url

__all__ = ["backend", "cache", "database", "settings_env", "trading_database_url"]
