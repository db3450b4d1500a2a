"""Client of the MACD trader: strategy instances, indicator values and its actuator.

The trader has no start/stop endpoint today; we still try the conventional path so a future
version that adds it works at once, and turn the 404/405 into a sentence the user understands.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from urllib.parse import quote

from pydantic import Field, field_validator

from telegram_frontend.clients.trading.actuator import (
    ActuatorHealth,
    MetricSamples,
    fetch_health,
    fetch_metrics,
)
from telegram_frontend.clients.trading.http import CallObserver, HttpOptions, ServiceHttp
from telegram_frontend.clients.trading.payload import (
    Count,
    Flag,
    Instant,
    LongText,
    Money,
    Payload,
    ShortText,
    UpperText,
    parse_items,
    unwrap_items,
)
from telegram_frontend.core.errors import BackendRejected, BackendUnsupported, NotFound
from telegram_frontend.core.formatters import quoted
from telegram_frontend.core.settings import Settings

SERVICE = "MACD trader"
API_KEY_HEADER = "X-API-Key"
CONTROL_UNSUPPORTED = (
    "start or stop a strategy instance: this backend version has no such endpoint; "
    "change `active` in its configuration and restart it"
)
CONTROL_FORBIDDEN = (
    "start or stop a strategy instance: it answered 403, meaning this is not permitted or not "
    "supported (it has no start/stop endpoint); change `active` in its configuration and "
    "restart it"
)
KEY_ROLE_NEEDED = (
    "set MACD_TRADER_API_KEY to a key with the ADMIN role (a MONITORING key only reaches "
    "/api/v1/macd; with no key only /actuator/health answers)"
)


class MacdInstance(Payload):
    """One strategy instance as `/api/testnet/instances` reports it."""

    instance_id: str
    strategy_name: ShortText = None
    symbol: UpperText = None
    timeframe: ShortText = None
    total_trades: Count = None
    winning_trades: Count = None
    win_rate: Money = None
    total_profit: Money = None
    max_drawdown: Money = None
    sharpe_ratio: Money = None
    current_balance: Money = None
    active: Flag = None
    last_updated: Instant = None

    @field_validator("instance_id", mode="before")
    @classmethod
    def _id(cls, value: object) -> str:
        text = str(value).strip() if value is not None else ""
        if not text or len(text) > 128:
            raise ValueError("an instance needs a short non-empty id")
        return text


class MacdSummary(Payload):
    total_instances: Count = None
    active_instances: Count = None
    best_performer: ShortText = None
    total_profit: Money = None
    generated_at: Instant = None


class StrategyRanking(Payload):
    strategy_name: ShortText = None
    average_profit: Money = None
    average_sharpe_ratio: Money = None
    average_win_rate: Money = None
    consistency: Money = None


class MacdParameters(Payload):
    fast_period: Count = None
    slow_period: Count = None
    signal_period: Count = None
    valid: Flag = None
    min_data_points: Count = None


class MacdIndicator(Payload):
    """One computed MACD indicator; `signal` is BUY, SELL, NEUTRAL or ERROR."""

    symbol: UpperText = None
    interval: ShortText = None
    timestamp: Instant = None
    price: Money = None
    macd_line: Money = None
    signal_line: Money = None
    histogram: Money = None
    signal: UpperText = None
    parameters: MacdParameters = Field(default_factory=MacdParameters)
    data_points: Count = None
    calculated_at: Instant = None
    error: LongText = None
    signal_strength: UpperText = None
    valid: Flag = None
    summary: LongText = None

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameters(cls, value: object) -> object:
        return value if isinstance(value, dict) else {}


class MacdStats(Payload):
    cached_indicators: Count = None
    monitored_symbols: Count = None
    monitored_intervals: Count = None
    valid_indicators: Count = None
    invalid_indicators: Count = None


class TraderMetrics(Payload):
    """The trader's own Prometheus figures."""

    active_positions: Money = None
    realized_pnl: Money = None
    signals_total: Money = None
    signals_buy: Money = None
    signals_sell: Money = None
    histograms: dict[str, Decimal] = Field(default_factory=dict)

    @classmethod
    def from_samples(cls, samples: MetricSamples) -> TraderMetrics:
        def signals(direction: str) -> Decimal | None:
            return samples.value("binance_trader_signals_total", {"direction": direction})

        histograms = {
            f"{labels.get('symbol', '?')} {labels.get('interval', '?')}": value
            for labels, value in samples.series("binance_macd_histogram")
            if value is not None
        }
        return cls(
            active_positions=samples.total("binance_trader_active_positions"),
            realized_pnl=samples.total("binance_trader_realized_pnl_quote_asset"),
            signals_total=signals("total"),
            signals_buy=signals("buy"),
            signals_sell=signals("sell"),
            histograms=histograms,
        )


def _no_such(instance_id: str) -> str:
    """The sentence for an unknown instance, echoed safely (no control or bidi characters)."""
    return f"There is no MACD strategy instance {quoted(instance_id)}."


def _seg(value: str) -> str:
    return quote(value.strip(), safe="")


