"""/status, /health, /metrics, /dashboard and /logs through the emulator, against the fakes.

Screens that read our own database or cache run on both backends; the ones that only show
the fakes' figures run on the embedded one (the backend makes no difference to them).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from telegram_frontend.core.access import Role
from telegram_frontend.services.admin.logs import LogService
from tests.e2e.harness import RunningFrontend, World, running_frontend, running_world, text_of

VIEWER_ID, ADMIN_ID = 701, 1000
GRAFANA = "https://grafana.example.org/grafana"


FAST = {
    "HTTP_READ_TIMEOUT": "1",
    "HTTP_RETRIES": "0",
    "GRAFANA_URL": GRAFANA,
    "RATE_LIMIT_PER_MINUTE": "1000",  # the admin id is shared by every test (and Redis)
}


@pytest.fixture
async def world(settings_env: dict[str, str], trading_database_url: str) -> AsyncIterator[World]:
    """No snapshot cache (each screen sees the fakes as they are now), fast timeouts."""
    extra = {**FAST, "MONITORING_CACHE_SECONDS": "0"}
    async with running_world(settings_env, trading_database_url, extra_env=extra) as running:
        yield running


@pytest.fixture
async def cached_world(
    settings_env: dict[str, str], trading_database_url: str
) -> AsyncIterator[World]:
    """Snapshots cached long enough that two quick refreshes see the same one."""
    extra = {**FAST, "MONITORING_CACHE_SECONDS": "60"}
    async with running_world(settings_env, trading_database_url, extra_env=extra) as running:
        yield running


def lines(text: str) -> list[str]:
    return text.split("\n")


async def test_status_shows_services_data_and_trading_and_refresh_edits_in_place(
    cached_world: World,
) -> None:
    world = cached_world
    await world.backends.step({"conservative-btc": "BUY"})
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
    [reply] = await viewer.send("/status")
    text = reply.text or ""
    assert lines(text)[0] == "🟢 System status — all services up"
    for service in ("MACD trader", "grid trader", "data storage", "data collection"):
        assert any(line.startswith(f"🟢 {service}: UP, ") for line in lines(text)), service
    assert "🟢 trading database: UP" in text
    assert any(
        line.startswith("Last kline event: ") and line.endswith("s ago (data collection)")
        for line in lines(text)
    )
    assert "Strategies: 2 active of 3" in lines(text)
    assert "P&L 24h: 0.00 USDT" in lines(text)
    assert "Open positions: 1" in lines(text)
    assert "Last trade: BUY 0.01 BTCUSDT @ " in text and " · conservative-btc · " in text
    assert [b["text"] for row in reply.buttons for b in row] == ["🔄 Refresh"]

    same = await viewer.press("🔄 Refresh")
    assert same.answer.text == "Up to date"
    assert same.edited is None and same.new_messages == []

    await world.backends.step({"conservative-btc": "SELL"})
    fresh = await viewer.press("🔄 Refresh")
    assert fresh.answer.text == "Updated"
    assert fresh.edited is not None and fresh.new_messages == []
    assert "Open positions: 0" in lines(fresh.edited.text or "")
    assert "Last trade: SELL 0.01 BTCUSDT @ " in (fresh.edited.text or "")


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_a_down_or_slow_backend_is_named_within_the_timeout(world: World) -> None:
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
    await world.backends.go_down("data_storage")
    world.backends.faults["macd_trader"].delay_seconds = 3.0
    calls_before = (await world.app.client.stats()).calls.get("sendChatAction", 0)
    started = time.monotonic()
    text = text_of(await viewer.send("/status", timeout=8))
    assert time.monotonic() - started < 6
    assert lines(text)[0] == "🔴 System status — problems: MACD trader, data storage"
    assert "🔴 data storage: DOWN — " in text
    assert "🔴 MACD trader: DOWN — " in text
    assert "⚠️ The data storage service is unavailable: " in text
    assert "⚠️ The MACD trader service is unavailable: " in text
    assert "🟢 grid trader: UP" in text
    assert "Open positions: 0" in lines(text)  # the trading database still answers
    stats = await world.app.client.stats()
    assert stats.calls.get("sendChatAction", 0) > calls_before  # "typing…" while it waited


async def test_health_details_components_binance_and_this_bot(world: World) -> None:
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
    world.backends.storage.elasticsearch_up = False
    text = text_of(await viewer.send("/health"))
    db = "postgresql" if world.app.settings.is_postgres else "sqlite"
    cache = "redis" if world.app.settings.redis_url else "memory"
    assert lines(text)[0] == "🟡 Health — problems: data storage"
    assert "🟢 MACD trader: UP, " in text
    assert "    components: db UP" in lines(text)
    assert "🟡 data storage: DEGRADED, " in text
    assert "its Elasticsearch connection is down" in text
    assert "Data storage connections: PostgreSQL ✅, Elasticsearch ❌" in lines(text)
    assert "Data quality: received 1,000, saved 998, failed 2, compensated 1" in lines(text)
    assert "Binance API: 🟢 reachable (testnet), " in text and "used weight " in text
    assert f"🟢 Database: {db} at revision " in text
    assert f"🟢 Cache: {cache}" in lines(text)
    assert "🟢 Telegram: connected (polling)" in lines(text)
    assert "log_sink running" in text


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_metrics_shows_trading_data_and_delivery_figures(world: World) -> None:
    await world.backends.step({"conservative-btc": "BUY"})
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
    text = text_of(await viewer.send("/metrics"))
    assert lines(text)[0] == "📈 Key figures"
    assert "Signals: 1 (buy 1, sell 0)" in lines(text)
    assert "Active positions: 1" in lines(text)
    assert "Trades in 24h: 1; open orders: 0" in lines(text)  # testnet never writes `orders`
    q = world.backends.storage
    counts = f"received {q.received:,}, saved {q.saved:,}, failed {q.failed}, compensated 1"
    assert counts in lines(text)
    assert any(line.startswith("Commands handled: ") for line in lines(text))
    assert any(line.startswith("Outbox: ") for line in lines(text))


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_dashboard_links_every_grafana_dashboard(world: World) -> None:
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
    [reply] = await viewer.send("/dashboard")
    assert reply.text == (
        "📊 Grafana dashboards\nTap a dashboard to open it.\n"
        "⚠️ Not provisioned by this deployment: MACD overlay."
    )
    urls = {b["text"]: b["url"] for row in reply.buttons for b in row}
    assert len(urls) == 9
    assert urls["System health"] == f"{GRAFANA}/d/system-health-overview"
    assert urls["⚠️ MACD overlay"] == f"{GRAFANA}/d/macd-overlay"  # the testnet compose lacks it


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_dashboard_without_grafana_says_it_is_not_configured(
    settings_env: dict[str, str],
) -> None:
    async with running_frontend(settings_env) as app:
        viewer = await app.user_with_role(VIEWER_ID, Role.VIEWER)
        assert text_of(await viewer.send("/dashboard")) == (
            "📊 Grafana is not configured: set GRAFANA_URL to get links to the dashboards."
        )


async def _store_logs(app: RunningFrontend, count: int, text: str = "event") -> None:
    logs = await app.frontend.container.get(LogService)
    now = time.time()
    batch = [
        (now + n, "WARNING" if n % 2 else "INFO", "tests.logs", f"{text} {n} <b>&")
        for n in range(count)
    ]
    await logs.store(batch)


async def test_logs_filter_by_level_and_text_and_page_with_prev_next_for_admins_only(
    world: World,
) -> None:
    admin = await world.app.admin()
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)
    assert text_of(await viewer.send("/logs")) == "This needs the admin role; you are viewer."
    await _store_logs(world.app, 50, "disk_full")
    [first] = await admin.send("/logs warning disk_full")
    text = first.text or ""
    assert lines(text)[0] == "📜 Logs — level WARNING and above, containing “disk_full”, page 1"
    assert "disk_full 49 <b>&amp;" not in text  # shown as text, not as markup
    assert "disk_full 49 <b>&" in text and "disk_full 48" not in text and "disk_full 29" not in text
    assert text.count("WARNING tests.logs") == 10
    assert [b["text"] for row in first.buttons for b in row] == ["Next ▶"]

    second = await admin.press("Next ▶")
    assert second.answer.text == "Page 2"
    assert second.edited is not None
    assert lines(second.edited.text or "")[0].endswith("page 2")
    assert "disk_full 29 <b>&" in (second.edited.text or "")
    assert "disk_full 11 <b>&" in (second.edited.text or "")
    assert [b["text"] for row in second.edited.buttons for b in row] == ["◀ Prev", "Next ▶"]
    back = await admin.press("◀ Prev")
    assert "disk_full 49" in (back.edited.text if back.edited else "")

    nothing = text_of(await admin.send("/logs ERROR"))
    assert nothing == "📜 Logs — level ERROR and above, page 1\nNo log records match."
