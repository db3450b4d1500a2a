"""Fixtures shared by the deployment tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.deployments.support import FAST_WORKERS, two_deployments
from tests.e2e.harness import World


@pytest.fixture
async def fast_worlds(
    settings_env: dict[str, str],
    trading_database_url: str,
    mainnet_trading_database_url: str,
    tmp_path: Path,
) -> AsyncIterator[World]:
    """Testnet and mainnet with fast workers and backends that time out after half a second."""
    env = {**FAST_WORKERS, "HTTP_CONNECT_TIMEOUT": "0.5", "HTTP_READ_TIMEOUT": "0.5"}
    async with two_deployments(
        settings_env, trading_database_url, mainnet_trading_database_url, tmp_path, env
    ) as world:
        yield world
