"""Client of the data-storage service: stored klines, MACD values and data-quality metrics.

Klines come in camelCase while MACD values come in snake_case; both parse through the same
tolerant models. Data quality has no REST endpoint: it is read from the service's Prometheus text.
"""

from __future__ import annotations

from datetime import datetime

from telegram_frontend.clients.trading.actuator import ActuatorHealth, fetch_health, fetch_metrics
from telegram_frontend.clients.trading.http import CallObserver, HttpOptions, ServiceHttp
from telegram_frontend.clients.trading.payload import (
    Flag,
    Instant,
    Money,
    Payload,
    ShortText,
    UpperText,
    parse_items,
    to_bool,
    to_int,
    unwrap_items,
)
from telegram_frontend.core.errors import BackendRejected, NotFound
from telegram_frontend.core.settings import Settings

SERVICE = "data storage"
MAX_LIMIT = 1000
METRIC_PREFIX = "binance_data_storage_"


class Kline(Payload):
    symbol: UpperText = None
    interval: ShortText = None
    open_time: Instant = None
    close_time: Instant = None
    timestamp: Instant = None
    display_time: ShortText = None
    open: Money = None
    high: Money = None
    low: Money = None
    close: Money = None
    volume: Money = None


class MacdValue(Payload):
    """A stored MACD point; `signal` is the signal line, `buy`/`sell` the crossings;
    `timestamp` arrives as epoch ms, `signal_buy`/`signal_sell` as a number (the MACD value at
    the crossing) or null, never a boolean."""

    symbol: UpperText = None
    interval: ShortText = None
    timestamp: Instant = None
    display_time: ShortText = None
    collection_time: Instant = None
    ema_fast: Money = None
    ema_slow: Money = None
    macd: Money = None
    signal: Money = None
    histogram: Money = None
    signal_buy: Money = None
    signal_sell: Money = None
    buy: Flag = None
    sell: Flag = None


class StorageQuality(Payload):
    """Counters of kline events and the state of the storage's own database connections."""

    received: Money = None
    saved: Money = None
    failed: Money = None
    compensated: Money = None
    postgres_connected: Flag = None
    elasticsearch_connected: Flag = None
    last_kline_event_at: Instant = None


def _params(symbol: str, interval: str, **extra: object) -> dict[str, object]:
    return {"symbol": symbol.upper(), "interval": interval, **extra}


class DataStorageClient:
    def __init__(self, http: ServiceHttp) -> None:
        self.http = http

    @classmethod
    def create(
        cls, base_url: str, options: HttpOptions | None = None, observer: CallObserver | None = None
    ) -> DataStorageClient:
        return cls(ServiceHttp(SERVICE, base_url, options, observer=observer))

    @classmethod
    def from_settings(
        cls, settings: Settings, observer: CallObserver | None = None
    ) -> DataStorageClient | None:
        if not settings.data_storage_url:
            return None
        return cls.create(settings.data_storage_url, HttpOptions.from_settings(settings), observer)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def recent_klines(self, symbol: str, interval: str, limit: int = 100) -> list[Kline]:
        params = _params(symbol, interval, limit=max(1, min(limit, MAX_LIMIT)))
        data = await self.http.get_json(
            "/api/v1/klines/recent", params=params, operation="klines_recent"
        )
        return parse_items(Kline, unwrap_items(data, "klines"))

    async def range_klines(
        self, symbol: str, interval: str, start: datetime, end: datetime
    ) -> list[Kline]:
        params = _params(
            symbol,
            interval,
            startTime=int(start.timestamp() * 1000),
            endTime=int(end.timestamp() * 1000),
        )
        data = await self.http.get_json(
            "/api/v1/klines/range", params=params, operation="klines_range"
        )
        return parse_items(Kline, unwrap_items(data, "klines"))

    async def latest_kline(self, symbol: str, interval: str) -> Kline | None:
        """None when nothing is stored yet for this pair (the service answers 404)."""
        try:
            data = await self.http.get_json(
                "/api/v1/klines/latest",
                params=_params(symbol, interval),
                operation="klines_latest",
                not_found="no kline stored",
            )
        except Exception as exc:
            if _is_not_found(exc):
                return None
            raise
        return Kline.model_validate(data) if isinstance(data, dict) else None

    async def kline_count(self, symbol: str, interval: str) -> int | None:
        data = await self.http.get_json(
            "/api/v1/klines/count", params=_params(symbol, interval), operation="klines_count"
        )
        if isinstance(data, dict):
            data = data.get("count")
        return to_int(data)

    async def recent_macd(self, symbol: str, interval: str, limit: int = 50) -> list[MacdValue]:
        params = _params(symbol, interval, limit=max(1, min(limit, MAX_LIMIT)))
        data = await self.http.get_json("/api/v1/macd/recent", params=params, operation="macd")
        return parse_items(MacdValue, unwrap_items(data, "macd"))

    async def health(self) -> ActuatorHealth:
        return await fetch_health(self.http)

    async def quality(self) -> StorageQuality:
        samples = await fetch_metrics(self.http)

        def status(name: str) -> bool | None:
            value = samples.value(f"{METRIC_PREFIX}{name}_connection_status")
            return to_bool(int(value)) if value is not None and value in (0, 1) else None

        return StorageQuality(
            received=samples.counter(f"{METRIC_PREFIX}kline_events_received_total"),
            saved=samples.counter(f"{METRIC_PREFIX}kline_events_saved_total"),
            failed=samples.counter(f"{METRIC_PREFIX}kline_events_failed_total"),
            compensated=samples.counter(f"{METRIC_PREFIX}kline_events_compensated_total"),
            postgres_connected=status("postgres"),
            elasticsearch_connected=status("elasticsearch"),
            last_kline_event_at=samples.timestamp(f"{METRIC_PREFIX}last_kline_event_timestamp"),
        )


def _is_not_found(exc: Exception) -> bool:
    return isinstance(exc, NotFound) or (isinstance(exc, BackendRejected) and exc.status == 404)
