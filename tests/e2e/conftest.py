"""Fixtures of the end-to-end tests (see harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.conftest import Backend, create_pg_database, drop_pg_database, pg_url
from tests.e2e.harness import RunningFrontend, World, running_frontend, running_world


@pytest.fixture
async def app(settings_env: dict[str, str]) -> AsyncIterator[RunningFrontend]:
    """The frontend on this test's backend, talking to a fresh emulator."""
    async with running_frontend(settings_env) as running:
        yield running


@asynccontextmanager
async def fresh_trading_database(backend: Backend, path: Path, prefix: str) -> AsyncIterator[str]:
    """A fresh trading database for the fakes: SQLite beside SQLite, PostgreSQL beside PG."""
    if not backend.is_pg:
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = await create_pg_database(prefix)
    try:
        yield pg_url(name)
    finally:
        await drop_pg_database(name)


@pytest.fixture
async def trading_database_url(backend: Backend, tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_trading_database(backend, tmp_path / "trading.db", "tf_test_trading") as url:
        yield url


@pytest.fixture
async def world(settings_env: dict[str, str], trading_database_url: str) -> AsyncIterator[World]:
    """The frontend with the fake trading system and fake Binance behind it."""
    async with running_world(settings_env, trading_database_url) as running:
        yield running


@pytest.fixture
async def mainnet_trading_database_url(backend: Backend, tmp_path: Path) -> AsyncIterator[str]:
    """The second deployment's own trading database."""
    path = tmp_path / "mainnet-trading.db"
    async with fresh_trading_database(backend, path, "tf_test_mainnet") as url:
        yield url


@pytest.fixture
async def two_worlds(
    settings_env: dict[str, str],
    trading_database_url: str,
    mainnet_trading_database_url: str,
    tmp_path: Path,
) -> AsyncIterator[World]:
    """The sandbox with two deployments, "testnet" (the default) and "mainnet", on own fakes."""
    async with running_world(
        settings_env,
        trading_database_url,
        mainnet_trading_database_url=mainnet_trading_database_url,
        deployments_file=tmp_path / "deployments.toml",
    ) as running:
        yield running
