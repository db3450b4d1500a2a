"""Strategies, trades, positions, orders and performance: every trading rule of the frontend.

Data comes from where the backend really has it: strategy figures from the traders' APIs, trades
and positions from the trading database. Start/stop is checked for role here (so no door can
forget it) and recorded in the audit trail and the strategy run log, failures included.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.clients.trading.grid import GridTraderClient
from telegram_frontend.clients.trading.macd import MacdTraderClient, StrategyRanking
from telegram_frontend.clients.trading_db.reader import (
    AnalysisEvent,
    OrderRecord,
    TradeCursor,
    TradingDatabase,
)
from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.availability import Partial, Unavailable
from telegram_frontend.core.caching.ttl_cache import TtlCache
from telegram_frontend.core.errors import (
    AlreadyInState,
    BackendUnavailable,
    BackendUnsupported,
    FrontendError,
    PermissionDenied,
)
from telegram_frontend.services.trading.performance import EquityPoint, Period
from telegram_frontend.services.trading.period_figures import equity_points, period_figures
from telegram_frontend.services.trading.records import (
    Position,
    Strategy,
    StrategyKind,
    StrategyPerformance,
    Trade,
    grid_view,
    macd_view,
    parse_strategy_id,
    position_view,
    strategy_key,
    trade_view,
)

log = logging.getLogger(__name__)


class StrategyAuditor(Protocol):
    """The audit trail (`AuditService.record`)."""

    async def record(
        self,
        actor: Actor,
        action: str,
        target: str,
        result: str,
        details: dict[str, Any] | None = None,
    ) -> None: ...


class StrategyRunRecorder(Protocol):
    """The run log of strategies (`StrategyRunLog`)."""

    async def started(
        self,
        actor: Actor,
        strategy_id: str,
        kind: str,
        parameters: dict[str, Any],
        risk_limits: dict[str, Any],
    ) -> None: ...

    async def stopped(self, actor: Actor, strategy_id: str, outcome: str) -> None: ...


class TradePage:
    """A batch of executed trades and the cursor to ask for the next one."""

    def __init__(self, trades: list[Trade], cursor: TradeCursor) -> None:
        self.trades = trades
        self.cursor = cursor


GRID_HAS_NO_HISTORY = (
    "report performance figures: it writes no snapshots or trades to the trading database"
)


def _not_configured(service: str, variable: str) -> BackendUnavailable:
    return BackendUnavailable(service, f"it is not configured ({variable} is not set)")


class TradingService:
    def __init__(
        self,
        clients: BackendClients,
        auditor: StrategyAuditor | None = None,
        run_log: StrategyRunRecorder | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        read_cache_seconds: float = 0.0,
    ) -> None:
        self.clients = clients
        self.auditor = auditor
        self.run_log = run_log
        self._now = now
        # The strategy lists, shared by a burst of callers; a start/stop here forgets them.
        self.reads: TtlCache[Partial[Strategy]] = TtlCache(read_cache_seconds)

    # -- strategies --------------------------------------------------------------------------

    async def list_strategies(self, actor: Actor) -> Partial[Strategy]:
        """MACD instances and grid strategies together; a failing backend becomes a note."""
        require(actor, Role.VIEWER)
        return await self.reads.get("strategies", self._list_strategies)

    async def _list_strategies(self) -> Partial[Strategy]:
        macd, grid = self.clients.macd, self.clients.grid
        notes: list[Unavailable] = []
        if macd is None:
            notes.append(Unavailable.from_error("MACD trader", self._macd_missing()))
        results = await asyncio.gather(
            macd.instances() if macd else _nothing(),
            grid.strategies() if grid else _nothing(),
            return_exceptions=True,
        )
        items: list[Strategy] = []
        for service, result in zip(("MACD trader", "grid trader"), results, strict=True):
            if isinstance(result, FrontendError):
                notes.append(Unavailable.from_error(service, result))
            elif isinstance(result, BaseException):
                raise result
            elif service == "MACD trader":
                supported = macd.control_supported if macd else None
                items += [macd_view(i, supported) for i in result]
            else:
                items += [grid_view(g) for g in result]
        return Partial(items, notes)

    async def get_strategy(self, actor: Actor, strategy_id: str) -> Strategy:
        require(actor, Role.VIEWER)
        kind, backend_id = parse_strategy_id(strategy_id)
        if kind is StrategyKind.MACD:
            macd = self._macd()
            return macd_view(await macd.instance(backend_id), macd.control_supported)
        return grid_view(await self._grid().strategy(backend_id))

    async def start_strategy(self, actor: Actor, strategy_id: str) -> Strategy:
        return await self._switch(actor, strategy_id, start=True)

    async def stop_strategy(self, actor: Actor, strategy_id: str) -> Strategy:
        return await self._switch(actor, strategy_id, start=False)

    async def _switch(self, actor: Actor, strategy_id: str, start: bool) -> Strategy:
        try:
            return await self._switch_and_record(actor, strategy_id, start)
        finally:
            self.reads.invalidate()

    async def _switch_and_record(self, actor: Actor, strategy_id: str, start: bool) -> Strategy:
        action = "strategy.start" if start else "strategy.stop"
        target = strategy_id[:128]
        try:
            require(actor, Role.TRADER)
            kind, backend_id = parse_strategy_id(strategy_id)
            target = strategy_key(kind, backend_id)
            strategy = await self._call_switch(kind, backend_id, start)
        except PermissionDenied as exc:
            await self._audit(actor, action, target, "denied", exc)
            raise
        except AlreadyInState as exc:
            await self._audit(actor, action, target, "noop", exc)
            raise
        except BackendUnsupported as exc:
            await self._audit(actor, action, target, "unsupported", exc)
            raise
        except FrontendError as exc:
            await self._audit(actor, action, target, "failed", exc)
            raise
        await self._audit(actor, action, target, "ok", None)
        await self._log_run(actor, strategy, start)
        return strategy

    async def _call_switch(self, kind: StrategyKind, backend_id: str, start: bool) -> Strategy:
        if kind is StrategyKind.MACD:
            macd = self._macd()
            instance = await (macd.start_instance if start else macd.stop_instance)(backend_id)
            if instance is None:
                instance = await macd.instance(backend_id)
            return macd_view(instance, macd.control_supported)
        grid = self._grid()
        result = await (grid.activate if start else grid.deactivate)(backend_id)
        return grid_view(result if result is not None else await grid.strategy(backend_id))

    async def _audit(
        self, actor: Actor, action: str, target: str, result: str, error: FrontendError | None
    ) -> None:
        if self.auditor is None:
            return
        details = {"reason": error.user_message} if error is not None else None
        try:
            await self.auditor.record(actor, action, target, result, details)
        except Exception:  # the action happened; a failed audit write must not hide that
            log.exception("could not record %s on %s in the audit trail", action, target)

    async def _log_run(self, actor: Actor, strategy: Strategy, start: bool) -> None:
        if self.run_log is None:
            return
        try:
            if start:
                await self.run_log.started(
                    actor,
                    strategy.id,
                    strategy.kind.value,
                    dict(strategy.parameters),
                    dict(strategy.risk_limits),
                )
            else:
                await self.run_log.stopped(actor, strategy.id, "stopped")
        except Exception:
            log.exception("could not record the run of %s", strategy.id)

    # -- trades, positions, orders -------------------------------------------------------------

    async def executed_trades(
        self, actor: Actor, after: TradeCursor | None = None, limit: int = 50
    ) -> TradePage:
        """Executed trades after `after`, oldest first, and the cursor to continue from."""
        require(actor, Role.VIEWER)
        rows = await self._db().executed_trades(after, limit=max(1, min(limit, 500)))
        cursor = after or TradeCursor()
        if rows:
            cursor = TradeCursor(id=rows[-1].id, decision_time=rows[-1].decision_time)
        return TradePage([trade_view(r) for r in rows], cursor)

    async def latest_trade_cursor(self, actor: Actor) -> TradeCursor:
        require(actor, Role.VIEWER)
        return await self._db().latest_trade_cursor()

    async def positions(self, actor: Actor) -> list[Position]:
        """Open positions: the latest snapshot of each instance whose position is not zero."""
        require(actor, Role.VIEWER)
        snapshots = await self._db().latest_snapshots()
        return [p for p in (position_view(s) for s in snapshots) if p is not None]

    async def equity_series(
        self, actor: Actor, strategy_id: str, period: Period = Period.WEEK
    ) -> list[EquityPoint]:
        require(actor, Role.VIEWER)
        _, instance_id = parse_strategy_id(strategy_id)
        rows = await self._db().snapshots(instance_id, since=period.start(self._now()))
        return equity_points(rows)

    async def orders(
        self, actor: Actor, open_only: bool = True, symbol: str | None = None, limit: int = 50
    ) -> list[OrderRecord]:
        require(actor, Role.VIEWER)
        db, limit = self._db(), max(1, min(limit, 500))
        if open_only:
            return await db.open_orders(symbol, limit)
        return await db.orders(None, symbol, limit)

    async def analysis_events(
        self, actor: Actor, strategy_id: str | None = None, limit: int = 20
    ) -> list[AnalysisEvent]:
        require(actor, Role.VIEWER)
        instance = parse_strategy_id(strategy_id)[1] if strategy_id else None
        return await self._db().analysis_events(instance, max(1, min(limit, 500)))

    # -- performance ---------------------------------------------------------------------------

    async def performance(
        self, actor: Actor, period: Period = Period.WEEK
    ) -> Partial[StrategyPerformance]:
        """Per-instance figures for the period from the snapshots, plus the backend ranking."""
        require(actor, Role.VIEWER)
        notes: list[Unavailable] = []
        rankings: dict[str, StrategyRanking] = {}
        names: dict[str, str | None] = {}
        if self.clients.macd is not None:
            try:
                ranked, instances = await asyncio.gather(
                    self.clients.macd.ranking(), self.clients.macd.instances()
                )
                rankings = {r.strategy_name: r for r in ranked if r.strategy_name}
                names = {i.instance_id: i.strategy_name for i in instances}
            except FrontendError as exc:
                notes.append(Unavailable.from_error("MACD trader", exc))
        try:
            rows = await self._performance_rows(period, names)
        except FrontendError as exc:
            notes.append(Unavailable.from_error("trading database", exc))
            rows = [
                StrategyPerformance(strategy_key(StrategyKind.MACD, i), i, n, period)
                for i, n in names.items()
            ]
        items = [
            _with_ranking(row, rankings.get(row.name or "") or rankings.get(row.instance_id))
            for row in rows
        ]
        return Partial(items, notes)

    async def strategy_performance(
        self, actor: Actor, strategy_id: str, period: Period = Period.WEEK
    ) -> StrategyPerformance:
        """One strategy's figures for the period, computed as `performance` computes its rows
        (the card and `GET /strategies/{id}/performance` show these)."""
        require(actor, Role.VIEWER)
        kind, instance_id = parse_strategy_id(strategy_id)
        if kind is not StrategyKind.MACD:
            raise BackendUnsupported("grid trader", GRID_HAS_NO_HISTORY)
        db, now = self._db(), self._now()
        counts = await db.executed_counts(period.start(now), now, instance_id)
        return await self._figures(db, instance_id, None, period, now, counts)

    async def _performance_rows(
        self, period: Period, names: dict[str, str | None]
    ) -> list[StrategyPerformance]:
        db, now = self._db(), self._now()
        latest = await db.latest_snapshots()
        instance_ids = sorted({s.instance_id for s in latest if s.instance_id} | set(names))
        counts = await db.executed_counts(period.start(now), now)
        rows = []
        for instance_id in instance_ids:
            name = names.get(instance_id) or next(
                (s.strategy_name for s in latest if s.instance_id == instance_id), None
            )
            rows.append(await self._figures(db, instance_id, name, period, now, counts))
        return rows

    async def _figures(
        self,
        db: TradingDatabase,
        instance_id: str,
        name: str | None,
        period: Period,
        now: datetime,
        counts: dict[str, int],
    ) -> StrategyPerformance:
        """The one computation behind every screen's figures for one instance and period."""
        start = period.start(now)
        baseline = await db.snapshot_before(instance_id, start) if start else None
        series = await db.snapshots(instance_id, since=start, until=now)
        if name is None:
            name = next((s.strategy_name for s in reversed(series) if s.strategy_name), None)
        trades = counts.get(instance_id, 0)
        return period_figures(instance_id, name, period, baseline, series, trades)

    # -- plumbing ------------------------------------------------------------------------------

    def _macd_missing(self) -> BackendUnavailable:
        return _not_configured("MACD trader", "MACD_TRADER_URL")

    def _macd(self) -> MacdTraderClient:
        if self.clients.macd is None:
            raise self._macd_missing()
        return self.clients.macd

    def _grid(self) -> GridTraderClient:
        if self.clients.grid is None:
            raise _not_configured("grid trader", "GRID_TRADER_URL")
        return self.clients.grid

    def _db(self) -> TradingDatabase:
        if self.clients.trading_db is None:
            raise _not_configured("trading database", "TRADING_DATABASE_URL")
        return self.clients.trading_db


async def _nothing() -> list[Any]:
    return []


def _with_ranking(row: StrategyPerformance, ranking: StrategyRanking | None) -> StrategyPerformance:
    return row if ranking is None else replace(row, backend_ranking=ranking)
