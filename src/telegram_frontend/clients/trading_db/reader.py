"""Read-only access to the trading system's own tables (decision logs, snapshots, orders).

The connection itself is read-only (PostgreSQL `default_transaction_read_only`, SQLite `mode=ro`
plus `query_only`), so even a bug in this process cannot write to tables it does not own.
Columns are discovered once per table, so a backend version without a column yields `None`
there instead of a failed query.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, ColumnElement, Select, Table, event, func, inspect, select
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from telegram_frontend.clients.trading.payload import to_decimal
from telegram_frontend.clients.trading_db.rows import (
    AnalysisEvent,
    DecisionLog,
    OrderRecord,
    PortfolioSnapshot,
)
from telegram_frontend.clients.trading_db.series import bounded_series
from telegram_frontend.clients.trading_db.tables import (
    OPEN_ORDER_STATUSES,
    analysis_events,
    decision_logs,
    portfolio_snapshots,
)
from telegram_frontend.clients.trading_db.tables import orders as orders_table
from telegram_frontend.core.errors import BackendUnavailable, BackendUnsupported
from telegram_frontend.core.settings import Settings

log = logging.getLogger(__name__)

__all__ = [
    "AnalysisEvent",
    "DecisionLog",
    "DecisionTally",
    "OrderRecord",
    "PortfolioSnapshot",
    "TradeCursor",
    "TradingDatabase",
    "create_read_only_engine",
    "read_only_url",
]

SERVICE = "trading database"


@dataclass(frozen=True)
class DecisionTally:
    """How many decisions of one kind: signal, allowed, executed and the blocked reason."""

    signal: str | None
    allowed: bool | None
    executed: bool | None
    blocked_reason: str | None
    count: int


@dataclass(frozen=True)
class TradeCursor:
    """Where a reader of executed trades stopped: the row id, or the time when there is no id."""

    id: int | None = None
    decision_time: datetime | None = None


def read_only_url(url: str) -> URL:
    """The async-driver URL; SQLite files are opened as read-only URIs."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            url = driver + url[len(plain) :]
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            query = {**parsed.query, "mode": "ro", "uri": "true"}
            parsed = parsed.set(database=f"file:{database}", query=query)
    return parsed


def create_read_only_engine(
    url: str, connect_timeout: float = 3.0, query_timeout: float = 5.0
) -> AsyncEngine:
    parsed = read_only_url(url)
    if parsed.get_backend_name() == "postgresql":
        server_settings = {
            "default_transaction_read_only": "on",
            "application_name": "telegram-frontend",
        }
        connect_args = {
            "server_settings": server_settings,
            "timeout": connect_timeout,
            "command_timeout": query_timeout,
        }
        return create_async_engine(
            parsed, connect_args=connect_args, pool_pre_ping=True, pool_size=3, max_overflow=2
        )
    engine = create_async_engine(parsed, connect_args={"timeout": connect_timeout})
    event.listen(engine.sync_engine, "connect", _sqlite_query_only)
    return engine


