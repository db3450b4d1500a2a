"""Why a strategy is not trading: its recent decisions and a one-line diagnosis, plus the
admin's forced indicator refresh.

The real system's most common state is a strategy that signals but never trades (every decision
blocked, or test-order mode where an allowed order never fills). The decision log says so; this
service reads it once for the bot's /signals and the API alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.clients.trading_db.reader import DecisionLog, DecisionTally
from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.errors import (
    BackendUnavailable,
    FrontendError,
    NotFound,
    PermissionDenied,
)
from telegram_frontend.services.trading.records import (
    StrategyKind,
    parse_strategy_id,
    strategy_key,
)
from telegram_frontend.services.trading.service import StrategyAuditor

SIGNALS = ("BUY", "SELL")
REFRESH_ACTION = "macd.refresh"


@dataclass(frozen=True)
class Decision:
    """One logged decision as a user needs it: what was seen and what became of it."""

    strategy_id: str
    instance_id: str | None
    symbol: str | None
    at: datetime | None
    signal: str | None
    strength: str | None
    price: Decimal | None
    allowed: bool | None
    executed: bool | None
    blocked_reason: str | None
    reason: str | None


@dataclass(frozen=True)
class Diagnosis:
    """Counts over the window: signals seen, executed, blocked (by reason), allowed-not-filled."""

    hours: int
    decisions: int = 0
    signals: int = 0
    executed: int = 0
    allowed_not_executed: int = 0
    blocked: list[tuple[str, int]] = field(default_factory=list)  # most common reason first

    @property
    def blocked_total(self) -> int:
        return sum(n for _, n in self.blocked)

    @property
    def test_order_mode_suspected(self) -> bool:
        """Allowed orders that never executed: the testnet template's test-order mode."""
        return self.allowed_not_executed > 0 and self.executed == 0


@dataclass(frozen=True)
class SignalsReport:
    strategy_id: str | None  # None: every instance
    diagnosis: Diagnosis
    decisions: list[Decision]


def decision_view(row: DecisionLog) -> Decision:
    return Decision(
        strategy_id=strategy_key(StrategyKind.MACD, row.instance_id or "unknown"),
        instance_id=row.instance_id,
        symbol=row.symbol,
        at=row.decision_time,
        signal=row.signal_detected,
        strength=row.signal_strength,
        price=row.price,
        allowed=row.trade_allowed,
        executed=row.trade_executed,
        blocked_reason=row.blocked_reason,
        reason=row.decision_reason,
    )


def diagnose(tallies: list[DecisionTally], hours: int) -> Diagnosis:
    """The one-line story of a window: how many signals, and what became of them."""
    blocked: Counter[str] = Counter()
    signals = executed = waiting = total = 0
    for t in tallies:
        total += t.count
        if t.executed:
            executed += t.count
        if t.signal not in SIGNALS:
            continue
        signals += t.count
        if t.executed:
            continue
        if t.allowed:
            waiting += t.count
        else:
            blocked[(t.blocked_reason or "").strip() or "no reason given"] += t.count
    return Diagnosis(
        hours=hours,
        decisions=total,
        signals=signals,
        executed=executed,
        allowed_not_executed=waiting,
        blocked=blocked.most_common(),
    )


class SignalService:
    def __init__(
        self,
        clients: BackendClients,
        auditor: StrategyAuditor | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.clients = clients
        self.auditor = auditor
        self._now = now

    async def signals(
        self, actor: Actor, strategy_id: str | None = None, hours: int = 24, limit: int = 10
    ) -> SignalsReport:
        """Recent signal decisions (newest first) and the diagnosis of the last `hours`."""
        require(actor, Role.VIEWER)
        db = self.clients.trading_db
        if db is None:
            raise BackendUnavailable(
                "trading database", "it is not configured (TRADING_DATABASE_URL is not set)"
            )
        instance, key = None, None
        if strategy_id:
            kind, instance = parse_strategy_id(strategy_id)
            if kind is StrategyKind.GRID:
                raise NotFound("Grid strategies log no decisions; /signals is for MACD ones.")
            key = strategy_key(kind, instance)
        hours = max(1, min(hours, 24 * 30))
        since = self._now() - timedelta(hours=hours)
        tallies = await db.decision_tally(instance, since)
        rows = await db.recent_decisions(instance, since, limit=max(1, min(limit, 100)))
        if instance is not None and not tallies and not rows:
            await self._known_instance(instance)
        return SignalsReport(key, diagnose(tallies, hours), [decision_view(r) for r in rows])

    async def _known_instance(self, instance: str) -> None:
        """An instance with no decisions at all may be a typo: ask the trader when we can."""
        if self.clients.macd is None:
            return
        try:
            await self.clients.macd.instance(instance)
        except NotFound:
            raise
        except FrontendError:
            return

    async def refresh_indicators(self, actor: Actor, strategy_id: str | None = None) -> str:
        """Force the trader to recompute indicators (ADMIN key), all or one strategy's pair;
        audited either way. Returns what was refreshed, e.g. `BTCUSDT 4h` or `all`."""
        target = "all"
        try:
            require(actor, Role.ADMIN)
            macd = self.clients.macd
            if macd is None:
                raise BackendUnavailable(
                    "MACD trader", "it is not configured (MACD_TRADER_URL is not set)"
                )
            symbol = interval = None
            if strategy_id:
                _, instance_id = parse_strategy_id(strategy_id)
                found = await macd.instance(instance_id)
                symbol, interval = found.symbol, found.timeframe
                if symbol and interval:
                    target = f"{symbol} {interval}"
            await macd.refresh_indicators(symbol, interval)
        except FrontendError as exc:
            result = "denied" if isinstance(exc, PermissionDenied) else "failed"
            await self._audit(actor, target, result, exc.user_message)
            raise
        await self._audit(actor, target, "ok", None)
        return target

    async def _audit(self, actor: Actor, target: str, result: str, reason: str | None) -> None:
        if self.auditor is not None:
            details = {"reason": reason} if reason else None
            await self.auditor.record(actor, REFRESH_ACTION, target, result, details)
