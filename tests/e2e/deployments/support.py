"""Helpers of the two-deployment tests: fast workers, and waiting for both trade pollers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from telegram_frontend.core.database import Database
from telegram_frontend.services.notifications.worker_state import read_state, scoped_key
from telegram_frontend.workers.trade_poller import CURSOR_KEY
from tests.e2e.harness import World, running_world, wait_for
from tests.e2e.notifications.support import FAST_DELIVERY

FAST_WORKERS = {
    **FAST_DELIVERY,
    "TRADE_POLL_SECONDS": "0.1",
    "RISK_POLL_SECONDS": "0.2",
    "HEALTH_POLL_SECONDS": "0.2",
    "HEALTH_FLAP_POLLS": "2",
    "ALERT_POLL_SECONDS": "0.2",
    "HTTP_RETRIES": "0",
    "MONITORING_CACHE_SECONDS": "0",
    "BREAKER_RESET_SECONDS": "0.3",
}
NAMES = ("testnet", "mainnet")


@asynccontextmanager
async def two_deployments(
    settings_env: dict[str, str],
    trading_database_url: str,
    mainnet_trading_database_url: str,
    tmp_path: Path,
    extra_env: dict[str, Any],
) -> AsyncIterator[World]:
    """The `two_worlds` sandbox with this test's worker settings."""
    async with running_world(
        settings_env,
        trading_database_url,
        extra_env=extra_env,
        mainnet_trading_database_url=mainnet_trading_database_url,
        deployments_file=tmp_path / "deployments.toml",
    ) as world:
        yield world


async def pollers_started(world: World) -> None:
    """Both deployments' trade pollers stored their first cursor (so a new trade is news)."""
    db = await world.app.frontend.container.get(Database)

    async def started() -> bool:
        for name in NAMES:
            if not (await read_state(db, scoped_key(CURSOR_KEY, name))).get("initialized"):
                return False
        return True

    await wait_for(started, timeout=20, what="both trade pollers' first cursors")
