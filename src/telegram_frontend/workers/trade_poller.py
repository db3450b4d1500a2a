"""Executed trades → notifications, from `trading_decision_logs` (the only source of them).

The cursor lives in our database and advances in the same transaction as the notifications of
the trades it passed, so a restart neither skips nor repeats a trade. A first start ever begins
at the newest trade: history is not replayed to users.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram_frontend.clients.trading_db.reader import DecisionLog, TradeCursor, TradingDatabase
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DEFAULT_NAME
from telegram_frontend.core.logging import get_logger
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.texts import trade_notice
from telegram_frontend.services.notifications.worker_state import (
    load_state,
    read_state,
    save_state,
    scoped_key,
)
from telegram_frontend.workers.base import PeriodicWorker

log = get_logger(__name__)

CURSOR_KEY = "trade_poller.cursor"


def encode_cursor(cursor: TradeCursor) -> dict[str, Any]:
    moment = cursor.decision_time.isoformat() if cursor.decision_time else None
    return {"initialized": True, "id": cursor.id, "decision_time": moment}


def decode_cursor(state: dict[str, Any]) -> TradeCursor | None:
    """None when the poller never ran (no cursor stored yet)."""
    if not state.get("initialized"):
        return None
    moment = state.get("decision_time")
    return TradeCursor(
        id=state.get("id"),
        decision_time=datetime.fromisoformat(moment) if isinstance(moment, str) else None,
    )


def cursor_after(trade: DecisionLog) -> TradeCursor:
    return TradeCursor(id=trade.id, decision_time=trade.decision_time)


class TradePoller(PeriodicWorker):
    name = "trade_poller"

    def __init__(
        self,
        db: Database,
        trading_db: TradingDatabase,
        notifications: NotificationService,
        interval_seconds: float = 5.0,
        batch: int = 100,
        *,
        deployment: str = DEFAULT_NAME,
    ) -> None:
        self._db = db
        self._trading_db = trading_db
        self._notifications = notifications
        self.interval = interval_seconds
        self.batch = batch
        self.name = scoped_key(TradePoller.name, deployment)
        self.cursor_key = scoped_key(CURSOR_KEY, deployment)

    async def cursor(self) -> TradeCursor | None:
        return decode_cursor(await read_state(self._db, self.cursor_key))

    async def check_once(self) -> int:
        return await self.poll_once()

    async def poll_once(self) -> int:
        """Notify every trade after the cursor, batch by batch; returns how many."""
        cursor = await self.cursor()
        if cursor is None:
            start = await self._trading_db.latest_trade_cursor()
            async with self._db.session() as session:
                await save_state(session, self.cursor_key, encode_cursor(start))
            log.info("trade_poller_started", worker=self.name, cursor_id=start.id)
            return 0
        total = 0
        while True:
            trades = await self._trading_db.executed_trades(after=cursor, limit=self.batch)
            if not trades:
                return total
            async with self._db.session() as session:
                stored = decode_cursor(await load_state(session, self.cursor_key))
                if stored != cursor:
                    return total  # another poller moved on meanwhile; start over next round
                for trade in trades:
                    await self._notifications.notify(trade_notice(trade), session=session)
                cursor = cursor_after(trades[-1])
                await save_state(session, self.cursor_key, encode_cursor(cursor))
            total += len(trades)
            if len(trades) < self.batch:
                return total
