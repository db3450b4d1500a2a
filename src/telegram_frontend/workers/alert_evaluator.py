"""Users' alert rules, checked on a timer: each fires once per crossing, then re-arms.

A rule fires when its condition starts to hold (and it is armed): the notification to its owner
and the disarming are one transaction. When the condition no longer holds the rule re-arms, so
the next crossing fires again. A rule whose data is unavailable just waits. Each deployment has
its own evaluator, for the rules watching it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from telegram_frontend.clients.trading_db.reader import TradingDatabase
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DEFAULT_NAME
from telegram_frontend.core.errors import FrontendError
from telegram_frontend.core.logging import get_logger
from telegram_frontend.models import AlertRule
from telegram_frontend.models.base import utcnow
from telegram_frontend.services.monitoring.service import (
    MonitoringService,
    ServiceState,
    SystemSnapshot,
)
from telegram_frontend.services.notifications.alert_rules import ANY, AlertService, RuleKind
from telegram_frontend.services.notifications.alert_texts import rule_notice
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.worker_state import scoped_key
from telegram_frontend.services.trading.price_source import PriceSource
from telegram_frontend.services.trading.risk import RiskFigures, risk_figures
from telegram_frontend.workers.base import PeriodicWorker

log = get_logger(__name__)

PRICE_KINDS = (RuleKind.PRICE_ABOVE, RuleKind.PRICE_BELOW)
STRATEGY_KINDS = (RuleKind.DRAWDOWN_ABOVE, RuleKind.DAILY_PNL_BELOW)


@dataclass(frozen=True)
class Reading:
    """What a rule saw: whether its condition holds, the value, and whose it is."""

    holds: bool
    value: Decimal | None = None
    subject: str | None = None


@dataclass
class Inputs:
    prices: dict[str, Decimal]
    figures: list[RiskFigures]
    system: SystemSnapshot | None


def read_rule(rule: AlertRule, inputs: Inputs) -> Reading | None:
    """Evaluate one rule against the current figures; None when there is nothing to judge by."""
    kind = RuleKind(rule.kind)
    limit = rule.threshold
    if kind in PRICE_KINDS:
        price = inputs.prices.get(rule.target)
        if price is None or limit is None:
            return None
        holds = price >= limit if kind is RuleKind.PRICE_ABOVE else price <= limit
        return Reading(holds, price, rule.target)
    if kind is RuleKind.SERVICE_DOWN:
        if inputs.system is None:
            return None
        known = [s for s in inputs.system.services if s.state is not ServiceState.UNKNOWN]
        if rule.target != ANY:
            known = [s for s in known if s.key == rule.target]
        if not known:
            return None
        down = [s for s in known if s.state is ServiceState.DOWN]
        return Reading(bool(down), None, ", ".join(s.name for s in down) or None)
    figs = [f for f in inputs.figures if f.instance_id and rule.target in (ANY, f.instance_id)]
    if limit is None:
        return None
    if kind is RuleKind.DRAWDOWN_ABOVE:  # percent below the balance peak
        values = [(f.drawdown_pct, f) for f in figs if f.drawdown_pct is not None]
        if not values:
            return None
        value, fig = max(values, key=lambda pair: pair[0])
        return Reading(value >= limit, value, fig.instance_id)
    values = [(f.daily_pnl, f) for f in figs if f.daily_pnl is not None]
    if not values:
        return None
    value, fig = min(values, key=lambda pair: pair[0])
    return Reading(value <= limit, value, fig.instance_id)


class AlertEvaluator(PeriodicWorker):
    name = "alert_evaluator"

    def __init__(
        self,
        db: Database,
        alerts: AlertService,
        notifications: NotificationService,
        prices: PriceSource,
        *,
        trading_db: TradingDatabase | None,
        monitoring: MonitoringService | None,
        interval_seconds: float = 30.0,
        deployment: str = DEFAULT_NAME,
        default: bool = True,
    ) -> None:
        self._db = db
        self._alerts = alerts
        self._notifications = notifications
        self._prices = prices
        self._trading_db = trading_db
        self._monitoring = monitoring
        self.interval = interval_seconds
        self.name = scoped_key(AlertEvaluator.name, deployment)
        self.deployment = deployment
        self.default = default  # the default deployment also watches rules naming none

    async def _inputs(self, rules: list[AlertRule]) -> Inputs:
        kinds = {RuleKind(r.kind) for r in rules}
        prices: dict[str, Decimal] = {}
        if kinds & set(PRICE_KINDS):
            symbols = {r.target for r in rules if RuleKind(r.kind) in PRICE_KINDS}
            prices = await self._prices.prices(symbols)
        figures: list[RiskFigures] = []
        if kinds & set(STRATEGY_KINDS) and self._trading_db is not None:
            try:
                figures = await risk_figures(self._trading_db)
            except FrontendError as exc:
                log.info("alert_snapshots_unavailable", error=exc.user_message)
        system = None
        if RuleKind.SERVICE_DOWN in kinds and self._monitoring is not None:
            system = await self._monitoring.snapshot()
        return Inputs(prices, figures, system)

    async def check_once(self) -> int:
        """Fire the rules that crossed, re-arm those that cleared; returns how many fired."""
        rules = await self._alerts.active_rules(self.deployment, default=self.default)
        if not rules:
            return 0
        inputs = await self._inputs(rules)
        fired = 0
        for rule in rules:
            reading = read_rule(rule, inputs)
            if reading is None or reading.holds != rule.armed:
                continue
            fired += await self._settle(rule.id, reading)
        return fired

    async def _settle(self, rule_id: int, reading: Reading) -> int:
        async with self._db.session() as session:
            rule = await session.get(AlertRule, rule_id)
            if rule is None or not rule.active:
                return 0
            if not reading.holds:
                rule.armed = True
                return 0
            if not rule.armed:
                return 0
            rule.armed = False
            rule.fired_count += 1
            rule.last_fired_at = utcnow()
            notice = rule_notice(rule, reading.value, reading.subject)
            await self._notifications.notify(notice, session=session)
            return 1
