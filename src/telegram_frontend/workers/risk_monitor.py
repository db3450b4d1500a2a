"""Drawdown and daily loss of every strategy against its limits, from `portfolio_snapshots`.

Both are derived (drawdown from the peak of `total_balance`, the day's P&L from the snapshots),
since the real writer leaves `current_drawdown` NULL.

Limits come from the versioned configuration: `risk.max_drawdown_pct` for drawdown and
`risk.daily_loss_pct.<LOW|MEDIUM|HIGH>` by the strategy's risk level (MEDIUM when unknown).
A breach alerts once; the breach is remembered in our database, so neither the next poll nor a
restart repeats it, and "back within the limit" is said once when it recovers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from telegram_frontend.clients.trading_db.reader import TradingDatabase
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DEFAULT_NAME
from telegram_frontend.core.logging import get_logger
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.texts import risk_notice
from telegram_frontend.services.notifications.types import Notice
from telegram_frontend.services.notifications.worker_state import (
    load_state,
    save_state,
    scoped_key,
)
from telegram_frontend.services.trading.records import macd_risk_level
from telegram_frontend.services.trading.risk import risk_figures
from telegram_frontend.workers.base import PeriodicWorker

log = get_logger(__name__)

STATE_KEY = "risk_monitor.breaches"
DRAWDOWN = "drawdown"
DAILY_LOSS = "daily_loss"


@dataclass(frozen=True)
class Measurement:
    instance_id: str
    name: str | None
    metric: str
    value: Decimal
    limit: Decimal
    at: datetime | None
    marker: str

    @property
    def key(self) -> str:
        return f"{self.instance_id}:{self.metric}"

    @property
    def breached(self) -> bool:
        return self.limit > 0 and self.value >= self.limit


def _decimal(value: object) -> Decimal | None:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


class RiskMonitor(PeriodicWorker):
    name = "risk_monitor"

    def __init__(
        self,
        db: Database,
        trading_db: TradingDatabase,
        config: ConfigService,
        notifications: NotificationService,
        interval_seconds: float = 30.0,
        *,
        deployment: str = DEFAULT_NAME,
    ) -> None:
        self._db = db
        self._trading_db = trading_db
        self._config = config
        self._notifications = notifications
        self.interval = interval_seconds
        self.name = scoped_key(RiskMonitor.name, deployment)
        self.state_key = scoped_key(STATE_KEY, deployment)

    async def measure(self) -> list[Measurement]:
        """Drawdown from the balance peak and today's loss (both as positive percentages) of
        each strategy's newest snapshot; see `services.trading.risk` for why they are derived."""
        drawdown_limit = _decimal(await self._config.get("risk.max_drawdown_pct"))
        found = []
        for fig in await risk_figures(self._trading_db):
            snap = fig.snapshot
            assert snap.instance_id is not None
            marker = str(snap.id if snap.id is not None else snap.snapshot_time)
            if fig.drawdown_pct is not None and drawdown_limit is not None:
                found.append(
                    Measurement(
                        snap.instance_id,
                        snap.strategy_name,
                        DRAWDOWN,
                        fig.drawdown_pct,
                        drawdown_limit,
                        snap.snapshot_time,
                        marker,
                    )
                )
            loss = fig.daily_loss_pct
            level = macd_risk_level(snap.instance_id, snap.strategy_name) or "MEDIUM"
            loss_limit = _decimal(await self._config.get(f"risk.daily_loss_pct.{level}"))
            if loss is not None and loss_limit is not None:
                found.append(
                    Measurement(
                        snap.instance_id,
                        snap.strategy_name,
                        DAILY_LOSS,
                        loss,
                        loss_limit,
                        snap.snapshot_time,
                        marker,
                    )
                )
        return found

    async def check_once(self) -> int:
        """Record new breaches and recoveries; returns how many notices were written."""
        measurements = await self.measure()
        written = 0
        async with self._db.session() as session:
            state = await load_state(session, self.state_key)
            for m in measurements:
                known = state.get(m.key)
                if m.breached and known is None:
                    key = f"risk:{m.key}:{m.marker}"
                    await self._notifications.notify(self._notice(m, key, True), session=session)
                    state[m.key] = {"key": key, "value": str(m.value), "limit": str(m.limit)}
                    written += 1
                elif not m.breached and known is not None:
                    key = f"{known.get('key', 'risk:' + m.key)}:recovered"
                    await self._notifications.notify(self._notice(m, key, False), session=session)
                    del state[m.key]
                    written += 1
            await save_state(session, self.state_key, state)
        return written

    @staticmethod
    def _notice(m: Measurement, key: str, breached: bool) -> Notice:
        return risk_notice(
            key=key,
            instance_id=m.instance_id,
            name=m.name,
            metric=m.metric,
            value=m.value,
            limit=m.limit,
            breached=breached,
            at=m.at,
        )
