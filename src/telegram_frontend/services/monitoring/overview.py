"""The one-screen answer to "is everything all right?": services plus the trading at a glance.

`/status` needs figures from four places (the monitoring snapshot, the traders' strategy lists,
the trading database's positions, trades and snapshots); they are asked concurrently, each under
a deadline, and whatever fails becomes an `Unavailable` note instead of blanking the screen.
`/metrics` reuses the same snapshot for its key figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TypeVar

from telegram_frontend.clients.trading_db.reader import TradeCursor
from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.availability import Unavailable
from telegram_frontend.core.caching.ttl_cache import TtlCache
from telegram_frontend.core.errors import BackendUnavailable, FrontendError
from telegram_frontend.services.monitoring.service import MonitoringService
from telegram_frontend.services.monitoring.system_status import SystemSnapshot
from telegram_frontend.services.trading.performance import Period
from telegram_frontend.services.trading.records import Trade
from telegram_frontend.services.trading.service import TradingService

T = TypeVar("T")
DEFAULT_DEADLINE_S = 10.0


@dataclass(frozen=True)
class TradingGlance:
    """What the strategies are doing; None where the source could not be read."""

    strategies_total: int | None = None
    strategies_active: int | None = None
    pnl_24h: Decimal | None = None
    open_positions: int | None = None
    open_orders: int | None = None
    trades_24h: int | None = None
    last_trade: Trade | None = None
    unavailable: tuple[Unavailable, ...] = ()


@dataclass(frozen=True)
class StatusOverview:
    system: SystemSnapshot
    trading: TradingGlance

    @property
    def unavailable(self) -> tuple[Unavailable, ...]:
        """Every note once per sentence (a down database would otherwise be named twice)."""
        seen: dict[str, Unavailable] = {}
        for note in (*self.system.unavailable, *self.trading.unavailable):
            seen.setdefault(note.sentence, note)
        return tuple(seen.values())


@dataclass
class _Notes:
    items: list[Unavailable] = field(default_factory=list)

    def add(self, service: str, exc: FrontendError) -> None:
        self.items.append(Unavailable.from_error(service, exc))


class StatusOverviewService:
    """Composes the monitoring snapshot with trading figures from `TradingService`."""

    def __init__(
        self,
        monitoring: MonitoringService,
        trading: TradingService,
        deadline_seconds: float = DEFAULT_DEADLINE_S,
        read_cache_seconds: float = 0.0,
    ) -> None:
        self.monitoring = monitoring
        self.trading = trading
        self.deadline = deadline_seconds
        # One glance serves a burst of /status; a strategy start/stop makes a new one.
        self.glances: TtlCache[TradingGlance] = TtlCache(read_cache_seconds)

    async def overview(self, actor: Actor, *, with_orders: bool = False) -> StatusOverview:
        """The monitoring snapshot (cached there) and a glance `read_cache_seconds` old at most."""
        require(actor, Role.VIEWER)
        key = (with_orders, self.trading.reads.generation)
        system, trading = await asyncio.gather(
            self.monitoring.snapshot(),
            self.glances.get(key, lambda: self._glance(actor, with_orders)),
        )
        return StatusOverview(system, trading)

    async def _glance(self, actor: Actor, with_orders: bool) -> TradingGlance:
        notes = _Notes()
        strategies, positions, performance, last_trade, orders = await asyncio.gather(
            self._guard(self.trading.list_strategies(actor), "trading services", notes),
            self._guard(self.trading.positions(actor), "trading database", notes),
            self._guard(self.trading.performance(actor, Period.DAY), "trading database", notes),
            self._guard(self._last_trade(actor), "trading database", notes),
            self._guard(self._open_orders(actor), "trading database", notes)
            if with_orders
            else _none(),
        )
        total = active = None
        if strategies is not None:
            notes.items.extend(strategies.unavailable)
            if not strategies.unavailable:  # a service that did not answer: counts unknown
                total = len(strategies.items)
                states = [s.active for s in strategies.items]
                active = None if None in states else sum(1 for a in states if a)
        pnl = trades = None
        if performance is not None:
            notes.items.extend(performance.unavailable)
            known = [p.pnl for p in performance.items if p.pnl is not None]
            pnl = sum(known, Decimal(0)) if known else None
            counts = [p.trades for p in performance.items if p.trades is not None]
            trades = sum(counts) if counts else None
        return TradingGlance(
            strategies_total=total,
            strategies_active=active,
            pnl_24h=pnl,
            open_positions=len(positions) if positions is not None else None,
            open_orders=orders,
            trades_24h=trades,
            last_trade=last_trade,
            unavailable=tuple(_unique(notes.items)),
        )

    async def _last_trade(self, actor: Actor) -> Trade | None:
        """The newest executed trade: one step back from the newest cursor, then one row."""
        cursor = await self.trading.latest_trade_cursor(actor)
        if cursor.id is not None:
            before = TradeCursor(id=cursor.id - 1)
        elif cursor.decision_time is not None:
            before = TradeCursor(decision_time=cursor.decision_time - timedelta(microseconds=1))
        else:
            return None
        page = await self.trading.executed_trades(actor, before, limit=1)
        return page.trades[-1] if page.trades else None

    async def _open_orders(self, actor: Actor) -> int:
        return len(await self.trading.orders(actor, open_only=True, limit=500))

    async def _guard(self, call: Awaitable[T], service: str, notes: _Notes) -> T | None:
        """The call's result, or None plus a note when it failed or missed the deadline."""
        try:
            return await asyncio.wait_for(call, self.deadline)
        except TimeoutError:
            notes.add(service, BackendUnavailable(service, f"no answer within {self.deadline:g} s"))
        except FrontendError as exc:
            notes.add(service, exc)
        return None


async def _none() -> None:
    return None


def _unique(notes: list[Unavailable]) -> list[Unavailable]:
    seen: dict[str, Unavailable] = {}
    for note in notes:
        seen.setdefault(note.sentence, note)
    return list(seen.values())
