"""The whole fake trading system: every backend service on its own local port, one market.

Used by the tests and the sandbox alike. Each service has its own base URL (as in the real
deployment) and its own `ServiceFaults`, so one can be down, slow, failing or rejecting our key
while the others work. Run `python -m telegram_frontend.sandbox.backends.trading_system` to get
the URLs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import re
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from telegram_frontend.clients.trading.payload import to_decimal
from telegram_frontend.core.settings import Settings
from telegram_frontend.sandbox.backends.data_services import FakeDataCollection, FakeDataStorage
from telegram_frontend.sandbox.backends.fake_server import (
    FakeServer,
    ServiceFaults,
    faults_middleware,
    json_answer,
)
from telegram_frontend.sandbox.backends.grid_trader import FakeGridTrader
from telegram_frontend.sandbox.backends.macd_api import build_macd_app
from telegram_frontend.sandbox.backends.macd_trader import FakeMacdTrader, TradeEvent
from telegram_frontend.sandbox.backends.market import SimulatedMarket
from telegram_frontend.sandbox.backends.trading_db import FakeTradingDatabase

log = logging.getLogger(__name__)

DEFAULT_API_KEY = "btai_testnet_" + "k" * 32
SERVICE_NAMES = ("macd_trader", "grid_trader", "data_storage", "data_collection", "prometheus")
JOBS = {
    "macd_trader": "binance-trader-macd-testnet",
    "grid_trader": "binance-trader-grid-testnet",
    "data_storage": "binance-data-storage-testnet",
    "data_collection": "binance-data-collection-testnet",
}
ENVIRONMENT = "testnet"
# The real config also scrapes mainnet and infra targets that never resolve on testnet.
FOREIGN_JOBS = {
    "binance-trader-macd": "mainnet",
    "binance-data-storage": "mainnet",
    "node-exporter": "infra",
}
Sample = tuple[str, dict[str, str], Decimal | None]
_SELECTOR = re.compile(
    r"\s*(?:(?P<agg>sum|max|min|count)\s*\(\s*)?(?P<name>[a-zA-Z_:][\w:]*)"
    r"\s*(?:\{(?P<labels>[^}]*)\})?\s*\)?\s*"
)


class FakePrometheus:
    """Answers `/api/v1/query` for plain selectors and sum/max/min/count of them.

    As the real config: it scrapes the MACD trader without an API key, which the trader refuses
    (so that job is down unless `trader_key` is set), and it has jobs of other environments.
    """

    def __init__(self, backends: FakeBackends, trader_key: bool = False) -> None:
        self.backends = backends
        self.trader_key = trader_key

    def samples(self) -> list[Sample]:
        found: list[Sample] = []
        for name, job in JOBS.items():
            server = self.backends.servers[name]
            up = server.is_up and self.backends.faults[name].error_status is None
            if name == "macd_trader" and not self.trader_key:
                up = False  # /actuator/prometheus answers 403 to a scrape without a key
            labels = {"job": job, "instance": f"{job}:8080", "environment": ENVIRONMENT}
            found.append(("up", labels, Decimal(1 if up else 0)))
            if up:
                found += [(n, {**lab, **labels}, v) for n, lab, v in self._scrape(name)]
        for job, environment in FOREIGN_JOBS.items():
            labels = {"job": job, "instance": f"{job}:8080", "environment": environment}
            found.append(("up", labels, Decimal(0)))
        return found

    def _scrape(self, name: str) -> list[Sample]:
        text = {
            "macd_trader": self.backends.macd.prometheus_text,
            "data_storage": self.backends.storage.prometheus_text,
            "data_collection": self.backends.collection.prometheus_text,
        }.get(name)
        if text is None:
            return []
        return [
            (s.name, dict(s.labels), to_decimal(s.value))
            for family in text_string_to_metric_families(text())
            for s in family.samples
        ]

    def evaluate(self, expr: str) -> list[Sample] | None:
        match = _SELECTOR.fullmatch(expr)
        if match is None:
            return None
        wanted = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', match["labels"] or ""))
        picked = [
            s
            for s in self.samples()
            if s[0] == match["name"] and all(s[1].get(k) == v for k, v in wanted.items())
        ]
        agg = match["agg"]
        if agg is None:
            return picked
        values = [v for _, _, v in picked if v is not None]
        if not values:
            return []
        result = {
            "sum": sum(values, Decimal(0)),
            "max": max(values),
            "min": min(values),
            "count": Decimal(len(values)),
        }[agg]
        return [("", {}, result)]

    def build_app(self, faults: ServiceFaults) -> web.Application:
        app = web.Application(middlewares=[faults_middleware(faults)])

        async def query(request: web.Request) -> web.Response:
            expr = request.query.get("query", "")
            result = self.evaluate(expr)
            if result is None:
                body = {"status": "error", "errorType": "bad_data", "error": f"parse error: {expr}"}
                return json_answer(body, 400)
            now = self.backends.market.now_ms() / 1000
            vector = [
                {
                    "metric": ({"__name__": n} if n else {}) | labels,
                    "value": [now, "NaN" if v is None else format(v, "f")],
                }
                for n, labels, v in result
            ]
            return json_answer(
                {"status": "success", "data": {"resultType": "vector", "result": vector}}
            )

        async def ready(_: web.Request) -> web.Response:
            return web.Response(text="Prometheus Server is Ready.\n")

        app.router.add_get("/api/v1/query", query)
        app.router.add_get("/-/ready", ready)
        return app


class FakeBackends:
    """Every fake service, its switches and the URLs to point the frontend at."""

    def __init__(
        self,
        market: SimulatedMarket | None = None,
        trading_database_url: str | None = None,
        api_key: str = DEFAULT_API_KEY,
        macd_control_endpoints: bool = False,
        grid_api_enabled: bool = True,
        test_order_mode: bool = False,
    ) -> None:
        self.market = market or SimulatedMarket()
        self.trading_database_url = trading_database_url
        self.db = FakeTradingDatabase(trading_database_url) if trading_database_url else None
        self.api_key = api_key
        self.macd = FakeMacdTrader(
            self.market, self.db, api_key, macd_control_endpoints, test_order_mode
        )
        self.grid = FakeGridTrader(api_enabled=grid_api_enabled)
        self.storage = FakeDataStorage(self.market)
        self.collection = FakeDataCollection(self.market)
        self.prometheus = FakePrometheus(self)
        self.faults = {name: ServiceFaults() for name in SERVICE_NAMES}
        builders = {
            "macd_trader": lambda: build_macd_app(self.macd, self.faults["macd_trader"]),
            "grid_trader": lambda: self.grid.build_app(self.faults["grid_trader"]),
            "data_storage": lambda: self.storage.build_app(self.faults["data_storage"]),
            "data_collection": lambda: self.collection.build_app(self.faults["data_collection"]),
            "prometheus": lambda: self.prometheus.build_app(self.faults["prometheus"]),
        }
        self.servers = {name: FakeServer(name, build) for name, build in builders.items()}
        self._loop_task: asyncio.Task[None] | None = None

    async def start(self) -> FakeBackends:
        if self.db is not None:
            await self.db.create()
        for server in self.servers.values():
            await server.start()
        return self

    async def stop(self) -> None:
        await self.stop_background()
        for server in self.servers.values():
            await server.stop()
        if self.db is not None:
            await self.db.aclose()

    async def __aenter__(self) -> FakeBackends:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def url(self, name: str) -> str:
        return self.servers[name].base_url

    @property
    def urls(self) -> dict[str, str]:
        return {name: server.base_url for name, server in self.servers.items()}

    def settings_overrides(self) -> dict[str, str]:
        """Environment-style settings that point the frontend at these fakes."""
        overrides = {
            "MACD_TRADER_URL": self.url("macd_trader"),
            "MACD_TRADER_API_KEY": self.api_key,
            "GRID_TRADER_URL": self.url("grid_trader"),
            "DATA_STORAGE_URL": self.url("data_storage"),
            "DATA_COLLECTION_URL": self.url("data_collection"),
            "PROMETHEUS_URL": self.url("prometheus"),
        }
        if self.trading_database_url:
            overrides["TRADING_DATABASE_URL"] = self.trading_database_url
        return overrides

    def settings(self, **extra: Any) -> Settings:
        """A `Settings` built from the overrides (no .env file), plus `extra` fields."""
        values: dict[str, Any] = {k.lower(): v for k, v in self.settings_overrides().items()}
        values.update(extra)
        return Settings(_env_file=None, **values)

    async def step(self, forced: dict[str, str] | None = None) -> list[TradeEvent]:
        """One minute of the system: the trader decides, the ingest records an event."""
        events = await self.macd.step(forced)
        self.storage.record_events(len(self.macd.instances))
        self.collection.record_events()
        return events

    async def go_down(self, name: str) -> None:
        await self.servers[name].go_down()

    async def come_up(self, name: str) -> None:
        await self.servers[name].come_up()

    def start_background(self, interval_seconds: float = 60.0) -> None:
        """Step on a timer, as the sandbox does; the tests call `step()` themselves."""

        async def loop() -> None:
            while True:
                try:
                    await self.step()
                except Exception:
                    log.exception("fake trading step failed")
                await asyncio.sleep(interval_seconds)

        if self._loop_task is None:
            self._loop_task = asyncio.create_task(loop(), name="fake-backends-step")

    async def stop_background(self) -> None:
        task, self._loop_task = self._loop_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _serve(args: argparse.Namespace) -> None:
    backends = FakeBackends(
        trading_database_url=args.db,
        macd_control_endpoints=args.macd_control,
        test_order_mode=args.test_order_mode,
    )
    await backends.start()
    backends.start_background(args.step_seconds)
    for key, value in backends.settings_overrides().items():
        print(f"{key}={value}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await backends.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the fake trading-system backends.")
    parser.add_argument("--db", default="sqlite+aiosqlite:///./data/sandbox_trading.db")
    parser.add_argument("--step-seconds", type=float, default=60.0)
    parser.add_argument("--macd-control", action="store_true", help="offer MACD start/stop")
    parser.add_argument(
        "--test-order-mode",
        action="store_true",
        help="orders never fill, as with the testnet template's default: nothing executes",
    )
    args = parser.parse_args()
    Path("data").mkdir(exist_ok=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
