"""`tgfront doctor`: one line per configured backend, the latest trade as its alert reads and the
positions in USDT; exit 0 when every configured part answers, unconfigured is not a failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from telegram_frontend.cli.doctor import diagnose, render
from telegram_frontend.core.settings import Settings
from telegram_frontend.sandbox.backends.trading_db import FakeTradingDatabase
from telegram_frontend.sandbox.backends.trading_system import FakeBackends
from telegram_frontend.services.monitoring.doctor import CheckState

from .backend_fixtures import *  # noqa: F403 (the fixtures)
from .backend_fixtures import FAST_SETTINGS

T0 = datetime(2025, 10, 12, 12, 0, tzinfo=UTC)


@pytest.fixture
async def real_shaped(trading_db_url: str) -> str:
    """Trading tables from the schema file with rows as the Java writers shape them."""
    fake = FakeTradingDatabase(trading_db_url)
    await fake.create()
    try:
        await fake.insert_decision(
            instance_id="conservative-btc", symbol="BTCUSDT", decision_time=T0,
            signal_detected="BUY", trade_allowed=False, blocked_reason="Active position exists",
            decision_reason="Signal blocked", current_price=Decimal(64000),
        )  # fmt: skip
        await fake.insert_trade(
            "conservative-btc", "BTCUSDT", "BUY", Decimal(65000), Decimal("0.01"),
            T0 + timedelta(minutes=1), strategy_name="MACD Conservative BTC",
            order_id="31415926535", reason="MACD bullish crossover",
        )  # fmt: skip
        await fake.insert_snapshot(
            "conservative-btc", T0 + timedelta(minutes=2), Decimal(10000), symbol="BTCUSDT",
            position_size=Decimal("0.01"), current_market_price=Decimal(65100),
        )  # fmt: skip
        await fake.insert_snapshot("aggressive-eth", T0, Decimal("9875.5"), symbol="ETHUSDT")
    finally:
        await fake.aclose()
    return trading_db_url


def _run_doctor(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real command in a clean environment (no .env in `tmp_path`, no inherited settings)."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return subprocess.run(
        [sys.executable, "-m", "telegram_frontend.main", "doctor", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**keep, **env},
        timeout=60,
        check=False,
    )


def test_with_only_the_trading_database_it_exits_0_with_the_real_price_and_usdt_value(
    real_shaped: str, tmp_path: Path
) -> None:
    done = _run_doctor(tmp_path, TRADING_DATABASE_URL=real_shaped)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "✓ trading database: ok" in out
    assert "- MACD trader: not configured — MACD_TRADER_URL is not set" in out
    assert "- grid trader: not configured — not deployed (GRID_TRADER_URL unset)" in out
    assert "- Telegram: not configured" in out
    # the trade alert, word for word: the price is current_price, not the MARKET order's 0
    assert "🟢 Trade executed: BUY BTCUSDT\n0.01 at 65,000.00 (650.00 USDT)\n" in out
    assert "Strategy: MACD Conservative BTC (conservative-btc)" in out
    assert " at 0 " not in out and "(0.00 USDT)" not in out
    # the position valued size × market price, not `position_value` (the quantity)
    assert "conservative-btc BTCUSDT: position 0.01 ≈ 651.00 USDT at 65,100.00" in out
    assert "aggressive-eth ETHUSDT: no open position; balance 9,875.50 USDT" in out
    assert out.rstrip().endswith("all configured parts answer")


def test_json_output_and_a_broken_trading_database_exits_1(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here.db"
    done = _run_doctor(tmp_path, "--json", TRADING_DATABASE_URL=f"sqlite:///{missing}")
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is False
    [db] = [c for c in report["checks"] if c["name"] == "trading database"]
    assert (db["state"], db["setting"]) == ("failed", "TRADING_DATABASE_URL")
    assert all(c["state"] == "not configured" for c in report["checks"] if c is not db)
    assert report["latest_trade"] is None


async def test_every_fake_backend_answers_and_a_key_without_the_admin_role_fails(
    fakes: FakeBackends,
) -> None:
    await fakes.step({"aggressive-eth": "BUY", "conservative-btc": "NEUTRAL"})
    settings: Settings = fakes.settings(**FAST_SETTINGS)
    report = await diagnose(settings)
    states = {c.name: c.state for c in report.checks}
    assert states == {
        "MACD trader": CheckState.OK,
        "grid trader": CheckState.OK,
        "data storage": CheckState.OK,
        "data collection": CheckState.OK,
        "Prometheus": CheckState.OK,
        "trading database": CheckState.OK,
        "Binance": CheckState.NOT_CONFIGURED,
        "Telegram": CheckState.NOT_CONFIGURED,
    }
    assert report.ok
    assert report.latest_trade is not None and "BUY ETHUSDT" in report.latest_trade
    prometheus = next(c for c in report.checks if c.name == "Prometheus")
    # the trader's job is down: the real Prometheus scrapes it without a key
    assert prometheus.detail == '3 of 4 jobs up (environment="testnet")'

    monitoring_key = "btai_testnet_" + "m" * 32
    fakes.macd.monitoring_api_key = monitoring_key
    report = await diagnose(fakes.settings(**FAST_SETTINGS, macd_trader_api_key=monitoring_key))
    macd = next(c for c in report.checks if c.name == "MACD trader")
    assert macd.state is CheckState.FAILED and not report.ok
    assert "HTTP 403" in macd.detail and "ADMIN role" in macd.detail
    assert macd.setting == "MACD_TRADER_API_KEY"
    assert "✗ MACD trader: failed" in render(report)
