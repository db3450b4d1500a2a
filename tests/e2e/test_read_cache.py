"""The read caches in use: a burst of screens costs the backends one round, and a change made
through the frontend (a strategy started, a role taken away) shows in the very next answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from telegram_frontend.bot.middlewares.access_gate import BLOCKED
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.sandbox.backends.grid_trader import SEEDED_GRID_ID
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.trading.service import TradingService
from tests.e2e.harness import World, running_world, text_of

ADMIN = Actor(role=Role.ADMIN, user_id=1000, name="test")


@pytest.fixture
async def world(settings_env: dict[str, str], trading_database_url: str) -> AsyncIterator[World]:
    """Caches long enough that only an invalidation can explain a fresh answer."""
    extra = {
        "READ_CACHE_SECONDS": "60",
        "CALLER_CACHE_SECONDS": "60",
        "RATE_LIMIT_PER_MINUTE": "1000",
    }
    async with running_world(settings_env, trading_database_url, extra_env=extra) as running:
        yield running


async def test_a_burst_of_portfolio_screens_asks_binance_for_the_account_once(
    world: World,
) -> None:
    viewers = [await world.app.user_with_role(72001 + n, Role.VIEWER) for n in range(5)]
    before = world.binance.calls("GET", "/api/v3/account")

    replies = await asyncio.gather(*(viewer.send("/portfolio") for viewer in viewers))

    totals = {
        next(line for line in text_of(reply).splitlines() if line.startswith("Total: "))
        for reply in replies
    }
    assert len(totals) == 1
    assert world.binance.calls("GET", "/api/v3/account") - before == 1


async def test_a_strategy_started_shows_in_the_next_status_despite_the_cache(
    world: World,
) -> None:
    viewer = await world.app.user_with_role(72101, Role.VIEWER)
    assert "Strategies: 2 active of 3" in text_of(await viewer.send("/status"))
    assert "Strategies: 2 active of 3" in text_of(await viewer.send("/status"))

    trading = await world.app.frontend.container.get(TradingService)
    await trading.start_strategy(
        Actor(role=Role.TRADER, user_id=72102, name="t"), f"grid:{SEEDED_GRID_ID}"
    )

    assert "Strategies: 3 active of 3" in text_of(await viewer.send("/status"))


async def test_a_blocked_user_is_refused_at_the_next_message(world: World) -> None:
    viewer = await world.app.user_with_role(72201, Role.VIEWER)
    assert "Strategies:" in text_of(await viewer.send("/status"))  # the profile is cached now

    users = await world.app.frontend.container.get(UserService)
    await users.set_role(ADMIN, 72201, Role.BLOCKED)

    assert text_of(await viewer.send("/status")) == str(BLOCKED)
