"""Contract tests: every client against the fake services, which speak the real field names."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.clients.trading.grid import GridStrategyDraft
from telegram_frontend.clients.trading.macd import MacdTraderClient
from telegram_frontend.core.errors import (
    AlreadyInState,
    BackendRejected,
    BackendUnsupported,
    NotFound,
)
from telegram_frontend.sandbox.backends.macd_math import macd_points
from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.backends.trading_system import FakeBackends

from .backend_fixtures import *  # noqa: F403 (the fixtures)
from .backend_fixtures import MarketClock


async def test_macd_instances_are_the_contract_examples(clients: BackendClients) -> None:
    assert clients.macd is not None
    instances = {i.instance_id: i for i in await clients.macd.instances()}
    assert set(instances) == {"conservative-btc", "aggressive-eth"}
    btc, eth = instances["conservative-btc"], instances["aggressive-eth"]
    assert (btc.symbol, btc.timeframe, eth.symbol, eth.timeframe) == (
        "BTCUSDT",
        "4h",
        "ETHUSDT",
        "1h",
    )
    assert btc.current_balance == Decimal(10000)
    assert btc.active is True
    assert btc.sharpe_ratio == 0  # the real trader's 0.0000 before any trade
    assert (await clients.macd.instance("aggressive-eth")).symbol == "ETHUSDT"
    with pytest.raises(NotFound, match="no MACD strategy instance “nope”"):
        await clients.macd.instance("nope")


async def test_macd_summary_ranking_and_metrics_follow_trading(
    fakes: FakeBackends, clients: BackendClients, backend_clock: MarketClock
) -> None:
    assert clients.macd is not None
    await fakes.step(forced={"aggressive-eth": "BUY", "conservative-btc": "NEUTRAL"})
    backend_clock.advance(3600)
    await fakes.step(forced={"aggressive-eth": "SELL", "conservative-btc": "NEUTRAL"})
    summary = await clients.macd.summary()
    assert (summary.total_instances, summary.active_instances) == (2, 2)
    eth = await clients.macd.instance("aggressive-eth")
    assert eth.total_trades == 1
    assert summary.total_profit == eth.total_profit
    ranking = await clients.macd.ranking()
    assert {r.strategy_name for r in ranking} == {"MACD Conservative BTC", "MACD Aggressive ETH"}
    metrics = await clients.macd.metrics()
    assert metrics.signals_buy == 1
    assert metrics.signals_sell == 1
    assert metrics.realized_pnl == summary.total_profit
    assert set(metrics.histograms) == {"BTCUSDT 4h", "ETHUSDT 1h"}
    assert (await clients.macd.health()).is_up


async def test_macd_indicator_values_are_computed_from_the_market(
    fakes: FakeBackends, clients: BackendClients
) -> None:
    assert clients.macd is not None
    [expected] = fakes.macd.indicator_points("BTCUSDT", "1h", 12, 26, 9, limit=1)
    default = await clients.macd.default_indicator("btcusdt", "1h")
    assert default.symbol == "BTCUSDT"
    assert default.histogram == expected.histogram
    assert default.signal in ("BUY", "SELL", "NEUTRAL")
    assert default.parameters.fast_period == 12
    custom = await clients.macd.indicator("ETHUSDT", "1h", 3, 7, 3)
    assert custom.parameters.slow_period == 7
    assert custom.valid is True
    bad = await clients.macd.indicator("ETHUSDT", "1h", 26, 12, 9)
    assert (bad.signal, bad.valid) == ("ERROR", False)
    assert len(await clients.macd.history("BTCUSDT", "4h", limit=5)) == 5
    many = await clients.macd.indicators(["BTCUSDT", "ETHUSDT"], "1h")
    assert {i.symbol for i in many} == {"BTCUSDT", "ETHUSDT"}
    assert len(await clients.macd.cached()) == 2
    stats = await clients.macd.stats()
    assert (stats.cached_indicators, stats.invalid_indicators) == (2, 0)


async def test_a_wrong_api_key_is_rejected_in_plain_words(fakes: FakeBackends) -> None:
    client = MacdTraderClient.create(fakes.url("macd_trader"), "btai_testnet_" + "w" * 32)
    try:
        with pytest.raises(BackendRejected, match=r"HTTP 403.*MACD_TRADER_API_KEY.*ADMIN role"):
            await client.instances()
        assert (await client.health()).is_up  # /actuator/health is public
        with pytest.raises(BackendRejected, match="ADMIN role"):
            await client.metrics()  # /actuator/prometheus is not
    finally:
        await client.aclose()


async def test_a_monitoring_key_reads_indicators_but_not_instances(fakes: FakeBackends) -> None:
    fakes.macd.monitoring_api_key = "btai_testnet_" + "m" * 32
    client = MacdTraderClient.create(fakes.url("macd_trader"), fakes.macd.monitoring_api_key)
    try:
        assert (await client.default_indicator("BTCUSDT", "4h")).valid is True
        with pytest.raises(BackendRejected, match="ADMIN role"):
            await client.instances()
        with pytest.raises(BackendRejected, match="ADMIN role"):
            await client.refresh_indicators()
    finally:
        await client.aclose()


async def test_a_forced_refresh_reaches_the_trader(
    fakes: FakeBackends, clients: BackendClients
) -> None:
    assert clients.macd is not None
    await clients.macd.refresh_indicators()
    await clients.macd.refresh_indicators("ethusdt", "1h")
    assert fakes.macd.refreshes == [None, ("ETHUSDT", "1h")]


async def test_a_403_on_start_stop_means_not_permitted_never_rejected(
    fakes: FakeBackends,
) -> None:
    client = MacdTraderClient.create(fakes.url("macd_trader"), None)
    try:
        with pytest.raises(BackendUnsupported, match="not permitted or not supported"):
            await client.stop_instance("conservative-btc")
    finally:
        await client.aclose()


async def test_macd_start_stop_missing_by_default_present_when_switched_on(
    fakes: FakeBackends, clients: BackendClients
) -> None:
    assert clients.macd is not None
    with pytest.raises(BackendUnsupported, match="no such endpoint"):
        await clients.macd.stop_instance("conservative-btc")
    fakes.macd.control_endpoints = True
    stopped = await clients.macd.stop_instance("conservative-btc")
    assert stopped is not None
    assert stopped.active is False
    assert fakes.macd.instances["conservative-btc"].active is False
    assert clients.macd.control_supported is True
    with pytest.raises(NotFound):
        await clients.macd.start_instance("unknown-instance")


async def test_grid_strategies_lifecycle(fakes: FakeBackends, clients: BackendClients) -> None:
    grid = clients.grid
    assert grid is not None
    [seeded] = await grid.strategies()
    assert seeded.level_prices()[1] == Decimal(62500)
    draft = GridStrategyDraft(
        symbol="ETHUSDT",
        lower=Decimal(3000),
        upper=Decimal(3400),
        levels=5,
        base_order_size=Decimal("0.01"),
        max_position_size_quote=Decimal(200),
    )
    created = await grid.create_strategy(draft.model_copy(update={"active": True}))
    assert str(uuid.UUID(created.id)) == created.id  # server-generated UUID
    assert created.active is False  # `active` is ignored on create
    assert created.level_prices() == [Decimal(v) for v in (3000, 3100, 3200, 3300, 3400)]
    updated = await grid.update_strategy(created.id, draft.model_copy(update={"levels": 3}))
    assert updated.levels == 3
    assert (await grid.activate(created.id)) is None  # an empty 200
    assert (await grid.strategy(created.id)).active is True
    with pytest.raises(AlreadyInState, match="already active"):  # the service's 404
        await grid.activate(created.id)
    assert (await grid.deactivate(created.id)) is None
    with pytest.raises(AlreadyInState, match="already inactive"):
        await grid.deactivate(created.id)
    assert fakes.grid.calls == [("activate", created.id), ("deactivate", created.id)]
    with pytest.raises(NotFound):
        await grid.activate(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        await grid.activate("../../actuator")
    bad = draft.model_copy(update={"lower": Decimal(5000)})  # skips validation: the server says no
    with pytest.raises(BackendRejected, match="HTTP 400"):
        await grid.create_strategy(bad)
    fakes.grid.api_enabled = False
    with pytest.raises(BackendUnsupported, match=r"grid\.api\.enabled=false"):
        await grid.strategies()


async def test_storage_klines_and_macd_match_the_market(
    clients: BackendClients, backend_market: SimulatedMarket
) -> None:
    storage = clients.storage
    assert storage is not None
    candles = backend_market.klines("BTCUSDT", "1h", limit=3)
    klines = await storage.recent_klines("BTCUSDT", "1h", limit=3)
    assert [k.close for k in klines] == [c.close for c in candles]
    assert [int(k.open_time.timestamp() * 1000) for k in klines if k.open_time] == [
        c.open_time for c in candles
    ]
    assert len(await storage.recent_klines("BTCUSDT", "1m", limit=5000)) == 1000
    end = klines[-1].open_time
    assert end is not None
    ranged = await storage.range_klines("BTCUSDT", "1h", end - timedelta(hours=2), end)
    assert [k.close for k in ranged] == [c.close for c in candles]
    latest = await storage.latest_kline("BTCUSDT", "1h")
    assert latest is not None
    assert latest.close == candles[-1].close
    assert await storage.latest_kline("DOGEUSDT", "1h") is None
    assert await storage.kline_count("BTCUSDT", "1h") == 720
    expected = macd_points(backend_market.klines("BTCUSDT", "1h", limit=102), 12, 26, 9)[-2:]
    values = await storage.recent_macd("BTCUSDT", "1h", limit=2)
    assert [v.histogram for v in values] == [p.histogram for p in expected]
    assert [v.ema_fast for v in values] == [p.ema_fast for p in expected]


async def test_storage_quality_and_collection_streams_from_prometheus_text(
    fakes: FakeBackends, clients: BackendClients, backend_clock: MarketClock
) -> None:
    assert clients.storage is not None
    assert clients.collection is not None
    before = await clients.storage.quality()
    backend_clock.advance(60)
    await fakes.step()
    after = await clients.storage.quality()
    assert after.received is not None
    assert before.received is not None
    assert after.received - before.received == 2
    assert after.last_kline_event_at == backend_clock.utc()
    assert (after.postgres_connected, after.elasticsearch_connected) == (True, True)
    fakes.storage.postgres_up = False
    assert (await clients.storage.health()).status == "DOWN"  # 503 still carries the document
    assert (await clients.storage.quality()).postgres_connected is False
    streams = await clients.collection.stream_metrics()
    assert streams.active_websocket_connections == 1
    assert streams.active_kline_streams == 4
    assert streams.last_kline_event_at == backend_clock.utc()
    fakes.collection.disconnect()
    assert (await clients.collection.health()).status == "OUT_OF_SERVICE"
    assert (await clients.collection.stream_metrics()).active_websocket_connections == 0


async def test_prometheus_queries_system_wide_figures(
    fakes: FakeBackends, clients: BackendClients
) -> None:
    prometheus = clients.prometheus
    assert prometheus is not None
    testnet = await prometheus.targets_up("testnet")
    # the real config scrapes the trader without a key: refused, so that job is down
    assert testnet.pop("binance-trader-macd-testnet") is False
    assert set(testnet.values()) == {True}
    fakes.prometheus.trader_key = True  # a scrape config with the key
    assert "node-exporter" not in testnet and "binance-trader-macd" not in testnet
    everything = await prometheus.targets_up()  # the real config's mainnet/infra jobs: never up
    assert everything["node-exporter"] is False and everything["binance-trader-macd"] is False
    assert await prometheus.targets_up("staging") == {}
    await fakes.step(forced={"aggressive-eth": "BUY", "conservative-btc": "BUY"})
    assert await prometheus.scalar("sum(binance_trader_active_positions)") == 2
    buys = await prometheus.query('binance_trader_signals_total{direction="buy"}')
    assert [s.value for s in buys] == [Decimal(2)]
    assert await prometheus.scalar("no_such_metric") is None
    with pytest.raises(BackendRejected, match="parse error"):
        await prometheus.query("rate(x[5m]) / 0 +")
    await fakes.go_down("data_storage")
    jobs = await prometheus.targets_up("testnet")
    assert jobs["binance-data-storage-testnet"] is False
    assert jobs["binance-trader-macd-testnet"] is True
