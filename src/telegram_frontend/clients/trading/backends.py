"""Every trading-system client built from the settings, for the composition root.

A service whose URL is not set gets `None`: the services then report it as "not configured"
instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram_frontend.clients.trading.collection import DataCollectionClient
from telegram_frontend.clients.trading.grid import GridTraderClient
from telegram_frontend.clients.trading.http import BreakerState, CallObserver, ServiceHttp
from telegram_frontend.clients.trading.macd import MacdTraderClient
from telegram_frontend.clients.trading.prometheus import PrometheusClient
from telegram_frontend.clients.trading.storage import DataStorageClient
from telegram_frontend.clients.trading_db.reader import TradingDatabase
from telegram_frontend.core.settings import Settings


@dataclass
class BackendClients:
    macd: MacdTraderClient | None = None
    grid: GridTraderClient | None = None
    storage: DataStorageClient | None = None
    collection: DataCollectionClient | None = None
    prometheus: PrometheusClient | None = None
    trading_db: TradingDatabase | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, observer: CallObserver | None = None
    ) -> BackendClients:
        return cls(
            macd=MacdTraderClient.from_settings(settings, observer),
            grid=GridTraderClient.from_settings(settings, observer),
            storage=DataStorageClient.from_settings(settings, observer),
            collection=DataCollectionClient.from_settings(settings, observer),
            prometheus=PrometheusClient.from_settings(settings, observer),
            trading_db=TradingDatabase.from_settings(settings),
        )

    def _http(self) -> list[ServiceHttp]:
        clients = (self.macd, self.grid, self.storage, self.collection, self.prometheus)
        return [c.http for c in clients if c is not None]

    def breaker_states(self) -> dict[str, BreakerState]:
        """Breaker state per service name, for `/health` and the metrics gauge."""
        return {http.service: http.breaker.state for http in self._http()}

    async def aclose(self) -> None:
        for http in self._http():
            await http.aclose()
        if self.trading_db is not None:
            await self.trading_db.aclose()
