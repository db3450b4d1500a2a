"""Every backend down at once: the traders, data services, Prometheus, the trading database and
Binance. Every command still answers within its deadline with a sentence, never "something went
wrong"; the screens that need a backend name the ones that failed; no worker dies.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from drills.support import INTERNAL_ERROR, internal_errors
from telegram_frontend.bot.ui.command_catalog import catalog
from telegram_frontend.sandbox.backends.trading_system import SERVICE_NAMES
from telegram_frontend.sandbox.frontend_process import free_port
from tests.e2e.harness import running_world, text_of

pytestmark = pytest.mark.parametrize("backend", ["embedded"], indirect=True)

FAST_FAILURE = {
    "HTTP_RETRIES": "0",
    "HTTP_CONNECT_TIMEOUT": "0.5",
    "HTTP_READ_TIMEOUT": "0.5",
    "MONITORING_CACHE_SECONDS": "0",
    "RATE_LIMIT_PER_MINUTE": "100000",
    "TRADE_POLL_SECONDS": "0.2",
    "RISK_POLL_SECONDS": "0.2",
    "HEALTH_POLL_SECONDS": "3600",  # its DOWN notices would mix with the answers under test
    "ALERT_POLL_SECONDS": "0.2",
}
ANSWER_WITHIN_S = 8.0
# The screens that show backend data, and words of the sentence that must name what failed.
NAMES_THE_SERVICES = {
    "status": ("MACD trader", "grid trader", "data storage", "trading database"),
    "health": ("MACD trader", "grid trader", "data storage", "trading database"),
    "portfolio": ("Binance",),
    "positions": ("trading database",),
    "orders": ("Binance",),
    "strategy": ("MACD trader", "grid trader"),
    "performance": ("trading database",),
    "metrics": ("Prometheus", "trading database"),
}


async def test_with_every_backend_down_every_command_answers_in_time_and_names_them(
    settings_env: dict[str, str], trading_database_url: str
) -> None:
    closed = f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/trading"
    env = {**FAST_FAILURE, "TRADING_DATABASE_URL": closed}
    async with running_world(settings_env, trading_database_url, extra_env=env) as world:
        for name in SERVICE_NAMES:
            await world.backends.go_down(name)
        await world.binance.stop()
        admin = await world.app.admin()
        errors_before = internal_errors()
        assert world.app.frontend.dispatcher is not None
        commands = [entry.info.name for entry in catalog(world.app.frontend.dispatcher)]
        assert set(NAMES_THE_SERVICES) <= set(commands), "a screen under test was renamed"
        slow, unclear = [], []
        for command in commands:
            started = time.monotonic()
            replies = await admin.send(f"/{command}", timeout=ANSWER_WITHIN_S)
            took = time.monotonic() - started
            text = text_of(replies)
            if took > ANSWER_WITHIN_S or not text.strip():
                slow.append((command, round(took, 1)))
            print(f"/{command} ({took:.1f} s): {text[:160]!r}")
            wanted = NAMES_THE_SERVICES.get(command, ())
            if INTERNAL_ERROR in text or (wanted and not any(name in text for name in wanted)):
                unclear.append((command, text[:300]))
        await asyncio.sleep(1.0)  # a few more failed polls of every worker
        workers = dict(world.app.frontend.state.workers)

    assert slow == [], f"late or silent answers: {slow}"
    assert unclear == [], f"answers that do not say what failed: {unclear}"
    assert internal_errors() == errors_before
    assert all(state == "running" for state in workers.values()), workers
