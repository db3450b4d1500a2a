"""Drawdown and daily P&L of each strategy, derived from its portfolio snapshots.

The real writer leaves `current_drawdown` NULL and `max_drawdown` absolute, so drawdown is the
fall of `total_balance` from its peak, and today's P&L the change since the last snapshot before
midnight UTC (`daily_pnl` only when there is none). Risk alerts and alert rules both read these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from telegram_frontend.clients.trading_db.reader import PortfolioSnapshot, TradingDatabase

CENT = Decimal("0.01")


@dataclass(frozen=True)
class RiskFigures:
    snapshot: PortfolioSnapshot
    peak_balance: Decimal | None
    drawdown: Decimal | None  # quote units below the peak
    drawdown_pct: Decimal | None  # percent of the peak
    daily_pnl: Decimal | None  # quote units since the start of the UTC day
    daily_start_balance: Decimal | None

    @property
    def instance_id(self) -> str | None:
        return self.snapshot.instance_id

    @property
    def daily_loss_pct(self) -> Decimal | None:
        """Today's loss as a positive percent of the day's starting balance (0 on a good day)."""
        start, pnl = self.daily_start_balance, self.daily_pnl
        if start is None or pnl is None or start <= 0:
            return None
        return max(Decimal(0), -pnl * 100 / start).quantize(CENT, ROUND_HALF_UP)


def drawdown_from_peak(
    balance: Decimal | None, peak: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """(absolute, percent) fall of `balance` below `peak`."""
    if balance is None or peak is None or peak <= 0:
        return None, None
    fall = max(Decimal(0), peak - balance)
    return fall, (fall * 100 / peak).quantize(CENT, ROUND_HALF_UP)


async def risk_figures(db: TradingDatabase) -> list[RiskFigures]:
    """The figures of every instance's newest snapshot."""
    latest = [s for s in await db.latest_snapshots() if s.instance_id]
    peaks = await db.balance_peaks()
    found = []
    for snap in latest:
        assert snap.instance_id is not None
        peak = peaks.get(snap.instance_id)
        fall, fall_pct = drawdown_from_peak(snap.total_balance, peak)
        start, pnl = await _daily(db, snap)
        found.append(RiskFigures(snap, peak, fall, fall_pct, pnl, start))
    return found


async def _daily(
    db: TradingDatabase, snap: PortfolioSnapshot
) -> tuple[Decimal | None, Decimal | None]:
    balance = snap.total_balance
    if balance is None or snap.instance_id is None:
        return None, None
    moment = snap.snapshot_time or datetime.now(UTC)
    midnight = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    before = await db.snapshot_before(snap.instance_id, midnight)
    if before is not None and before.total_balance is not None:
        return before.total_balance, balance - before.total_balance
    if snap.daily_pnl is not None:
        return balance - snap.daily_pnl, snap.daily_pnl
    return None, None
