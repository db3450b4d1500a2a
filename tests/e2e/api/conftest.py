"""Fixtures of the HTTP API tests: the whole world behind the app, and one key per role."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.api.support import ApiKeys, issue_keys
from tests.e2e.harness import World, running_world


@pytest.fixture
async def api_world(
    settings_env: dict[str, str], trading_database_url: str
) -> AsyncIterator[World]:
    """The frontend with the fake trading system and Binance; API limits out of the way."""
    async with running_world(
        settings_env, trading_database_url, extra_env={"API_RATE_LIMIT_PER_MINUTE": "100000"}
    ) as world:
        # Every route is also served per deployment, so a schema run sends twice the requests.
        world.binance.set_weight_limit(60_000)
        yield world


@pytest.fixture
async def api_keys(api_world: World) -> ApiKeys:
    return await issue_keys(api_world.app)


@pytest.fixture
async def http(api_world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api_world.app.http_base, timeout=30) as client:
        yield client
