"""Users' own alert rules: what they may watch, validated once for the bot and the API.

A rule watches a price level (above/below, per symbol), a strategy's drawdown or daily P&L
(one strategy or any), or a service going down. It fires once when its condition starts to hold
and re-arms when the condition clears; the evaluator worker does the watching. A rule watches
one deployment's figures: the one it names, or (naming none) the default deployment.
"""

from __future__ import annotations

import enum
import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import Select, func, or_, select

from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.database import Database
from telegram_frontend.core.errors import NotFound, ValidationFailed
from telegram_frontend.models import AlertRule, User
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.monitoring.service import SERVICES

ANY = "*"
MAX_RULES_PER_USER = 50
_SYMBOL = re.compile(r"[A-Z0-9]{2,20}")
_STRATEGY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ANY_WORDS = {"*", "any", "all"}


class RuleKind(enum.StrEnum):
    PRICE_ABOVE = "price_above"
    PRICE_BELOW = "price_below"
    DRAWDOWN_ABOVE = "drawdown_above"
    DAILY_PNL_BELOW = "daily_pnl_below"
    SERVICE_DOWN = "service_down"

    @property
    def target(self) -> str:
        """What the rule is about: a symbol, a strategy or a service."""
        if self in (RuleKind.PRICE_ABOVE, RuleKind.PRICE_BELOW):
            return "symbol"
        if self is RuleKind.SERVICE_DOWN:
            return "service"
        return "strategy"

    @property
    def needs_threshold(self) -> bool:
        return self is not RuleKind.SERVICE_DOWN


def parse_rule_kind(raw: str) -> RuleKind:
    try:
        return RuleKind(raw.strip().lower())
    except ValueError:
        names = ", ".join(k.value for k in RuleKind)
        raise ValidationFailed(f"Unknown kind of alert. Use one of: {names}.") from None


def parse_target(kind: RuleKind, raw: str) -> str:
    """The normalised target of a rule, or a sentence saying what is expected."""
    text = raw.strip()
    if kind.target == "symbol":
        symbol = text.upper().replace("/", "").replace("-", "")
        if not _SYMBOL.fullmatch(symbol):
            raise ValidationFailed("Send a trading pair like BTCUSDT (letters and digits only).")
        return symbol
    if text.lower() in _ANY_WORDS:
        return ANY
    if kind.target == "service":
        key = text.lower().replace(" ", "_").replace("-", "_")
        by_name = {name.lower().replace(" ", "_"): k for k, name in SERVICES.items()}
        key = by_name.get(key, key)
        starting = [k for k in SERVICES if k.startswith(key)] if key else []
        if key not in SERVICES and len(starting) == 1:
            key = starting[0]  # "macd" is the MACD trader
        if key not in SERVICES:
            names = ", ".join(SERVICES)
            raise ValidationFailed(f"Unknown service. Use one of: {names}, or any.")
        return key
    instance = text.split(":", 1)[1] if text.lower().startswith("macd:") else text
    if not _STRATEGY.fullmatch(instance):
        raise ValidationFailed("Send a strategy id like conservative-btc, or any.")
    return instance


def parse_threshold(kind: RuleKind, raw: str | Decimal | None) -> Decimal | None:
    """A finite number in the unit of the kind (price, percent, USDT), or a clear refusal."""
    if not kind.needs_threshold:
        return None
    if raw is None:
        raise ValidationFailed("This alert needs a number.")
    text = str(raw).strip().replace(",", "").replace(" ", "").removesuffix("%")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationFailed("Send a number, for example 65000 or 2.5.") from None
    if not value.is_finite() or abs(value) >= Decimal("1e15") or len(text) > 30:
        raise ValidationFailed("Send a number, for example 65000 or 2.5.")
    if kind in (RuleKind.PRICE_ABOVE, RuleKind.PRICE_BELOW) and value <= 0:
        raise ValidationFailed("A price level must be above zero.")
    if kind is RuleKind.DRAWDOWN_ABOVE and not Decimal(0) < value <= Decimal(100):
        raise ValidationFailed("A drawdown is a percentage between 0 and 100.")
    return value


