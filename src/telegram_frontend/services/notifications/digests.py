"""Daily and weekly performance digests at the time and in the time zone each user chose.

The last period sent is stored per user and updated in the same transaction as the digest's
outbox row, so a restart neither skips a due digest (it is sent late) nor repeats a sent one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select

from telegram_frontend.core.access import SYSTEM, Role
from telegram_frontend.core.availability import Partial
from telegram_frontend.core.database import Database
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
from telegram_frontend.services.trading.performance import Period
from telegram_frontend.services.trading.records import StrategyPerformance
from telegram_frontend.services.trading.service import TradingService

log = get_logger(__name__)

DAILY, WEEKLY = "daily", "weekly"


@dataclass(frozen=True)
class DueDigest:
    user_id: int
    kind: str
    period: str
    audience: Audience


def due_digests(user: User, row: NotificationSettings, now: datetime) -> list[DueDigest]:
    """Which of the user's digests are due at `now` (and not yet sent for their period)."""
    local = now.astimezone(zone(user.timezone))
    try:
        at = parse_clock(row.digest_time)
    except ValueError:
        return []
    audience = Audience(user.language, user.timezone)
    reached = local.time() >= at
    due = []
    today = local.date().isoformat()
    if row.digest_daily and reached and row.last_daily_period != today:
        due.append(DueDigest(user.id, DAILY, today, audience))
    year, week, weekday = local.isocalendar()
    this_week = f"{year}-W{week:02d}"
    day = weekday - 1
    weekly_reached = day > row.digest_weekday or (day == row.digest_weekday and reached)
    if row.digest_weekly and weekly_reached and row.last_weekly_period != this_week:
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
    ) -> None:
        self._db = db
        self._trading = trading
        self._notifications = notifications
        self._clock = clock

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
        found = []
        for user, row in rows:
            if mode_of(row, NoticeType.DIGESTS, default) is not Mode.OFF:
                found += due_digests(user, row, now)
        return found

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
            last = row.last_daily_period if item.kind == DAILY else row.last_weekly_period
            if last == item.period:
                return 0  # another worker was faster
            await self._notifications.notify(digest_notice(item, figures), session=session)
            if item.kind == DAILY:
                row.last_daily_period = item.period
            else:
                row.last_weekly_period = item.period
        return 1
