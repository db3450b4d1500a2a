"""Client of the optional grid trader: the only backend with a real start/stop control.

Its REST API exists only when `grid.api.enabled=true`; a 404 on the collection itself means the
API is switched off, which we report as "cannot" rather than as a broken service.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from pydantic.alias_generators import to_camel

from telegram_frontend.clients.trading.actuator import ActuatorHealth, fetch_health
from telegram_frontend.clients.trading.http import CallObserver, HttpOptions, ServiceHttp
from telegram_frontend.clients.trading.payload import (
    Count,
    Flag,
    Money,
    Payload,
    ShortText,
    UpperText,
    parse_items,
    unwrap_items,
)
from telegram_frontend.core.errors import AlreadyInState, NotFound
from telegram_frontend.core.formatters import quoted
from telegram_frontend.core.settings import Settings

SERVICE = "grid trader"
BASE = "/api/grid/strategies"
API_DISABLED = "manage grid strategies: its REST API is switched off (grid.api.enabled=false)"
LEVEL_QUANTUM = Decimal("0.00000001")  # Binance's finest price precision
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def grid_levels(lower: Decimal, upper: Decimal, levels: int) -> list[Decimal]:
    """`levels` prices evenly spaced from `lower` to `upper`, both ends included."""
    if levels < 2 or upper <= lower:
        return []
    step = (upper - lower) / (levels - 1)
    inner = [
        (lower + step * i).quantize(LEVEL_QUANTUM, ROUND_HALF_UP) for i in range(1, levels - 1)
    ]
    return [lower, *(p.normalize() if p == p.to_integral_value() else p for p in inner), upper]


class GridStrategy(Payload):
    """A grid strategy as the backend stores it."""

    id: str
    symbol: UpperText = None
    interval: ShortText = None
    lower: Money = None
    upper: Money = None
    levels: Count = None
    base_order_size: Money = None
    daily_loss_limit_pct: Money = None
    max_position_size_quote: Money = None
    active: Flag = None

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: object) -> str:
        text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
        if not text or len(text) > 64:
            raise ValueError("a grid strategy needs a short id")
        return text

    def level_prices(self) -> list[Decimal]:
        if self.lower is None or self.upper is None or self.levels is None:
            return []
        return grid_levels(self.lower, self.upper, self.levels)


class GridStrategyDraft(BaseModel):
    """What we send to create or update a grid strategy; validated before it leaves."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, frozen=True)

    symbol: str
    interval: str = "1h"
    lower: Decimal
    upper: Decimal
    levels: int
    base_order_size: Decimal
    daily_loss_limit_pct: Decimal | None = None
    max_position_size_quote: Decimal | None = None
    active: bool = False

    @model_validator(mode="after")
    def _sane(self) -> GridStrategyDraft:
        if not self.lower > 0 or not self.upper > self.lower:
            raise ValueError("the grid needs 0 < lower < upper")
        if not 2 <= self.levels <= 500:
            raise ValueError("the grid needs between 2 and 500 levels")
        if not self.base_order_size > 0:
            raise ValueError("the base order size must be positive")
        return self

    def to_wire(self) -> dict[str, Any]:
        """camelCase JSON; Decimals as strings (Jackson reads them into BigDecimal exactly)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class GridTraderClient:
    def __init__(self, http: ServiceHttp) -> None:
        self.http = http

    @classmethod
    def create(
        cls, base_url: str, options: HttpOptions | None = None, observer: CallObserver | None = None
    ) -> GridTraderClient:
        return cls(ServiceHttp(SERVICE, base_url, options, observer=observer))

    @classmethod
    def from_settings(
        cls, settings: Settings, observer: CallObserver | None = None
    ) -> GridTraderClient | None:
        if not settings.grid_trader_url:
            return None
        return cls.create(settings.grid_trader_url, HttpOptions.from_settings(settings), observer)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def strategies(self) -> list[GridStrategy]:
        data = await self.http.get_json(BASE, operation="grid_list", unsupported=API_DISABLED)
        return parse_items(GridStrategy, unwrap_items(data, "strategies"))

    async def strategy(self, strategy_id: str) -> GridStrategy:
        """The backend has no GET by id; we look it up in the list."""
        for strategy in await self.strategies():
            if strategy.id == str(strategy_id):
                return strategy
        raise NotFound(_no_such(strategy_id))

    async def create_strategy(self, draft: GridStrategyDraft) -> GridStrategy:
        data = await self.http.post_json(
            BASE, draft.to_wire(), operation="grid_create", unsupported=API_DISABLED
        )
        return GridStrategy.model_validate(data)

    async def update_strategy(self, strategy_id: str, draft: GridStrategyDraft) -> GridStrategy:
        data = await self.http.put_json(
            f"{BASE}/{_id_segment(strategy_id)}",
            draft.to_wire(),
            operation="grid_update",
            not_found=_no_such(strategy_id),
        )
        return GridStrategy.model_validate(data)

    async def activate(self, strategy_id: str) -> GridStrategy | None:
        return await self._switch(strategy_id, "activate")

    async def deactivate(self, strategy_id: str) -> GridStrategy | None:
        return await self._switch(strategy_id, "deactivate")

    async def _switch(self, strategy_id: str, verb: str) -> GridStrategy | None:
        """The new state (None when the answer is the usual empty 200).

        The service answers 404 both for an unknown id and for a grid already in the wanted
        state; the list tells the two apart, and the second becomes `AlreadyInState`.
        """
        try:
            data = await self.http.post_json(
                f"{BASE}/{_id_segment(strategy_id)}/{verb}",
                operation=f"grid_{verb}",
                not_found=_no_such(strategy_id),
            )
        except NotFound:
            current = await self.strategy(strategy_id)  # raises NotFound when truly unknown
            state = "active" if verb == "activate" else "inactive"
            raise AlreadyInState(
                f"Grid strategy {current.symbol or '?'} {current.id} is already {state}."
            ) from None
        return GridStrategy.model_validate(data) if isinstance(data, dict) else None

    async def health(self) -> ActuatorHealth:
        """The grid trader has no actuator at the verified commit; prefer `strategies()`."""
        return await fetch_health(self.http)


def _no_such(strategy_id: str) -> str:
    """The sentence for an unknown id, echoed safely (no control or bidi characters)."""
    return f"There is no grid strategy {quoted(strategy_id)}."


def _id_segment(strategy_id: str) -> str:
    """Grid ids are server-generated strings (UUIDs); anything that is not a plain token is
    refused before it reaches a URL."""
    text = str(strategy_id).strip()
    if not _SAFE_ID.fullmatch(text):
        raise NotFound(_no_such(strategy_id))
    return text
