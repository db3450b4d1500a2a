"""Reports of what the strategies did, as CSV files: the one place that gathers their rows.

The bot's `/report` and any other door call `export()`; the rows come from the trading
service (never from a client directly) and the file format from `CsvReportWriter`.
"""

from __future__ import annotations

from typing import Any, Literal

from telegram_frontend.clients.trading_db.reader import TradeCursor
from telegram_frontend.core.access import Actor
from telegram_frontend.core.errors import ValidationFailed
from telegram_frontend.services.reports.csv_writer import (
    CsvReport,
    CsvReportWriter,
    performance_rows,
)
from telegram_frontend.services.trading.performance import Period as ScreenPeriod
from telegram_frontend.services.trading.service import TradingService

ExportKind = Literal["trades", "orders"]
MAX_ROWS = 10_000
PAGE = 500


class ReportExporter:
    """Collects up to `MAX_ROWS` rows for a period and renders them as a CSV report."""

    def __init__(self, trading: TradingService, reports: CsvReportWriter) -> None:
        self._trading = trading
        self._reports = reports

    async def export(self, actor: Actor, kind: str, period_text: str, tz: str) -> CsvReport:
        period = self._reports.period(period_text, tz)
        if kind == "trades":
            return self._reports.trades_csv(await self._trades(actor), period, tz)
        if kind == "orders":
            orders = await self._trading.orders(actor, open_only=False, limit=PAGE)
            return self._reports.orders_csv(orders, period, tz)
        raise ValidationFailed("Choose a report: trades or orders.")

    async def performance(self, actor: Actor, period: ScreenPeriod, tz: str = "UTC") -> CsvReport:
        """Each strategy's figures for one of /performance's periods, as /performance has them
        (the same `TradingService.performance` rows: trades are the period's fills)."""
        figures = await self._trading.performance(actor, period)
        rows = performance_rows(figures.items)
        return self._reports.performance_csv(rows, self._reports.period(period.value, tz), tz)

    async def _trades(self, actor: Actor) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        cursor: TradeCursor | None = None
        while len(rows) < MAX_ROWS:
            page = await self._trading.executed_trades(actor, after=cursor, limit=PAGE)
            rows.extend(
                {
                    "time": trade.at,
                    "instance_id": trade.instance_id,
                    "strategy": trade.strategy_name,
                    "symbol": trade.symbol,
                    "side": trade.side,
                    "price": trade.price,
                    "quantity": trade.quantity,
                    "order_id": trade.order_id,
                }
                for trade in page.trades
            )
            if len(page.trades) < PAGE:
                break
            cursor = page.cursor
        return rows
