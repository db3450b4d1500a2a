"""Strategy runs started or stopped through the frontend (`tf_trading_sessions`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from telegram_frontend.core.access import Actor
from telegram_frontend.core.database import Database
from telegram_frontend.models import TradingSession
from telegram_frontend.models.base import utcnow


class StrategyRunLog:
    """Opens a run on start and closes the open one on stop, so history shows who ran what."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def started(
        self,
        actor: Actor,
        strategy_id: str,
        kind: str,
        parameters: dict[str, Any],
        risk_limits: dict[str, Any],
    ) -> None:
        async with self._db.session() as session:
            session.add(
                TradingSession(
                    strategy_id=strategy_id,
                    strategy_kind=kind,
                    started_by=actor.label,
                    started_at=utcnow(),
                    parameters=parameters,
                    risk_limits=risk_limits,
                    outcome="running",
                )
            )

    async def stopped(self, actor: Actor, strategy_id: str, outcome: str) -> None:
        async with self._db.session() as session:
            run = await session.scalar(
                select(TradingSession)
                .where(
                    TradingSession.strategy_id == strategy_id,
                    TradingSession.stopped_at.is_(None),
                )
                .order_by(TradingSession.id.desc())
                .limit(1)
            )
            if run is None:
                kind = strategy_id.split(":", 1)[0] if ":" in strategy_id else "unknown"
                run = TradingSession(strategy_id=strategy_id, strategy_kind=kind)
                session.add(run)
            run.stopped_by = actor.label
            run.stopped_at = utcnow()
            run.outcome = outcome

    async def history(self, strategy_id: str, limit: int = 20) -> list[TradingSession]:
        async with self._db.session() as session:
            rows = await session.scalars(
                select(TradingSession)
                .where(TradingSession.strategy_id == strategy_id)
                .order_by(TradingSession.id.desc())
                .limit(limit)
            )
            return list(rows)
