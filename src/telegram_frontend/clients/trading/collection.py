"""Client of the data-collection service, which has no REST API of its own.

Everything we can know about the Binance websocket ingest comes from its actuator: the health
document and the Prometheus counters of connections and kline streams.
"""

from __future__ import annotations

from telegram_frontend.clients.trading.actuator import (
    ActuatorHealth,
    MetricSamples,
    fetch_health,
    fetch_metrics,
)
from telegram_frontend.clients.trading.http import CallObserver, HttpOptions, ServiceHttp
from telegram_frontend.clients.trading.payload import Instant, Money, Payload
from telegram_frontend.core.settings import Settings

SERVICE = "data collection"
PREFIX = "binance_data_collection_"


class CollectionMetrics(Payload):
    active_websocket_connections: Money = None
    connections_established: Money = None
    connections_failed: Money = None
    connections_closed: Money = None
    active_kline_streams: Money = None
    last_kline_event_at: Instant = None

    @classmethod
    def from_samples(cls, samples: MetricSamples) -> CollectionMetrics:
        return cls(
            active_websocket_connections=samples.total(f"{PREFIX}active_websocket_connections"),
            connections_established=samples.counter(f"{PREFIX}websocket_connections_established"),
            connections_failed=samples.counter(f"{PREFIX}websocket_connections_failed"),
            connections_closed=samples.counter(f"{PREFIX}websocket_connections_closed"),
            active_kline_streams=samples.total(f"{PREFIX}active_kline_streams"),
            last_kline_event_at=samples.timestamp(f"{PREFIX}last_kline_event_timestamp"),
        )


class DataCollectionClient:
    def __init__(self, http: ServiceHttp) -> None:
        self.http = http

    @classmethod
    def create(
        cls, base_url: str, options: HttpOptions | None = None, observer: CallObserver | None = None
    ) -> DataCollectionClient:
        return cls(ServiceHttp(SERVICE, base_url, options, observer=observer))

    @classmethod
    def from_settings(
        cls, settings: Settings, observer: CallObserver | None = None
    ) -> DataCollectionClient | None:
        if not settings.data_collection_url:
            return None
        return cls.create(
            settings.data_collection_url, HttpOptions.from_settings(settings), observer
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def health(self) -> ActuatorHealth:
        return await fetch_health(self.http)

    async def stream_metrics(self) -> CollectionMetrics:
        return CollectionMetrics.from_samples(await fetch_metrics(self.http))
