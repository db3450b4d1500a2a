"""A fake grid trader: the optional service whose strategies really can be started and stopped.

As verified: ids are server-generated UUID strings, `POST` answers 201 and ignores `active`,
`activate`/`deactivate` answer an empty 200, or 404 when the grid is already in that state.
The real service has no actuator; `/actuator/health` is served only with `actuator=True`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from telegram_frontend.sandbox.backends.fake_server import (
    ServiceFaults,
    faults_middleware,
    json_answer,
    spring_error,
)


def grid_uuid(n: int) -> str:
    """The n-th grid's id: a UUID like the server's, but the same on every run of the fake."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"fake-grid-trader/{n}"))


SEEDED_GRID_ID = grid_uuid(1)


@dataclass
class GridRecord:
    id: str
    symbol: str
    interval: str
    lower: Decimal
    upper: Decimal
    levels: int
    base_order_size: Decimal
    daily_loss_limit_pct: Decimal | None
    max_position_size_quote: Decimal | None
    active: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "symbol": self.symbol,
            "interval": self.interval,
            "lower": self.lower,
            "upper": self.upper,
            "levels": self.levels,
            "baseOrderSize": self.base_order_size,
            "dailyLossLimitPct": self.daily_loss_limit_pct,
            "maxPositionSizeQuote": self.max_position_size_quote,
            "active": self.active,
        }


class FakeGridTrader:
    """In-memory grid strategies; `api_enabled=False` behaves like `grid.api.enabled=false`."""

    def __init__(self, api_enabled: bool = True, actuator: bool = False) -> None:
        self.api_enabled = api_enabled
        self.actuator = actuator
        self.strategies: dict[str, GridRecord] = {}
        self.calls: list[tuple[str, str]] = []  # (verb, id) of every activate/deactivate
        self._created = 0
        self.add(
            symbol="BTCUSDT",
            interval="1h",
            lower=Decimal(60000),
            upper=Decimal(70000),
            levels=5,
            base_order_size=Decimal("0.001"),
            daily_loss_limit_pct=Decimal(3),
            max_position_size_quote=Decimal(500),
            active=False,
        )

    def add(self, **fields: Any) -> GridRecord:
        self._created += 1
        record = GridRecord(id=grid_uuid(self._created), **fields)
        self.strategies[record.id] = record
        return record

    def build_app(self, faults: ServiceFaults) -> web.Application:
        app = web.Application(middlewares=[faults_middleware(faults)])
        base = "/api/grid/strategies"

        def enabled_or_404(request: web.Request) -> web.Response | None:
            return None if self.api_enabled else spring_error(request, 404)

        def find(request: web.Request) -> GridRecord | None:
            return self.strategies.get(request.match_info["id"])

        async def health(_: web.Request) -> web.Response:
            return json_answer({"status": "UP"})

        async def listing(request: web.Request) -> web.Response:
            return enabled_or_404(request) or json_answer(
                [s.to_json() for s in self.strategies.values()]
            )

        async def create(request: web.Request) -> web.Response:
            if (off := enabled_or_404(request)) is not None:
                return off
            fields, problem = _parse(await request.json())
            if problem:
                return spring_error(request, 400, problem)
            fields["active"] = False  # the real service ignores `active` on create
            return json_answer(self.add(**fields).to_json(), 201)

        async def put(request: web.Request) -> web.Response:
            record = find(request)
            if (off := enabled_or_404(request)) is not None or record is None:
                return off or spring_error(request, 404, "Grid strategy not found")
            fields, problem = _parse(await request.json())
            if problem:
                return spring_error(request, 400, problem)
            for key, value in fields.items():
                setattr(record, key, value)
            return json_answer(record.to_json())

        async def switch(request: web.Request) -> web.Response:
            record = find(request)
            if (off := enabled_or_404(request)) is not None or record is None:
                return off or spring_error(request, 404, "Grid strategy not found")
            verb = request.match_info["verb"]
            wanted = verb == "activate"
            if record.active == wanted:  # already in that state: the service answers 404
                return spring_error(request, 404)
            record.active = wanted
            self.calls.append((verb, record.id))
            return web.Response(status=200)

        if self.actuator:
            app.router.add_get("/actuator/health", health)
        app.router.add_get(base, listing)
        app.router.add_post(base, create)
        app.router.add_put(base + "/{id}", put)
        app.router.add_post(base + "/{id}/{verb:activate|deactivate}", switch)
        return app


def _parse(body: object) -> tuple[dict[str, Any], str]:
    """Validate like the Java controller: lower < upper, at least 2 levels."""
    if not isinstance(body, dict):
        return {}, "body must be a JSON object"
    try:
        lower, upper = Decimal(str(body["lower"])), Decimal(str(body["upper"]))
        levels = int(body["levels"])
        size = Decimal(str(body["baseOrderSize"]))
        loss = body.get("dailyLossLimitPct")
        cap = body.get("maxPositionSizeQuote")
        fields = {
            "symbol": str(body["symbol"]).upper(),
            "interval": str(body.get("interval", "1h")),
            "lower": lower,
            "upper": upper,
            "levels": levels,
            "base_order_size": size,
            "daily_loss_limit_pct": Decimal(str(loss)) if loss is not None else None,
            "max_position_size_quote": Decimal(str(cap)) if cap is not None else None,
            "active": bool(body.get("active", False)),
        }
    except (KeyError, ValueError, InvalidOperation, TypeError) as exc:
        return {}, f"invalid grid strategy: {type(exc).__name__} {exc}"
    if not lower < upper or levels < 2:
        return {}, "lower must be below upper and levels at least 2"
    return fields, ""
