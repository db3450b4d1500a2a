"""The HTTP surface of the fake MACD trader, with the real service's paths and field names.

Security as verified: only `/health` and `/actuator/health` are public; any other path without
an accepted key answers 403 (Spring Security's denial, not 401). The ADMIN key reaches
everything, a MONITORING key only `/api/v1/macd/**` (reads).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from telegram_frontend.sandbox.backends.fake_server import (
    Handler,
    ServiceFaults,
    faults_middleware,
    json_answer,
    ms_to_datetime,
    spring_error,
)
from telegram_frontend.sandbox.backends.macd_trader import FakeMacdTrader
from telegram_frontend.sandbox.backends.market import INTERVAL_MS

PUBLIC_PATHS = frozenset({"/health", "/actuator/health"})
MONITORING_PREFIX = "/api/v1/macd/"
MONITORED = (("BTCUSDT", "4h"), ("ETHUSDT", "1h"))


def _indicator(
    trader: FakeMacdTrader, symbol: str, interval: str, fast: int, slow: int, signal: int
) -> dict[str, Any]:
    symbol = symbol.upper()
    params = {
        "fastPeriod": fast,
        "slowPeriod": slow,
        "signalPeriod": signal,
        "valid": 0 < fast < slow and signal > 0,
        "minDataPoints": slow + signal,
    }
    if not trader.market.has(symbol) or interval not in INTERVAL_MS or not params["valid"]:
        # the real service answers zeros and the DEFAULT parameters, not nulls
        return {
            "symbol": symbol,
            "interval": interval,
            "timestamp": trader.market.now_ms(),
            "price": 0,
            "macdLine": 0,
            "signalLine": 0,
            "histogram": 0,
            "signal": "ERROR",
            "parameters": {
                "fastPeriod": 12,
                "slowPeriod": 26,
                "signalPeriod": 9,
                "valid": True,
                "minDataPoints": 35,
            },
            "dataPoints": 0,
            "calculatedAt": ms_to_datetime(trader.market.now_ms()),
            "valid": False,
            "error": "Unknown symbol/interval or invalid parameters",
            "signalStrength": "NONE",
            "summary": f"{symbol} {interval}: ERROR",
        }
    points = trader.indicator_points(symbol, interval, fast, slow, signal, limit=2)
    return _point_json(trader, symbol, interval, points, params)


def _point_json(
    trader: FakeMacdTrader, symbol: str, interval: str, points: list[Any], params: dict[str, Any]
) -> dict[str, Any]:
    point, before = points[-1], points[-2] if len(points) > 1 else points[-1]
    signal = "NEUTRAL"
    if before.histogram <= 0 < point.histogram:
        signal = "BUY"
    elif before.histogram >= 0 > point.histogram:
        signal = "SELL"
    return {
        "symbol": symbol,
        "interval": interval,
        "timestamp": point.open_time,
        "price": point.price,
        "macdLine": point.macd,
        "signalLine": point.signal,
        "histogram": point.histogram,
        "signal": signal,
        "parameters": params,
        "dataPoints": params["minDataPoints"] + 60,
        "calculatedAt": ms_to_datetime(trader.market.now_ms()),
        "error": None,
        "signalStrength": point.strength if signal != "NEUTRAL" else "NONE",
        "valid": True,
        "summary": f"{symbol} {interval}: MACD {point.macd}, histogram {point.histogram}",
    }


def build_macd_app(trader: FakeMacdTrader, faults: ServiceFaults) -> web.Application:
    @web.middleware
    async def api_key(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in PUBLIC_PATHS:
            return await handler(request)
        key = request.headers.get("X-API-Key")
        admin = key == trader.api_key
        monitoring = key is not None and key == trader.monitoring_api_key
        reading_macd = request.path.startswith(MONITORING_PREFIX) and request.method == "GET"
        if not (admin or (monitoring and reading_macd)):
            return spring_error(request, 403, "Access Denied")
        return await handler(request)

    app = web.Application(middlewares=[faults_middleware(faults), api_key])
    routes = web.RouteTableDef()

    def state_or_404(request: web.Request) -> Any:
        state = trader.instances.get(request.match_info["instance_id"])
        if state is None:
            raise web.HTTPNotFound(text="", content_type="application/json")
        return state

    @routes.get("/health")
    @routes.get("/actuator/health")
    async def health(_: web.Request) -> web.Response:
        return json_answer({"status": "UP", "components": {"db": {"status": "UP"}}})

    @routes.get("/actuator/prometheus")
    async def prometheus(_: web.Request) -> web.Response:
        return web.Response(text=trader.prometheus_text(), content_type="text/plain")

    @routes.get("/api/testnet/instances")
    async def instances(_: web.Request) -> web.Response:
        return json_answer([trader.instance_json(s) for s in trader.instances.values()])

    @routes.get("/api/testnet/instances/{instance_id}")
    async def instance(request: web.Request) -> web.Response:
        return json_answer(trader.instance_json(state_or_404(request)))

    @routes.post("/api/testnet/instances/{instance_id}/{verb:start|stop}")
    async def control(request: web.Request) -> web.Response:
        if not trader.control_endpoints:
            return spring_error(request, 404)
        state = state_or_404(request)
        state.active = request.match_info["verb"] == "start"
        return json_answer(trader.instance_json(state))

    @routes.get("/api/testnet/summary")
    async def summary(_: web.Request) -> web.Response:
        return json_answer(trader.summary_json())

    @routes.get("/api/testnet/strategies/ranking")
    async def ranking(_: web.Request) -> web.Response:
        return json_answer(trader.ranking_json())

    @routes.get("/api/v1/macd/indicator/{symbol}/{interval}")
    async def indicator(request: web.Request) -> web.Response:
        q, m = request.query, request.match_info
        try:
            fast, slow = int(q.get("fastPeriod", 12)), int(q.get("slowPeriod", 26))
            signal = int(q.get("signalPeriod", 9))
        except ValueError:
            return spring_error(request, 400, "periods must be integers")
        return json_answer(_indicator(trader, m["symbol"], m["interval"], fast, slow, signal))

    @routes.get("/api/v1/macd/indicator/{symbol}/{interval}/default")
    async def default(request: web.Request) -> web.Response:
        m = request.match_info
        return json_answer(_indicator(trader, m["symbol"], m["interval"], 12, 26, 9))

    @routes.get("/api/v1/macd/history/{symbol}/{interval}")
    async def history(request: web.Request) -> web.Response:
        symbol, interval = request.match_info["symbol"].upper(), request.match_info["interval"]
        limit = max(1, min(int(request.query.get("limit", "50") or 50), 100))
        if not trader.market.has(symbol) or interval not in INTERVAL_MS:
            return json_answer([])
        params = {"fastPeriod": 12, "slowPeriod": 26, "signalPeriod": 9, "valid": True}
        params["minDataPoints"] = 35
        points = trader.indicator_points(symbol, interval, 12, 26, 9, limit=limit + 1)
        return json_answer(
            [
                _point_json(trader, symbol, interval, points[: i + 1], params)
                for i in range(1, len(points))
            ]
        )

    @routes.get("/api/v1/macd/indicators")
    async def many(request: web.Request) -> web.Response:
        interval = request.query.get("interval", "1h")
        symbols = [s for s in request.query.get("symbols", "").split(",") if s.strip()]
        return json_answer([_indicator(trader, s.strip(), interval, 12, 26, 9) for s in symbols])

    @routes.post("/api/v1/macd/update")
    async def update_all(_: web.Request) -> web.Response:
        trader.refreshes.append(None)
        return json_answer({"status": "success", "message": "Indicators updated"})

    @routes.post("/api/v1/macd/update/{symbol}/{interval}")
    async def update_one(request: web.Request) -> web.Response:
        symbol, interval = request.match_info["symbol"].upper(), request.match_info["interval"]
        trader.refreshes.append((symbol, interval))
        return json_answer({"status": "success", "message": f"Updated {symbol} {interval}"})

    @routes.get("/api/v1/macd/cached")
    async def cached(_: web.Request) -> web.Response:
        return json_answer({f"{s}_{i}": _indicator(trader, s, i, 12, 26, 9) for s, i in MONITORED})

    @routes.get("/api/v1/macd/stats")
    async def stats(_: web.Request) -> web.Response:
        return json_answer(
            {
                "cached_indicators": len(MONITORED),
                "monitored_symbols": len({s for s, _ in MONITORED}),
                "monitored_intervals": len({i for _, i in MONITORED}),
                "valid_indicators": len(MONITORED),
                "invalid_indicators": 0,
            }
        )

    app.add_routes(routes)
    return app
