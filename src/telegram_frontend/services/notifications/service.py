"""Turning a `Notice` into outbox rows: who gets it, how loudly, in which language.

`notify(notice, session=...)` joins the caller's transaction, so a notification exists exactly
when its cause was recorded (a trade cursor advanced, a breach state saved). Recipients are the
active users whose role admits the notice and who did not switch its type off ("silent" and
quiet hours send without sound) nor mute its deployment, plus the admins' group routes (those
for every deployment and those for the notice's own). Each (notice key, chat) pair is written
at most once: recording the same cause twice is harmless.

A deployment's workers write through `for_deployment(tag)`, which tags each of their notices
(see `deployment_tags`).
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import event, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from telegram_frontend.core.access import Role
from telegram_frontend.core.database import Database
from telegram_frontend.core.formatters import paginate, zone
from telegram_frontend.models import (
    Configuration,
    NotificationRoute,
    NotificationSettings,
    OutboxMessage,
    User,
)
from telegram_frontend.models.base import utcnow
from telegram_frontend.models.notification import OutboxStatus
from telegram_frontend.services.notifications.deployment_tags import DeploymentTag
from telegram_frontend.services.notifications.types import Audience, Mode, Notice, NoticeType

KEY_LIMIT = 200
DEFAULT_MODE_KEY = "notify.default_mode"


class OutboxSignal:
    """Wakes the dispatcher when rows were committed, so it never waits out its idle poll."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def wake(self) -> None:
        self._event.set()

    async def wait(self, seconds: float) -> bool:
        """True when woken within `seconds`; clears the signal either way."""
        try:
            async with asyncio.timeout(seconds):
                await self._event.wait()
            return True
        except TimeoutError:
            return False
        finally:
            self._event.clear()


def parse_clock(text: str) -> time:
    """`"22:30"` → 22:30; raises ValueError on anything else."""
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError(text)
    return time(int(hours), int(minutes))


def in_quiet_hours(start: str | None, end: str | None, now: datetime, tz_name: str) -> bool:
    """Whether `now` is in [start, end) of the user's local day (may wrap around midnight)."""
    if not start or not end:
        return False
    try:
        begin, finish = parse_clock(start), parse_clock(end)
    except ValueError:
        return False
    local = now.astimezone(zone(tz_name)).time().replace(second=0, microsecond=0)
    if begin == finish:
        return False
    if begin < finish:
        return begin <= local < finish
    return local >= begin or local < finish


def mode_of(settings: NotificationSettings | None, kind: NoticeType, default: Mode) -> Mode:
    value = getattr(settings, kind.value, None) if settings is not None else None
    return Mode(value) if isinstance(value, str) and value in Mode._value2member_map_ else default


def muted(settings: NotificationSettings | None, deployment: str | None) -> bool:
    """Whether the user muted the deployment a notice is about."""
    if settings is None or deployment is None:
        return False
    names = settings.muted_deployments
    return isinstance(names, list) and deployment in names


def fit_key(key: str) -> str:
    """Keys longer than the column keep their start and a digest of the whole."""
    if len(key) <= KEY_LIMIT:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[: KEY_LIMIT - 33]}~{digest}"


@dataclass(frozen=True)
class _Recipient:
    chat_id: int
    thread_id: int | None
    user_id: int | None
    audience: Audience
    silent: bool


