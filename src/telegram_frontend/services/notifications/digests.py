"""Daily and weekly performance digests at the time and in the time zone each user chose.

The last period sent is stored per user and updated in the same transaction as the digest's
outbox row, so a restart neither skips a due digest (it is sent late) nor repeats a sent one.
Each deployment sends its own digests: the default deployment's periods sit on the user's
settings row (where they always were), every other deployment's in its worker state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from telegram_frontend.core.access import SYSTEM, Role
from telegram_frontend.core.availability import Partial
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DEFAULT_NAME
from telegram_frontend.core.formatters import b, esc, pct, signed, zone
from telegram_frontend.core.i18n import _
from telegram_frontend.core.logging import get_logger
from telegram_frontend.models import NotificationSettings, User
from telegram_frontend.models.base import utcnow
from telegram_frontend.services.notifications.service import (
    NotificationService,
    mode_of,
    parse_clock,
)
from telegram_frontend.services.notifications.texts import localized
from telegram_frontend.services.notifications.types import Audience, Mode, Notice, NoticeType
from telegram_frontend.services.notifications.worker_state import (
    load_state,
    save_state,
    scoped_key,
)
from telegram_frontend.services.trading.performance import Period
from telegram_frontend.services.trading.records import StrategyPerformance
from telegram_frontend.services.trading.service import TradingService

log = get_logger(__name__)

DAILY, WEEKLY = "daily", "weekly"
SENT_KEY = "digests.sent"


@dataclass(frozen=True)
class SentPeriods:
    """The last daily and weekly periods a user got a digest for (from one deployment)."""

    daily: str | None
    weekly: str | None


@dataclass(frozen=True)
class DueDigest:
    user_id: int
    kind: str
    period: str
    audience: Audience


def due_digests(
    user: User, row: NotificationSettings, now: datetime, sent: SentPeriods | None = None
) -> list[DueDigest]:
    """Which of the user's digests are due at `now` (and not yet sent for their period);
    `sent` defaults to the periods stored on the settings row."""
    if sent is None:
        sent = SentPeriods(row.last_daily_period, row.last_weekly_period)
    local = now.astimezone(zone(user.timezone))
    try:
        at = parse_clock(row.digest_time)
    except ValueError:
        return []
    audience = Audience(user.language, user.timezone)
    reached = local.time() >= at
    due = []
    today = local.date().isoformat()
    if row.digest_daily and reached and sent.daily != today:
        due.append(DueDigest(user.id, DAILY, today, audience))
    year, week, weekday = local.isocalendar()
    this_week = f"{year}-W{week:02d}"
    day = weekday - 1
    weekly_reached = day > row.digest_weekday or (day == row.digest_weekday and reached)
    if row.digest_weekly and weekly_reached and sent.weekly != this_week:
        due.append(DueDigest(user.id, WEEKLY, this_week, audience))
    return due


def digest_notice(due: DueDigest, figures: Partial[StrategyPerformance]) -> Notice:
    def build(_audience: Audience) -> str:
        title = _("Daily summary") if due.kind == DAILY else _("Weekly summary")
        lines = [f"📊 {b(title)} · {esc(due.period)}"]
        total = Decimal(0)
        for row in figures.items:
            name = esc(row.name or row.instance_id)
            if row.pnl is None:
                lines.append(f"• {name}: " + esc(_("no data for the period")))
                continue
            total += row.pnl
            parts = [f"{signed(row.pnl, 2, 'USDT')} ({pct(row.return_pct, signed_=True)})"]
            parts.append(_("{count} trades").format(count=row.trades or 0))
            if row.win_rate is not None:
                parts.append(_("win rate {rate}").format(rate=pct(row.win_rate)))
            lines.append(f"• {name}: " + esc(" · ".join(parts)))
        if not figures.items:
            lines.append(esc(_("No strategy reported any figures for this period.")))
        else:
            lines.append(_("Total: {pnl}").format(pnl=b(signed(total, 2, "USDT"))))
        for note in figures.unavailable:
            lines.append("⚠️ " + esc(note.sentence))
        return "\n".join(lines)

    return Notice(
        type=NoticeType.DIGESTS,
        key=f"digest:{due.kind}:{due.user_id}:{due.period}",
        render=localized(build),
        user_ids=frozenset({due.user_id}),
    )


class DigestService:
    def __init__(
        self,
        db: Database,
        trading: TradingService,
        notifications: NotificationService,
        clock: Callable[[], datetime] = utcnow,
        *,
        deployment: str = DEFAULT_NAME,
    ) -> None:
        self._db = db
        self._trading = trading
        self._notifications = notifications
        self._clock = clock
        # None: the default deployment, whose periods are the settings row's columns
        self._state_key = None if deployment == DEFAULT_NAME else scoped_key(SENT_KEY, deployment)

    async def due(self) -> list[DueDigest]:
        now = self._clock()
        roles = [r.value for r in Role if r.allows(Role.VIEWER)]
        async with self._db.session() as session:
            default = await self._notifications.default_mode(session)
            rows = (
                await session.execute(
                    select(User, NotificationSettings)
                    .join(NotificationSettings, NotificationSettings.user_id == User.id)
                    .where(
                        User.is_active.is_(True),
                        User.role.in_(roles),
                        or_(
                            NotificationSettings.digest_daily.is_(True),
                            NotificationSettings.digest_weekly.is_(True),
                        ),
                    )
                    .order_by(User.id)
                )
            ).all()
            stored = await self._stored(session)
        found = []
        for user, row in rows:
            if mode_of(row, NoticeType.DIGESTS, default) is not Mode.OFF:
                found += due_digests(user, row, now, self._sent(row, stored))
        return found

    async def _stored(self, session: AsyncSession) -> dict[str, Any]:
        return await load_state(session, self._state_key) if self._state_key else {}

    def _sent(self, row: NotificationSettings, stored: dict[str, Any]) -> SentPeriods:
        if self._state_key is None:
            return SentPeriods(row.last_daily_period, row.last_weekly_period)
        entry = stored.get(str(row.user_id))
        if not isinstance(entry, dict):
            return SentPeriods(None, None)
        return SentPeriods(entry.get(DAILY), entry.get(WEEKLY))

    async def send_due(self) -> int:
        """Queue every due digest; returns how many were queued."""
        due = await self.due()
        figures: dict[str, Partial[StrategyPerformance]] = {}
        sent = 0
        for item in due:
            if item.kind not in figures:
                period = Period.DAY if item.kind == DAILY else Period.WEEK
                figures[item.kind] = await self._trading.performance(SYSTEM, period)
            sent += await self._record(item, figures[item.kind])
        return sent

    async def _record(self, item: DueDigest, figures: Partial[StrategyPerformance]) -> int:
        async with self._db.session() as session:
            row = await session.get(NotificationSettings, item.user_id)
            if row is None:
                return 0
            stored = await self._stored(session)
            sent = self._sent(row, stored)
            last = sent.daily if item.kind == DAILY else sent.weekly
            if last == item.period:
                return 0  # another worker was faster
            await self._notifications.notify(digest_notice(item, figures), session=session)
            if self._state_key is not None:
                entry = stored.get(str(item.user_id))
                entry = dict(entry) if isinstance(entry, dict) else {}
                stored[str(item.user_id)] = {**entry, item.kind: item.period}
                await save_state(session, self._state_key, stored)
            elif item.kind == DAILY:
                row.last_daily_period = item.period
            else:
                row.last_weekly_period = item.period
        return 1