class MacdTraderClient:
    """Typed access to the MACD trader; every method raises our own exceptions on failure."""

    def __init__(self, http: ServiceHttp) -> None:
        self.http = http
        self.control_supported: bool | None = None  # learned from the first start/stop attempt

    @classmethod
    def create(
        cls,
        base_url: str,
        api_key: str | None,
        options: HttpOptions | None = None,
        observer: CallObserver | None = None,
    ) -> MacdTraderClient:
        headers = {API_KEY_HEADER: api_key} if api_key else {}
        return cls(
            ServiceHttp(
                SERVICE,
                base_url,
                options,
                headers=headers,
                observer=observer,
                forbidden=KEY_ROLE_NEEDED,
            )
        )

    @classmethod
    def from_settings(
        cls, settings: Settings, observer: CallObserver | None = None
    ) -> MacdTraderClient | None:
        """None when MACD_TRADER_URL is not set: the service is simply not configured."""
        if not settings.macd_trader_url:
            return None
        key = settings.macd_trader_api_key
        return cls.create(
            settings.macd_trader_url,
            key.get_secret_value() if key else None,
            HttpOptions.from_settings(settings),
            observer,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def instances(self) -> list[MacdInstance]:
        data = await self.http.get_json("/api/testnet/instances", operation="instances")
        return parse_items(MacdInstance, unwrap_items(data, "instances"))

    async def instance(self, instance_id: str) -> MacdInstance:
        data = await self.http.get_json(
            f"/api/testnet/instances/{_seg(instance_id)}",
            operation="instance",
            not_found=_no_such(instance_id),
        )
        return MacdInstance.model_validate(data)

    async def summary(self) -> MacdSummary:
        data = await self.http.get_json("/api/testnet/summary", operation="summary")
        return MacdSummary.model_validate(data if isinstance(data, dict) else {})

    async def ranking(self) -> list[StrategyRanking]:
        data = await self.http.get_json("/api/testnet/strategies/ranking", operation="ranking")
        return parse_items(StrategyRanking, unwrap_items(data, "rankings"))

    async def start_instance(self, instance_id: str) -> MacdInstance | None:
        return await self._control(instance_id, "start")

    async def stop_instance(self, instance_id: str) -> MacdInstance | None:
        return await self._control(instance_id, "stop")

    async def _control(self, instance_id: str, verb: str) -> MacdInstance | None:
        try:
            data = await self.http.post_json(
                f"/api/testnet/instances/{_seg(instance_id)}/{verb}",
                operation=f"instance_{verb}",
                unsupported=CONTROL_UNSUPPORTED,
            )
        except BackendUnsupported:
            if self.control_supported:  # the endpoint exists: this 404 is about the instance
                raise NotFound(_no_such(instance_id)) from None
            await self.instance(instance_id)  # an unknown instance is "not found", not "cannot"
            self.control_supported = False
            raise
        except BackendRejected as exc:
            if exc.status not in (401, 403):
                raise
            # never "rejected by the strategy": the trader does not permit or offer this
            self.control_supported = False
            raise BackendUnsupported(SERVICE, CONTROL_FORBIDDEN) from None
        self.control_supported = True
        return MacdInstance.model_validate(data) if isinstance(data, dict) else None

    async def indicator(
        self, symbol: str, interval: str, fast: int = 12, slow: int = 26, signal: int = 9
    ) -> MacdIndicator:
        params = {"fastPeriod": fast, "slowPeriod": slow, "signalPeriod": signal}
        path = f"/api/v1/macd/indicator/{_seg(symbol.upper())}/{_seg(interval)}"
        data = await self.http.get_json(path, params=params, operation="indicator")
        return MacdIndicator.model_validate(data if isinstance(data, dict) else {})

    async def default_indicator(self, symbol: str, interval: str) -> MacdIndicator:
        path = f"/api/v1/macd/indicator/{_seg(symbol.upper())}/{_seg(interval)}/default"
        data = await self.http.get_json(path, operation="indicator_default")
        return MacdIndicator.model_validate(data if isinstance(data, dict) else {})

    async def history(self, symbol: str, interval: str, limit: int = 50) -> list[MacdIndicator]:
        path = f"/api/v1/macd/history/{_seg(symbol.upper())}/{_seg(interval)}"
        data = await self.http.get_json(path, params={"limit": limit}, operation="history")
        return parse_items(MacdIndicator, unwrap_items(data, "history", "indicators"))

    async def indicators(self, symbols: Sequence[str], interval: str) -> list[MacdIndicator]:
        """The trader answers a LIST (one indicator per symbol)."""
        params = {"symbols": ",".join(s.upper() for s in symbols), "interval": interval}
        data = await self.http.get_json("/api/v1/macd/indicators", params=params)
        return parse_items(MacdIndicator, unwrap_items(data, "indicators"))

    async def refresh_indicators(
        self, symbol: str | None = None, interval: str | None = None
    ) -> None:
        """Force an indicator refresh (ADMIN key): all monitored pairs, or one."""
        path = "/api/v1/macd/update"
        if symbol and interval:
            path += f"/{_seg(symbol.upper())}/{_seg(interval)}"
        await self.http.request("POST", path, operation="indicator_refresh")

    async def cached(self) -> list[MacdIndicator]:
        data = await self.http.get_json("/api/v1/macd/cached", operation="cached")
        return parse_items(MacdIndicator, unwrap_items(data, "indicators"))

    async def stats(self) -> MacdStats:
        data = await self.http.get_json("/api/v1/macd/stats", operation="stats")
        return MacdStats.model_validate(data if isinstance(data, dict) else {})

    async def health(self) -> ActuatorHealth:
        return await fetch_health(self.http)

    async def metrics(self) -> TraderMetrics:
        return TraderMetrics.from_samples(await fetch_metrics(self.http))