class NotificationService:
    """Writes notices into the outbox; the dispatcher does the sending."""

    def __init__(
        self,
        db: Database,
        signal: OutboxSignal,
        *,
        default_language: str = "en",
        default_timezone: str = "UTC",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self.signal = signal
        self._group_audience = Audience(default_language, default_timezone)
        self._clock = clock
        self.tag: DeploymentTag | None = None

    def for_deployment(self, tag: DeploymentTag) -> NotificationService:
        """This service for one deployment's workers: every notice it writes carries `tag`."""
        scoped = copy.copy(self)
        scoped.tag = tag
        return scoped

    def tagged(self, notice: Notice) -> Notice:
        """The notice as this service writes it (tagged with its deployment, if it has one)."""
        return self.tag.apply(notice) if self.tag is not None else notice

    async def notify(self, notice: Notice, *, session: AsyncSession) -> list[int]:
        """Queue `notice` for everyone it concerns, inside the caller's transaction.

        Returns the ids of the rows written now (rows already there for this key are skipped).
        """
        notice = self.tagged(notice)
        recipients = await self._users(session, notice)
        if notice.to_routes and notice.user_ids is None:
            recipients += await self._routes(session, notice)
        rows = []
        now = self._clock()
        for recipient in recipients:
            text = notice.render(recipient.audience)
            markup = notice.markup(recipient.audience) if notice.markup else None
            parts = paginate([text])
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                rows.append(
                    {
                        "type": notice.type.value,
                        "severity": notice.severity.value,
                        "text": part,
                        "chat_id": recipient.chat_id,
                        "message_thread_id": recipient.thread_id,
                        "user_id": recipient.user_id,
                        "disable_notification": recipient.silent,
                        "reply_markup": markup if last else None,
                        "dedupe_key": fit_key(f"{notice.key}#{index}" if index else notice.key),
                        "thread_key": notice.thread_key,
                        "status": OutboxStatus.PENDING,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                )
        ids = await self._insert(session, rows)
        if ids:
            event.listen(session.sync_session, "after_commit", self._on_commit, once=True)
        return ids

    async def notify_now(self, notice: Notice) -> list[int]:
        """Queue a notice in a transaction of its own (nothing else to record with it)."""
        async with self._db.session() as session:
            return await self.notify(notice, session=session)

    async def ids_for_key(self, key: str) -> list[int]:
        """The rows a notice key produced (an idempotent retry of the same event finds them)."""
        fitted = fit_key(key)
        async with self._db.session() as session:
            rows = await session.scalars(
                select(OutboxMessage.id)
                .where(
                    or_(
                        OutboxMessage.dedupe_key == fitted,
                        OutboxMessage.dedupe_key.like(f"{fitted}#%"),
                    )
                )
                .order_by(OutboxMessage.id)
            )
            return list(rows)

    def _on_commit(self, _session: Any) -> None:
        self.signal.wake()

    async def default_mode(self, session: AsyncSession) -> Mode:
        value = await session.scalar(
            select(Configuration.value)
            .where(Configuration.key == DEFAULT_MODE_KEY)
            .order_by(Configuration.version.desc())
            .limit(1)
        )
        if isinstance(value, str) and value in Mode._value2member_map_:
            return Mode(value)
        return Mode.ON

    async def _users(self, session: AsyncSession, notice: Notice) -> list[_Recipient]:
        query = (
            select(User, NotificationSettings)
            .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
            .where(User.is_active.is_(True))
            .order_by(User.id)
        )
        if notice.min_role is not None:
            needed = notice.min_role
            query = query.where(User.role.in_([r.value for r in Role if r.allows(needed)]))
        if notice.user_ids is not None:
            if not notice.user_ids:
                return []
            query = query.where(User.id.in_(sorted(notice.user_ids)))
        default = await self.default_mode(session)
        now = self._clock()
        found = []
        for user, settings in (await session.execute(query)).all():
            mode = mode_of(settings, notice.type, default)
            if mode is Mode.OFF and not notice.force:
                continue
            if muted(settings, notice.deployment) and not notice.force:
                continue
            quiet = settings is not None and in_quiet_hours(
                settings.quiet_start, settings.quiet_end, now, user.timezone
            )
            found.append(
                _Recipient(
                    chat_id=user.id,
                    thread_id=None,
                    user_id=user.id,
                    audience=Audience(user.language, user.timezone),
                    silent=mode is Mode.SILENT or quiet,
                )
            )
        return found

    async def _routes(self, session: AsyncSession, notice: Notice) -> list[_Recipient]:
        """Routes of the notice's type for every deployment or for its own; where a chat has
        both, the deployment's own route (its topic) wins."""
        scope: ColumnElement[bool] = NotificationRoute.deployment.is_(None)
        if notice.deployment is not None:
            scope = or_(scope, NotificationRoute.deployment == notice.deployment)
        routes = await session.scalars(
            select(NotificationRoute)
            .where(NotificationRoute.type == notice.type.value, scope)
            .order_by(NotificationRoute.id)
        )
        chosen: dict[int, NotificationRoute] = {}
        for route in routes:
            if route.chat_id not in chosen or route.deployment is not None:
                chosen[route.chat_id] = route
        return [
            _Recipient(route.chat_id, route.thread_id, None, self._group_audience, False)
            for route in chosen.values()
        ]

    async def _insert(self, session: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        table = OutboxMessage.__table__
        dialect = postgresql if self._db.is_postgres else sqlite
        ids: list[int] = []
        for start in range(0, len(rows), 500):
            statement = (
                dialect.insert(table)
                .values(rows[start : start + 500])
                .on_conflict_do_nothing(index_elements=["dedupe_key", "chat_id"])
                .returning(table.c.id)
            )
            ids += list((await session.execute(statement)).scalars())
        return sorted(ids)