class AlertService:
    """The rules of each user; only their owner may see or change them."""

    def __init__(self, db: Database, audit: AuditService) -> None:
        self._db = db
        self._audit = audit

    async def list_rules(
        self, actor: Actor, deployment: str | None = None, *, default: bool = True
    ) -> list[AlertRule]:
        """The actor's rules; with `deployment`, those watching it (see `of_deployment`)."""
        require(actor, Role.VIEWER)
        query = select(AlertRule).where(AlertRule.user_id == _owner(actor))
        async with self._db.session() as session:
            rows = await session.scalars(
                of_deployment(query, deployment, default).order_by(AlertRule.id)
            )
            return list(rows)

    async def get_rule(self, actor: Actor, rule_id: int) -> AlertRule:
        require(actor, Role.VIEWER)
        async with self._db.session() as session:
            rule = await session.get(AlertRule, rule_id)
            if rule is None or rule.user_id != _owner(actor):
                raise NotFound("There is no such alert rule (it may have been deleted).")
            return rule

    async def add_rule(
        self,
        actor: Actor,
        kind: RuleKind,
        target: str,
        threshold: str | Decimal | None,
        deployment: str | None = None,
    ) -> AlertRule:
        """A new rule; `deployment` (a configured name, resolved by the caller) is the one whose
        figures it watches, None for the default deployment."""
        require(actor, Role.VIEWER)
        owner = _owner(actor)
        rule = AlertRule(
            user_id=owner,
            kind=kind.value,
            target=parse_target(kind, target),
            threshold=parse_threshold(kind, threshold),
            deployment=deployment,
        )
        async with self._db.session() as session:
            count = await session.scalar(
                select(func.count()).select_from(AlertRule).where(AlertRule.user_id == owner)
            )
            if (count or 0) >= MAX_RULES_PER_USER:
                raise ValidationFailed(
                    f"You have {MAX_RULES_PER_USER} alert rules already; delete one first."
                )
            session.add(rule)
            await session.flush()
            await self._audit.record(
                actor,
                "alert.add",
                f"rule:{rule.id}",
                "ok",
                {
                    "kind": rule.kind,
                    "target": rule.target,
                    "threshold": str(rule.threshold),
                    **({"deployment": deployment} if deployment else {}),
                },
                session=session,
                deployment=deployment,
            )
        return rule

    async def set_active(self, actor: Actor, rule_id: int, active: bool) -> AlertRule:
        """Pause or resume; a resumed rule starts armed (it fires if its condition holds)."""
        require(actor, Role.VIEWER)
        async with self._db.session() as session:
            rule = await session.get(AlertRule, rule_id)
            if rule is None or rule.user_id != _owner(actor):
                raise NotFound("There is no such alert rule (it may have been deleted).")
            rule.active = active
            if active:
                rule.armed = True
        return rule

    async def delete_rule(self, actor: Actor, rule_id: int) -> None:
        require(actor, Role.VIEWER)
        async with self._db.session() as session:
            rule = await session.get(AlertRule, rule_id)
            if rule is None or rule.user_id != _owner(actor):
                raise NotFound("There is no such alert rule (it may have been deleted).")
            await session.delete(rule)
            await self._audit.record(
                actor,
                "alert.delete",
                f"rule:{rule_id}",
                "ok",
                session=session,
                deployment=rule.deployment,
            )

    async def active_rules(
        self, deployment: str | None = None, *, default: bool = True
    ) -> list[AlertRule]:
        """Rules an evaluator watches: active, of active users who may still see alerts; with
        `deployment`, only those watching it (see `of_deployment`)."""
        roles = [r.value for r in Role if r.allows(Role.VIEWER)]
        query = (
            select(AlertRule)
            .join(User, User.id == AlertRule.user_id)
            .where(AlertRule.active.is_(True), User.is_active.is_(True), User.role.in_(roles))
        )
        async with self._db.session() as session:
            rows = await session.scalars(
                of_deployment(query, deployment, default).order_by(AlertRule.id)
            )
            return list(rows)


def of_deployment(
    query: Select[AlertRule], deployment: str | None, default: bool
) -> Select[AlertRule]:
    """Narrow `query` to the rules watching `deployment` (None: every rule); rules naming no
    deployment watch the default one, so they count when `default` says this is it."""
    if deployment is None:
        return query
    if default:
        return query.where(or_(AlertRule.deployment.is_(None), AlertRule.deployment == deployment))
    return query.where(AlertRule.deployment == deployment)


def _owner(actor: Actor) -> int:
    if actor.user_id is None:
        raise ValidationFailed("Alert rules belong to a Telegram user.")
    return actor.user_id
