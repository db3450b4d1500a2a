"""One strategy, one set of figures: the card, /performance (its ranking), the API and the
performance CSV agree.

The history is shaped as the Java writers shape it (snapshots every 30 minutes for nine days,
MARKET fills with `executed_price` 0, the strategy name on every row), plus two fills the fake
trader really makes; the trader's own whole-life figures (its per-trade `sharpeRatio`, its
`totalTrades`) must not leak into any screen as if they were ours.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from csv import DictReader
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import httpx
import pytest

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.sandbox.backends.grid_trader import SEEDED_GRID_ID
from telegram_frontend.services.reports.export import ReportExporter
from telegram_frontend.services.trading.performance import Period as ScreenPeriod
from tests.e2e.api.support import bearer, issue_keys
from tests.e2e.harness import World, running_world, text_of

VIEWER_ID = 77001
BTC, ETH = "conservative-btc", "aggressive-eth"
NAME = "MACD Conservative BTC"
DAILY_OFFSETS = (0, 35, 10, 60, 20, 85, 45, 30, 70)  # USDT above 10,000, one per day
STEP = timedelta(minutes=30)
FILLS_INSIDE_THE_WEEK = 3 + 2  # three in the history, the BUY and SELL of the steps


@pytest.fixture
async def world(settings_env: dict[str, str], trading_database_url: str) -> AsyncIterator[World]:
    extra = {"RATE_LIMIT_PER_MINUTE": "1000", "API_RATE_LIMIT_PER_MINUTE": "100000"}
    async with running_world(settings_env, trading_database_url, extra_env=extra) as running:
        yield running


async def _history(world: World, now: datetime) -> None:
    db = world.backends.db
    assert db is not None
    start = now - timedelta(days=len(DAILY_OFFSETS))
    async with db.batch():
        moment, k = start, 0
        while moment < now - timedelta(minutes=1):
            day = (moment - start).days
            balance = Decimal(10000 + DAILY_OFFSETS[day]) + Decimal(k % 5) * Decimal("1.25")
            await db.insert_snapshot(BTC, moment, balance, strategy_name=NAME)
            moment, k = moment + STEP, k + 1
        for days, side in ((8, "BUY"), (6, "SELL"), (4, "BUY"), (2, "SELL")):
            await db.insert_trade(
                BTC, "BTCUSDT", side, Decimal("64000.5"), Decimal("0.01"),
                now - timedelta(days=days, minutes=7), strategy_name=NAME,
            )  # fmt: skip


def _row_of(table: str, word: str) -> list[str]:
    [line] = [x for x in table.split("\n") if word in x and x[:1].isdigit()]
    return line.split()


def _card_week(card: str) -> list[str]:
    lines = card.split("\n")
    return lines[lines.index("Last 7 days, as on /performance:") + 1 :]


async def test_a_strategy_shows_the_same_sharpe_and_trades_everywhere(world: World) -> None:
    await _history(world, datetime.now(UTC))
    await world.backends.step({BTC: "BUY"})  # the trader's own fills, at the wire's "now"
    await world.backends.step({BTC: "SELL"})
    trader_json = world.backends.macd.instance_json(world.backends.macd.instances[BTC])
    assert trader_json["totalTrades"] == 1  # its own count differs from the week's fills
    viewer = await world.app.user_with_role(VIEWER_ID, Role.VIEWER)

    card = text_of(await viewer.send(f"/strategy macd:{BTC}"))
    week = _card_week(card)
    assert week[0] == f"Trades: {FILLS_INSIDE_THE_WEEK}"
    [sharpe_line] = [x for x in week if x.startswith("Sharpe ratio: ")]
    assert sharpe_line.endswith(" (annualised; daily returns: 7)"), sharpe_line
    card_sharpe = sharpe_line.split()[2]
    assert "backend" not in card.lower() and "whole life" not in card

    table = text_of(await viewer.send("/performance"))
    row = _row_of(table, "Conservative")
    assert row[3] == str(FILLS_INSIDE_THE_WEEK)  # "#", two words of the name, then Trades
    assert row[-2:] == [card_sharpe, "d"]  # the value and its daily basis
    assert f"Win rate: {row[4]}" in week  # of the one round trip the trader closed
    assert row[5] + " USDT" == week[2].removeprefix("P&L: ")
    exporter = await world.app.frontend.container.get(ReportExporter)
    viewer_actor = Actor(role=Role.VIEWER, user_id=VIEWER_ID)
    report = await exporter.performance(viewer_actor, ScreenPeriod.WEEK)
    [csv_row] = [
        r for r in DictReader(StringIO(report.content.decode())) if r["instance_id"] == BTC
    ]
    assert csv_row["trades"] == row[3]  # the CSV counts the week's fills as /performance does
    shown_pnl = week[2].removeprefix("P&L: ").removesuffix(" USDT").replace(",", "")
    assert Decimal(csv_row["pnl"]) == Decimal(shown_pnl)  # PostgreSQL keeps more zeros
    ranking = [x for x in table.split("\n") if x.startswith("Backend ranking")]
    assert ranking and "Sharpe" not in ranking[0]  # the trader's ranking: its profit only

    keys = await issue_keys(world.app)
    async with httpx.AsyncClient(base_url=world.app.http_base, headers=bearer(keys.viewer)) as api:
        listed = (await api.get("/api/v1/performance", params={"period": "7d"})).json()
        one = (await api.get(f"/api/v1/strategies/macd:{BTC}/performance")).json()
        strategy = (await api.get(f"/api/v1/strategies/macd:{BTC}")).json()
        eth = (await api.get(f"/api/v1/strategies/macd:{ETH}/performance")).json()
        schema = (await api.get("/api/v1/openapi.json")).json()
        grid = await api.get(f"/api/v1/strategies/grid:{SEEDED_GRID_ID}/performance")
    assert grid.status_code == 409  # a grid writes no history: said, not an empty row
    assert "writes no snapshots or trades" in grid.json()["detail"]
    [item] = [x for x in listed["items"] if x["instance_id"] == BTC]
    for figures in (item, one):
        assert figures["trades"] == FILLS_INSIDE_THE_WEEK
        assert figures["sharpe"]["value"] == card_sharpe
        assert figures["sharpe"]["basis"] == "daily"
        assert figures["sharpe"]["periods_per_year"] == 365
        assert figures["sharpe"]["returns"] == 7
    assert "sharpe" not in strategy and "total_trades" not in strategy
    # The trader's own ranking is there, named as its own and explained.
    assert item["backend_ranking"]["strategy_name"] == NAME
    described = schema["components"]["schemas"]["BackendRankingOut"]["properties"]
    assert "per-trade profits, not annualised" in described["average_sharpe_ratio"]["description"]

    # Seconds-apart snapshots only: no ratio on any screen, and each says why.
    assert eth["sharpe"]["value"] is None and eth["sharpe"]["missing"] == "not_enough_data"
    assert eth["trades"] == 0
    eth_card = _card_week(text_of(await viewer.send(f"/strategy macd:{ETH}")))
    assert eth_card[0] == "Trades: 0"
    assert "Sharpe ratio: not enough data yet (5 daily or 24 hourly returns needed)" in eth_card
    assert _row_of(table, "Aggressive")[-1] == "—"
