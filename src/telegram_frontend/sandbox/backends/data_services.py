"""Fake data-storage and data-collection services, serving the simulated market's klines.

Both expose the real metric names so the frontend's freshness, websocket and data-quality views
can be driven from tests: `record_events()` advances the counters and the last-event time,
`stale_ms` / `websockets` / `postgres_up` switches make the data look old or the ingest broken.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web

from telegram_frontend.sandbox.backends.fake_server import (
    ServiceFaults,
    faults_middleware,
    json_answer,
    ms_to_datetime,
    spring_error,
)
from telegram_frontend.sandbox.backends.macd_math import macd_points
from telegram_frontend.sandbox.backends.market import INTERVAL_MS, Candle, SimulatedMarket

HISTORY_DAYS = 30


def _kline_json(candle: Candle) -> dict[str, Any]:
    return {
        "symbol": candle.symbol,
        "interval": candle.interval,
        "openTime": candle.open_time,
        "closeTime": candle.close_time,
        "timestamp": candle.open_time,
        "displayTime": ms_to_datetime(candle.open_time).strftime("%Y-%m-%d %H:%M:%S"),
        "open": candle.open,
        "high": candle.high,
        "low": candle.low,
        "close": candle.close,
        "volume": candle.volume,
    }


def _gauge(name: str, value: object, kind: str = "gauge", labels: str = "") -> list[str]:
    return [f"# HELP {name} {name}", f"# TYPE {name} {kind}", f"{name}{labels} {value}"]


class FakeDataStorage:
    """Klines and MACD values computed on demand from the market, plus its actuator."""

    def __init__(self, market: SimulatedMarket) -> None:
        self.market = market
        self.received = 1000
        self.saved = 998
        self.failed = 2
        self.compensated = 1
        self.postgres_up = True
        self.elasticsearch_up = True
        self.last_event_ms: int | None = market.now_ms()

    def record_events(self, count: int = 1, at_ms: int | None = None) -> None:
        self.received += count
        self.saved += count
        self.last_event_ms = self.market.now_ms() if at_ms is None else at_ms

    def _pair(self, request: web.Request) -> tuple[str, str] | web.Response:
        symbol = request.query.get("symbol", "").upper()
        interval = request.query.get("interval", "")
        if not symbol or interval not in INTERVAL_MS:
            return spring_error(request, 400, "symbol and a valid interval are required")
        return symbol, interval

    def prometheus_text(self) -> str:
        p = "binance_data_storage_"
        lines: list[str] = []
        for name in ("received", "saved", "failed", "compensated"):
            lines += _gauge(f"{p}kline_events_{name}_total", f"{getattr(self, name)}.0", "counter")
        lines += _gauge(f"{p}postgres_connection_status", 1.0 if self.postgres_up else 0.0)
        lines += _gauge(
            f"{p}elasticsearch_connection_status", 1.0 if self.elasticsearch_up else 0.0
        )
        lines += _gauge(f"{p}last_kline_event_timestamp", f"{float(self.last_event_ms or 0):.12E}")
        return "\n".join(lines) + "\n"

    def build_app(self, faults: ServiceFaults) -> web.Application:
        app = web.Application(middlewares=[faults_middleware(faults)])
        market = self.market

        async def health(_: web.Request) -> web.Response:
            components = {
                "db": {"status": "UP" if self.postgres_up else "DOWN"},
                "elasticsearch": {"status": "UP" if self.elasticsearch_up else "DOWN"},
            }
            overall = "UP" if self.postgres_up else "DOWN"
            status = 200 if overall == "UP" else 503
            return json_answer({"status": overall, "components": components}, status)

        async def prometheus(_: web.Request) -> web.Response:
            return web.Response(text=self.prometheus_text(), content_type="text/plain")

        async def recent(request: web.Request) -> web.Response:
            pair = self._pair(request)
            if isinstance(pair, web.Response):
                return pair
            limit = int(request.query.get("limit", "100") or 100)
            if not 1 <= limit <= 1000:
                return spring_error(request, 400, "limit must be between 1 and 1000")
            if not market.has(pair[0]):
                return json_answer([])
            return json_answer([_kline_json(c) for c in market.klines(*pair, limit=limit)])

        async def range_(request: web.Request) -> web.Response:
            pair = self._pair(request)
            if isinstance(pair, web.Response):
                return pair
            try:
                start, end = int(request.query["startTime"]), int(request.query["endTime"])
            except (KeyError, ValueError):
                return spring_error(request, 400, "startTime and endTime (ms) are required")
            if not market.has(pair[0]):
                return json_answer([])
            candles = market.klines(*pair, limit=1000, start_ms=start, end_ms=end)
            return json_answer([_kline_json(c) for c in candles])

        async def latest(request: web.Request) -> web.Response:
            pair = self._pair(request)
            if isinstance(pair, web.Response):
                return pair
            if not market.has(pair[0]):
                return spring_error(request, 404, "No kline found")
            return json_answer(_kline_json(market.klines(*pair, limit=1)[-1]))

        async def count(request: web.Request) -> web.Response:
            pair = self._pair(request)
            if isinstance(pair, web.Response):
                return pair
            if not market.has(pair[0]):
                return json_answer(0)
            return json_answer(HISTORY_DAYS * 86_400_000 // INTERVAL_MS[pair[1]])

        async def macd(request: web.Request) -> web.Response:
            pair = self._pair(request)
            if isinstance(pair, web.Response):
                return pair
            limit = max(1, min(int(request.query.get("limit", "50") or 50), 1000))
            if not market.has(pair[0]):
                return json_answer([])
            points = macd_points(market.klines(*pair, limit=limit + 100), 12, 26, 9)[-limit:]
            now = ms_to_datetime(market.now_ms())
            items = []
            for before, point in zip([None, *points], points, strict=False):
                up = before is not None and before.histogram <= 0 < point.histogram
                down = before is not None and before.histogram >= 0 > point.histogram
                moment = ms_to_datetime(point.open_time)
                items.append(
                    {
                        "symbol": pair[0],
                        "interval": pair[1],
                        "timestamp": point.open_time,  # epoch milliseconds, a number
                        "display_time": moment.strftime("%Y-%m-%d %H:%M:%S"),
                        "collection_time": now,
                        "ema_fast": point.ema_fast,
                        "ema_slow": point.ema_slow,
                        "macd": point.macd,
                        "signal": point.signal,
                        "histogram": point.histogram,
                        "signal_buy": point.macd if up else None,  # a number or null
                        "signal_sell": point.macd if down else None,
                        "buy": Decimal(1) if up else Decimal(0),
                        "sell": Decimal(1) if down else Decimal(0),
                    }
                )
            return json_answer(items)

        app.router.add_get("/actuator/health", health)
        app.router.add_get("/actuator/prometheus", prometheus)
        app.router.add_get("/api/v1/klines/recent", recent)
        app.router.add_get("/api/v1/klines/range", range_)
        app.router.add_get("/api/v1/klines/latest", latest)
        app.router.add_get("/api/v1/klines/count", count)
        app.router.add_get("/api/v1/macd/recent", macd)
        return app


class FakeDataCollection:
    """The websocket ingest: actuator only, its state told by Prometheus metrics."""

    def __init__(self, market: SimulatedMarket, streams: int = 4) -> None:
        self.market = market
        self.websockets = 1
        self.streams = streams
        self.established = 3
        self.failed = 0
        self.closed = 2
        self.last_event_ms: int | None = market.now_ms()

    def record_events(self, at_ms: int | None = None) -> None:
        self.last_event_ms = self.market.now_ms() if at_ms is None else at_ms

    def disconnect(self) -> None:
        """The Binance websocket dropped and did not come back."""
        self.websockets, self.streams = 0, 0
        self.closed += 1
        self.failed += 1

    def prometheus_text(self) -> str:
        p = "binance_data_collection_"
        lines = _gauge(f"{p}active_websocket_connections", float(self.websockets))
        for name in ("established", "failed", "closed"):
            value = f"{getattr(self, name)}.0"
            lines += _gauge(f"{p}websocket_connections_{name}_total", value, "counter")
        lines += _gauge(f"{p}active_kline_streams", float(self.streams))
        lines += _gauge(f"{p}last_kline_event_timestamp", f"{float(self.last_event_ms or 0):.12E}")
        return "\n".join(lines) + "\n"

    def build_app(self, faults: ServiceFaults) -> web.Application:
        app = web.Application(middlewares=[faults_middleware(faults)])

        async def health(_: web.Request) -> web.Response:
            status = "UP" if self.websockets else "OUT_OF_SERVICE"
            return json_answer({"status": status}, 200 if status == "UP" else 503)

        async def prometheus(_: web.Request) -> web.Response:
            return web.Response(text=self.prometheus_text(), content_type="text/plain")

        app.router.add_get("/actuator/health", health)
        app.router.add_get("/actuator/prometheus", prometheus)
        return app