def _sqlite_query_only(dbapi_connection: Any, _record: Any) -> None:
    """Belt and braces next to `mode=ro`: also refuses writes on a URL without it."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()


QueryBuilder = Callable[[list[Column[Any]], set[str]], Select[Any]]


class TradingDatabase:
    """Queries over the trading tables; each failure becomes `BackendUnavailable`."""

    def __init__(self, engine: AsyncEngine, query_timeout: float = 5.0) -> None:
        self.engine = engine
        self.query_timeout = query_timeout
        self._present: dict[str, set[str]] = {}

    @classmethod
    def connect(
        cls, url: str, connect_timeout: float = 3.0, query_timeout: float = 5.0
    ) -> TradingDatabase:
        engine = create_read_only_engine(url, connect_timeout, query_timeout)
        return cls(engine, query_timeout=connect_timeout + query_timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> TradingDatabase | None:
        if not settings.trading_database_url:
            return None
        return cls.connect(
            settings.trading_database_url,
            settings.http_connect_timeout,
            settings.http_read_timeout,
        )

    async def aclose(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with asyncio.timeout(self.query_timeout), self.engine.connect() as conn:
                yield conn
        except TimeoutError:
            reason = f"it did not answer within {self.query_timeout:g} s"
            raise BackendUnavailable(SERVICE, reason) from None
        except (SQLAlchemyError, OSError) as exc:
            log.warning("trading database error: %s", type(exc).__name__)
            raise BackendUnavailable(SERVICE, _reason(exc)) from None

    async def ping(self) -> None:
        async with self._connection() as conn:
            await conn.execute(select(1))

    async def _columns(self, conn: AsyncConnection, table: Table) -> list[Column[Any]]:
        present = self._present.get(table.name)
        if present is None:
            present = await conn.run_sync(_column_names, table.name)
            if not present:
                raise BackendUnsupported(SERVICE, f"be read: its `{table.name}` table is missing")
            self._present[table.name] = present
        return [c for c in table.columns if c.name in present]

    async def _fetch(self, table: Table, build: QueryBuilder) -> list[dict[str, Any]]:
        """Run `build(columns, present_names)` → Select and return rows as dicts."""
        async with self._connection() as conn:
            columns = await self._columns(conn, table)
            statement: Select[Any] = build(columns, {c.name for c in columns})
            result = await conn.execute(statement)
            return [dict(row) for row in result.mappings()]

    async def executed_trades(
        self, after: TradeCursor | None = None, limit: int = 100, instance_id: str | None = None
    ) -> list[DecisionLog]:
        """Executed trades strictly after `after`, oldest first, so a poller never repeats one."""
        t = decision_logs.c

        def build(columns: list[Column[Any]], names: set[str]) -> Select[Any]:
            query = select(*columns).where(*_decisions_where(instance_id, executed=True))
            if "id" in names:
                if after is not None and after.id is not None:
                    query = query.where(t.id > after.id)
                return query.order_by(t.id).limit(limit)
            if after is not None and after.decision_time is not None:
                query = query.where(t.decision_time > after.decision_time)
            return query.order_by(t.decision_time).limit(limit)

        rows = await self._fetch(decision_logs, build)
        return [DecisionLog.model_validate(r) for r in rows]

    async def latest_executed_trade(self) -> DecisionLog | None:
        """The newest executed trade, or None when nothing has executed yet."""
        t = decision_logs.c

        def build(columns: list[Column[Any]], names: set[str]) -> Select[Any]:
            order = [t.decision_time.desc()] + ([t.id.desc()] if "id" in names else [])
            return select(*columns).where(t.trade_executed.is_(True)).order_by(*order).limit(1)

        rows = await self._fetch(decision_logs, build)
        return DecisionLog.model_validate(rows[0]) if rows else None

    async def missing_columns(self) -> dict[str, list[str]]:
        """Per table we read, the columns we read that it lacks (all of them: no such table)."""
        async with self._connection() as conn:
            report: dict[str, list[str]] = {}
            for table in READ_TABLES:
                present = await conn.run_sync(_column_names, table.name)
                report[table.name] = [c.name for c in table.columns if c.name not in present]
            return report

    async def latest_trade_cursor(self) -> TradeCursor:
        """The cursor of the newest executed trade: a new poller starts from "now"."""
        t = decision_logs.c

        def build(columns: list[Column[Any]], names: set[str]) -> Select[Any]:
            picked = [func.max(t.id).label("id")] if "id" in names else []
            picked.append(func.max(t.decision_time).label("decision_time"))
            return select(*picked).where(t.trade_executed.is_(True))

        rows = await self._fetch(decision_logs, build)
        row = rows[0] if rows else {}
        return TradeCursor(id=row.get("id"), decision_time=row.get("decision_time"))

    async def decisions(
        self,
        instance_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        executed_only: bool = True,
        limit: int = 10_000,
    ) -> list[DecisionLog]:
        t = decision_logs.c

        def build(columns: list[Column[Any]], names: set[str]) -> Select[Any]:
            query = select(*columns).where(
                *_decisions_where(instance_id, since, until, executed=executed_only)
            )
            return query.order_by(t.decision_time).limit(limit)

        return [DecisionLog.model_validate(r) for r in await self._fetch(decision_logs, build)]

    async def executed_counts(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        instance_id: str | None = None,
    ) -> dict[str, int]:
        """Executed trades (`trade_executed = true` rows: fills) per instance, counted in SQL.

        The one trade count of the frontend: every screen that says "trades" counts these.
        """
        t = decision_logs.c

        def build(columns: list[Column[Any]], names: set[str]) -> Select[Any]:
            query = select(t.instance_id, func.count().label("n")).where(
                *_decisions_where(instance_id, since, until, executed=True)
            )
            return query.group_by(t.instance_id)

        rows = await self._fetch(decision_logs, build)
        return {str(r["instance_id"]): int(r["n"]) for r in rows if r["instance_id"] is not None}

    async def recent_decisions(
        self,
        instance_id: str | None = None,
        since: datetime | None = None,
        signals_only: bool = True,
        limit: int = 15,
    ) -> list[DecisionLog]:
        """The newest decisions first; with `signals_only`, those that saw a BUY or SELL."""
        t = decision_logs.c

        def build(columns: list[Column[Any]], names: set[str]) -> Select[Any]:
            query = select(*columns).where(*_decisions_where(instance_id, since))
            if signals_only:
                query = query.where(func.upper(t.signal_detected).in_(("BUY", "SELL")))
            order = [t.decision_time.desc()] + ([t.id.desc()] if "id" in names else [])
            return query.order_by(*order).limit(limit)

        return [DecisionLog.model_validate(r) for r in await self._fetch(decision_logs, build)]

    async def decision_tally(
        self, instance_id: str | None = None, since: datetime | None = None
    ) -> list[DecisionTally]:
        """Decisions counted by signal, allowed, executed and blocked reason (in SQL: a day is
        ~1,440 rows per instance)."""
        t = decision_logs.c
        keys = (t.signal_detected, t.trade_allowed, t.trade_executed, t.blocked_reason)

        def build(columns: list[Column[Any]], names: set[str]) -> Select[Any]:
            query = select(*keys, func.count().label("n")).where(
                *_decisions_where(instance_id, since)
            )
            return query.group_by(*keys)

        rows = await self._fetch(decision_logs, build)
        return [
            DecisionTally(
                signal=(str(r["signal_detected"]).upper() if r["signal_detected"] else None),
                allowed=r["trade_allowed"],
                executed=r["trade_executed"],
                blocked_reason=r["blocked_reason"],
                count=int(r["n"]),
            )
            for r in rows
        ]

    async def latest_snapshots(self) -> list[PortfolioSnapshot]:
        """The newest snapshot of every instance."""
        t = portfolio_snapshots.c

        def build(columns: list[Column[Any]], names: set[str]) -> Select[Any]:
            order = [t.snapshot_time.desc()] + ([t.id.desc()] if "id" in names else [])
            rank = func.row_number().over(partition_by=t.instance_id, order_by=order)
            inner = select(*columns, rank.label("_rank")).subquery()
            picked = [inner.c[c.name] for c in columns]
            return select(*picked).where(inner.c._rank == 1).order_by(inner.c.instance_id)

        rows = await self._fetch(portfolio_snapshots, build)
        return [PortfolioSnapshot.model_validate(r) for r in rows]

    async def balance_peaks(self) -> dict[str, Decimal]:
        """The highest `total_balance` each instance ever had: drawdown is measured from it."""
        t = portfolio_snapshots.c

        def build(columns: list[Column[Any]], names: set[str]) -> Select[Any]:
            peak = func.max(t.total_balance).label("peak")
            return select(t.instance_id, peak).group_by(t.instance_id)

        rows = await self._fetch(portfolio_snapshots, build)
        return {
            str(r["instance_id"]): peak
            for r in rows
            if r["instance_id"] is not None and (peak := to_decimal(r["peak"])) is not None
        }

    async def snapshots(
        self,
        instance_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 20_000,
    ) -> list[PortfolioSnapshot]:
        """An instance's snapshots in time order: its equity curve, always up to its last row.

        A range of at most `limit` rows comes back whole; a longer one (30 days of one-minute
        snapshots) is reduced per time bucket to at most `limit` real rows that keep its first and
        last point, the closes its Sharpe ratio uses, its peaks, troughs and drawdowns (`series`).
        """
        t = portfolio_snapshots.c
        filters = [t.instance_id == instance_id]
        if since is not None:
            filters.append(t.snapshot_time >= since)
        if until is not None:
            filters.append(t.snapshot_time <= until)
        async with self._connection() as conn:
            columns = await self._columns(conn, portfolio_snapshots)
            rows = await bounded_series(conn, columns, filters, limit)
        return [PortfolioSnapshot.model_validate(r) for r in rows]

    async def snapshot_before(self, instance_id: str, at: datetime) -> PortfolioSnapshot | None:
        """The last snapshot at or before `at`: the starting point of a period."""
        t = portfolio_snapshots.c

        def build(columns: list[Column[Any]], names: set[str]) -> Select[Any]:
            query = select(*columns).where(t.instance_id == instance_id, t.snapshot_time <= at)
            order = [t.snapshot_time.desc()] + ([t.id.desc()] if "id" in names else [])
            return query.order_by(*order).limit(1)

        rows = await self._fetch(portfolio_snapshots, build)
        return PortfolioSnapshot.model_validate(rows[0]) if rows else None

    async def orders(
        self,
        statuses: Sequence[str] | None = None,
        symbol: str | None = None,
        limit: int = 50,
    ) -> list[OrderRecord]:
        """Newest first; `statuses=OPEN_ORDER_STATUSES` gives the open ones."""
        t = orders_table.c

        def build(columns: list[Column[Any]], names: set[str]) -> Select[Any]:
            query = select(*columns)
            if statuses:
                query = query.where(t.status.in_([s.upper() for s in statuses]))
            if symbol:
                query = query.where(t.symbol == symbol.upper())
            return query.order_by(t.id.desc() if "id" in names else t.transact_time.desc()).limit(
                limit
            )

        return [OrderRecord.model_validate(r) for r in await self._fetch(orders_table, build)]

    async def open_orders(self, symbol: str | None = None, limit: int = 100) -> list[OrderRecord]:
        return await self.orders(OPEN_ORDER_STATUSES, symbol, limit)

    async def analysis_events(
        self, instance_id: str | None = None, limit: int = 50
    ) -> list[AnalysisEvent]:
        """The newest MACD analyses, newest first."""
        t = analysis_events.c

        def build(columns: list[Column[Any]], names: set[str]) -> Select[Any]:
            query = select(*columns)
            if instance_id is not None:
                query = query.where(t.instance_id == instance_id)
            return query.order_by(t.analysis_time.desc()).limit(limit)

        return [AnalysisEvent.model_validate(r) for r in await self._fetch(analysis_events, build)]


READ_TABLES = (decision_logs, portfolio_snapshots, orders_table, analysis_events)


def _decisions_where(
    instance_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    executed: bool = False,
) -> list[ColumnElement[bool]]:
    """Which decision rows a query reads: one instance's, in [since, until], fills only; every
    decision query filters the same way, so "in the period" means the same everywhere."""
    t = decision_logs.c
    where: list[ColumnElement[bool]] = []
    if executed:
        where.append(t.trade_executed.is_(True))
    if instance_id is not None:
        where.append(t.instance_id == instance_id)
    if since is not None:
        where.append(t.decision_time >= since)
    if until is not None:
        where.append(t.decision_time <= until)
    return where


def _column_names(sync_conn: Connection, table_name: str) -> set[str]:
    inspector = inspect(sync_conn)
    if not inspector.has_table(table_name):
        return set()
    return {str(c["name"]) for c in inspector.get_columns(table_name)}


def _reason(exc: BaseException) -> str:
    """A reason without the URL or credentials SQLAlchemy may embed in its messages."""
    origin = getattr(exc, "orig", None) or exc
    if isinstance(origin, ConnectionRefusedError | OSError):
        return "the connection was refused or the host is unreachable"
    name = type(origin).__name__
    if "ReadOnly" in name or "read-only" in str(origin) or "readonly" in str(origin).lower():
        return "it refused a write (the connection is read-only)"
    return f"the query failed ({name})"
