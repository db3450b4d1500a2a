"""The contract's payloads, and hostile variants of them, parse into typed models.

Bodies go through the real HTTP layer (an httpx mock transport), so the JSON number handling
(Decimal, NaN) is the one used in production.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from telegram_frontend.clients.trading.actuator import ActuatorHealth, MetricSamples
from telegram_frontend.clients.trading.collection import CollectionMetrics
from telegram_frontend.clients.trading.grid import GridStrategy, GridStrategyDraft, grid_levels
from telegram_frontend.clients.trading.http import HttpOptions, ServiceHttp
from telegram_frontend.clients.trading.macd import (
    MacdIndicator,
    MacdInstance,
    MacdStats,
    MacdTraderClient,
    TraderMetrics,
)
from telegram_frontend.clients.trading.payload import to_datetime, to_decimal, to_int
from telegram_frontend.clients.trading.prometheus import PrometheusClient, parse_query_result
from telegram_frontend.clients.trading.storage import DataStorageClient, Kline, MacdValue
from telegram_frontend.clients.trading_db.reader import OrderRecord, read_only_url
from telegram_frontend.clients.trading_db.rows import PortfolioSnapshot

INSTANCE = {
    "instanceId": "conservative-btc",
    "strategyName": "MACD Conservative BTC",
    "symbol": "BTCUSDT",
    "timeframe": "4h",
    "totalTrades": 12,
    "winningTrades": 7,
    "winRate": 58.33,
    "totalProfit": 123.45,
    "maxDrawdown": 1.8,
    "sharpeRatio": 1.21,
    "currentBalance": 10123.45,
    "active": True,
    "lastUpdated": "2025-10-12T10:15:30.123456789",
}


def _client(body: str | bytes, status: int = 200) -> MacdTraderClient:
    def answer(request: httpx.Request) -> httpx.Response:
        content = body.encode() if isinstance(body, str) else body
        return httpx.Response(status, content=content, headers={"content-type": "application/json"})

    http = ServiceHttp(
        "MACD trader", "http://trader.test", HttpOptions(retries=0),
        transport=httpx.MockTransport(answer),
    )  # fmt: skip
    return MacdTraderClient(http)


async def test_contract_instance_parses_with_exact_decimals() -> None:
    [instance] = await _client(json.dumps([INSTANCE])).instances()
    assert instance.instance_id == "conservative-btc"
    assert instance.total_profit == Decimal("123.45")
    assert instance.current_balance == Decimal("10123.45")
    assert isinstance(instance.win_rate, Decimal)
    assert instance.last_updated == datetime(2025, 10, 12, 10, 15, 30, 123456, tzinfo=UTC)


async def test_snake_case_nulls_nan_and_strings_are_tolerated() -> None:
    body = (
        '[{"instance_id": "aggressive-eth", "strategy_name": null, "total_trades": "5",'
        ' "winning_trades": null, "win_rate": NaN, "total_profit": "-12.50",'
        ' "sharpe_ratio": Infinity, "current_balance": "9987.5", "active": "true",'
        ' "last_updated": 1760263200000, "brandNewField": {"x": 1}}]'
    )
    [instance] = await _client(body).instances()
    assert instance.instance_id == "aggressive-eth"
    assert instance.strategy_name is None
    assert instance.total_trades == 5
    assert instance.win_rate is None
    assert instance.sharpe_ratio is None
    assert instance.total_profit == Decimal("-12.50")
    assert instance.active is True
    assert instance.last_updated == datetime(2025, 10, 12, 10, 0, tzinfo=UTC)


async def test_hostile_strings_are_bounded_and_kept_verbatim() -> None:
    html = "<b>pwn</b><script>alert(1)</script> & co"
    items = [
        {**INSTANCE, "instanceId": "html", "strategyName": html},
        {**INSTANCE, "instanceId": "long", "strategyName": "x" * 10_000},
        {**INSTANCE, "instanceId": None},  # unusable: skipped, not fatal
        {**INSTANCE, "instanceId": "y" * 10_000},  # an id no one can type: skipped
        "not an object",
    ]
    parsed = await _client(json.dumps(items)).instances()
    assert [i.instance_id for i in parsed] == ["html", "long"]
    assert parsed[0].strategy_name == html
    assert parsed[1].strategy_name is not None
    assert len(parsed[1].strategy_name) == 256


async def test_wrapped_lists_and_garbage_bodies() -> None:
    wrapped = json.dumps({"instances": [INSTANCE]})
    assert len(await _client(wrapped).instances()) == 1
    assert await _client("{}").instances() == []
    assert await _client("null").instances() == []
    rankings = json.dumps(
        {"rankings": [{"strategyName": "A", "averageProfit": "1.5", "consistency": None}]}
    )
    [ranking] = await _client(rankings).ranking()
    assert ranking.average_profit == Decimal("1.5")
    assert ranking.consistency is None


async def test_summary_and_stats_in_either_case() -> None:
    summary = await _client(
        '{"totalInstances": 2, "activeInstances": "1", "bestPerformer": null,'
        ' "totalProfit": 10.10, "generatedAt": "2025-10-12T10:00:00Z"}'
    ).summary()
    assert summary.total_instances == 2
    assert summary.active_instances == 1
    assert summary.total_profit == Decimal("10.10")
    assert summary.generated_at == datetime(2025, 10, 12, 10, 0, tzinfo=UTC)
    snake = MacdStats.model_validate({"cached_indicators": 3, "valid_indicators": "2"})
    camel = MacdStats.model_validate({"cachedIndicators": 3, "validIndicators": 2})
    assert snake == camel


def test_indicator_with_lowercase_enums_and_missing_parameters() -> None:
    indicator = MacdIndicator.model_validate(
        {
            "symbol": "btcusdt",
            "interval": "1h",
            "timestamp": 1760263200000,
            "price": "65000.1",
            "macdLine": -12.5,
            "signal": "buy",
            "parameters": None,
            "signalStrength": "strong",
            "valid": 1,
        }
    )
    assert indicator.symbol == "BTCUSDT"
    assert indicator.signal == "BUY"
    assert indicator.signal_strength == "STRONG"
    assert indicator.parameters.fast_period is None
    assert indicator.valid is True
    assert indicator.price == Decimal("65000.1")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-10-12T10:00:00", datetime(2025, 10, 12, 10, 0, tzinfo=UTC)),
        ("2025-10-12 10:00:00.5", datetime(2025, 10, 12, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2025-10-12T12:00:00+02:00", datetime(2025, 10, 12, 10, 0, tzinfo=UTC)),
        (1760263200, datetime(2025, 10, 12, 10, 0, tzinfo=UTC)),
        ("1760263200000", datetime(2025, 10, 12, 10, 0, tzinfo=UTC)),
        ([2025, 10, 12, 10, 0, 0, 250000000], datetime(2025, 10, 12, 10, 0, 0, 250000, tzinfo=UTC)),
        ("yesterday", None),
        ([2025, 13, 40], None),
        (None, None),
        (True, None),
    ],
)
def test_times_in_every_java_spelling(raw: object, expected: datetime | None) -> None:
    assert to_datetime(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12.50", Decimal("12.50")),
        (" 1e3 ", Decimal("1E+3")),
        (0.1, Decimal("0.1")),
        (7, Decimal(7)),
        ("NaN", None),
        ("Infinity", None),
        (float("nan"), None),
        ("", None),
        ("abc", None),
        (True, None),
        ("9" * 100, None),
        ({"value": 1}, None),
    ],
)
def test_numbers_become_decimal_or_none(raw: object, expected: Decimal | None) -> None:
    assert to_decimal(raw) == expected


def test_integers_from_strings_and_integral_floats_only() -> None:
    assert to_int("5") == 5
    assert to_int(5.0) == 5
    assert to_int("5.5") is None
    assert to_int(None) is None


def test_grid_levels_are_evenly_spaced_decimals() -> None:
    assert grid_levels(Decimal(60000), Decimal(70000), 5) == [
        Decimal(60000),
        Decimal(62500),
        Decimal(65000),
        Decimal(67500),
        Decimal(70000),
    ]
    assert grid_levels(Decimal(100), Decimal(200), 4) == [
        Decimal(100),
        Decimal("133.33333333"),
        Decimal("166.66666667"),
        Decimal(200),
    ]
    assert grid_levels(Decimal(200), Decimal(100), 4) == []
    assert grid_levels(Decimal(100), Decimal(200), 1) == []
    strategy = GridStrategy.model_validate(
        {"id": 3, "symbol": "ethusdt", "lower": "3000", "upper": "3300", "levels": "4"}
    )
    assert strategy.id == "3"
    assert strategy.level_prices() == [Decimal(3000), Decimal(3100), Decimal(3200), Decimal(3300)]
    assert GridStrategy.model_validate({"id": 4}).level_prices() == []


def test_grid_draft_is_validated_and_sent_in_camel_case() -> None:
    draft = GridStrategyDraft(
        symbol="BTCUSDT",
        lower=Decimal("60000.5"),
        upper=Decimal(70000),
        levels=10,
        base_order_size=Decimal("0.001"),
        daily_loss_limit_pct=Decimal(3),
    )
    wire = draft.to_wire()
    assert wire["lower"] == "60000.5"
    assert wire["baseOrderSize"] == "0.001"
    assert wire["dailyLossLimitPct"] == "3"
    assert "maxPositionSizeQuote" not in wire
    with pytest.raises(ValueError, match="lower < upper"):
        GridStrategyDraft(
            symbol="BTCUSDT",
            lower=Decimal(2),
            upper=Decimal(1),
            levels=3,
            base_order_size=Decimal(1),
        )


def test_storage_kline_and_snake_case_macd_values() -> None:
    kline = Kline.model_validate(
        {
            "symbol": "BTCUSDT",
            "interval": "1m",
            "openTime": 1760263200000,
            "closeTime": "1760263259999",
            "open": "65000.10",
            "high": 65010,
            "low": None,
            "close": "NaN",
            "volume": "1.5",
        }
    )
    assert kline.open == Decimal("65000.10")
    assert kline.high == Decimal(65010)
    assert kline.low is None
    assert kline.close is None
    assert kline.open_time == datetime(2025, 10, 12, 10, 0, tzinfo=UTC)
    value = MacdValue.model_validate(
        {
            "symbol": "BTCUSDT",
            "ema_fast": "1.5",
            "signal": -2,
            "timestamp": 1760263200000,
            "signal_buy": "-12.5",
            "signal_sell": None,
            "buy": "yes",
            "sell": "maybe",
            "display_time": "2025-10-12 10:00:00",
        }
    )
    assert value.ema_fast == Decimal("1.5")
    assert value.signal == Decimal(-2)
    # real storage: epoch-ms timestamps, signal_buy/signal_sell numbers or null (not booleans)
    assert value.timestamp == datetime(2025, 10, 12, 10, 0, tzinfo=UTC)
    assert (value.signal_buy, value.signal_sell) == (Decimal("-12.5"), None)
    assert (value.buy, value.sell) == (True, None)


def test_actuator_health_with_nested_and_odd_components() -> None:
    health = ActuatorHealth.model_validate(
        {
            "status": "up",
            "components": {
                "db": {"status": "UP"},
                "kafka": {"status": "DOWN", "details": {"error": "timeout"}},
                "composite": {"status": "UP", "components": {"es": {"status": "weird"}}},
                "broken": "not an object",
            },
        }
    )
    assert health.status == "UP"
    assert health.not_up() == ["kafka", "composite.es", "broken"]
    assert ActuatorHealth.model_validate({}).status == "UNKNOWN"


MICROMETER_TEXT = """\
# HELP binance_data_storage_kline_events_received_total Events
# TYPE binance_data_storage_kline_events_received_total counter
binance_data_storage_kline_events_received_total{application="storage"} 1500.0
binance_data_storage_kline_events_saved_total 1498.0
# TYPE binance_data_storage_postgres_connection_status gauge
binance_data_storage_postgres_connection_status 0.0
binance_data_storage_elasticsearch_connection_status NaN
binance_data_storage_last_kline_event_timestamp 1.7602632E12
binance_data_collection_last_kline_event_timestamp 1760263200
binance_data_collection_active_websocket_connections 2.0
binance_trader_signals_total{direction="buy"} 4.0
binance_trader_signals_total{direction="sell"} 3.0
binance_macd_histogram{symbol="BTCUSDT",interval="1h"} -1.25
"""


def test_prometheus_text_lookup_by_name_labels_and_counter_suffix() -> None:
    samples = MetricSamples.parse(MICROMETER_TEXT)
    assert samples.counter("binance_data_storage_kline_events_received") == Decimal(1500)
    assert samples.counter("binance_data_storage_kline_events_saved_total") == Decimal(1498)
    assert samples.value("binance_data_storage_postgres_connection_status") == 0
    assert samples.value("binance_data_storage_elasticsearch_connection_status") is None
    at = datetime(2025, 10, 12, 10, 0, tzinfo=UTC)
    assert samples.timestamp("binance_data_storage_last_kline_event_timestamp") == at
    assert samples.timestamp("binance_data_collection_last_kline_event_timestamp") == at
    assert CollectionMetrics.from_samples(samples).active_websocket_connections == Decimal(2)
    trader = TraderMetrics.from_samples(samples)
    assert (trader.signals_buy, trader.signals_sell, trader.signals_total) == (4, 3, None)
    assert trader.histograms == {"BTCUSDT 1h": Decimal("-1.25")}


def test_malformed_prometheus_text_keeps_what_parsed() -> None:
    samples = MetricSamples.parse("good_metric 1\nthis is { not prometheus\n")
    assert samples.value("good_metric") == 1
    assert len(MetricSamples.parse("")) == 0


def test_prometheus_api_answers_vector_scalar_and_junk() -> None:
    vector = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {"metric": {"job": "a"}, "value": [1760263200.5, "1"]},
                {"metric": {"job": "b"}, "value": [1760263200.5, "NaN"]},
                {"metric": None, "value": "junk"},
            ],
        },
    }
    samples = parse_query_result(vector)
    assert [s.labels for s in samples] == [{"job": "a"}, {"job": "b"}, {}]
    assert [s.value for s in samples] == [Decimal(1), None, None]
    scalar = {"status": "success", "data": {"resultType": "scalar", "result": [1.0, "42.5"]}}
    assert parse_query_result(scalar)[0].value == Decimal("42.5")
    assert parse_query_result({"data": "nope"}) == []
    assert parse_query_result(None) == []


async def test_prometheus_error_status_is_a_clear_rejection() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "error", "error": "parse error at char 3"})

    http = ServiceHttp("Prometheus", "http://p.test", transport=httpx.MockTransport(answer))
    with pytest.raises(Exception, match="parse error at char 3"):
        await PrometheusClient(http).query("up{")


async def test_storage_latest_kline_404_means_none() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"status": 404, "error": "Not Found"})

    http = ServiceHttp("data storage", "http://s.test", transport=httpx.MockTransport(answer))
    assert await DataStorageClient(http).latest_kline("BTCUSDT", "1m") is None


def test_trading_rows_tolerate_junk() -> None:
    order = OrderRecord.model_validate(
        {"id": 1, "status": "new", "fills": '[{"price": "1"}, 3]', "transact_time": 1760263200000}
    )
    assert order.status == "NEW"
    assert order.fills == [{"price": "1"}]
    assert OrderRecord.model_validate({"fills": "{broken"}).fills == []
    snapshot = PortfolioSnapshot.model_validate({"total_balance": 10000.5, "position_size": "0"})
    assert snapshot.total_balance == Decimal("10000.5")
    assert snapshot.position_size == 0


def test_trading_database_urls_are_read_only_async_urls() -> None:
    sqlite = read_only_url("sqlite:///./data/t.db")
    assert sqlite.drivername == "sqlite+aiosqlite"
    assert sqlite.database == "file:./data/t.db"
    assert dict(sqlite.query) == {"mode": "ro", "uri": "true"}
    for url in ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"):
        parsed = read_only_url(url)
        assert (parsed.drivername, parsed.host, parsed.database) == (
            "postgresql+asyncpg",
            "h",
            "db",
        )


def test_models_are_frozen() -> None:
    instance = MacdInstance.model_validate(INSTANCE)
    setter: Callable[[], None] = lambda: setattr(instance, "active", False)  # noqa: E731
    with pytest.raises(ValueError, match="frozen"):
        setter()
