"""What each user chooses about notifications, and where admins route them.

Per type (trades, system, risk, performance, digests): on, silent or off; quiet hours in the
user's own time zone; digest days and time; deployments the user muted. Admins also send a type
to a group chat or forum topic, for every deployment or for one. The bot and the API both change
these through here, checked and audited once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DeploymentsConfig
from telegram_frontend.core.errors import NotFound, ValidationFailed
from telegram_frontend.models import NotificationRoute, NotificationSettings, User
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.notifications.service import (
    NotificationService,
    mode_of,
    parse_clock,
)
from telegram_frontend.services.notifications.types import Mode, NoticeType

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NEXT_MODE = {Mode.ON: Mode.SILENT, Mode.SILENT: Mode.OFF, Mode.OFF: Mode.ON}


@dataclass(frozen=True)
class Preferences:
    """A user's effective choices (modes resolved against the system default)."""

    user_id: int
    timezone: str
    modes: dict[NoticeType, Mode]
    quiet_start: str | None
    quiet_end: str | None
    digest_daily: bool
    digest_weekly: bool
    digest_time: str
    digest_weekday: int
    muted_deployments: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteRequest:
    """`/alerts route|unroute TYPE CHAT_ID [TOPIC_ID] [DEPLOYMENT]`, parsed."""

    kind: NoticeType
    chat_id: int
    thread_id: int | None
    deployment: str | None
    remove: bool


ROUTE_USAGE = (
    "Usage: /alerts route TYPE CHAT_ID [TOPIC_ID] [DEPLOYMENT] "
    "or /alerts unroute TYPE CHAT_ID [DEPLOYMENT]."
)


def clock_text(raw: str) -> str:
    """`7:30` → `07:30`; anything else is explained."""
    try:
        parsed = parse_clock(raw)
    except ValueError:
        raise ValidationFailed("Use the 24-hour format HH:MM, for example 22:00.") from None
    return parsed.strftime("%H:%M")


def parse_kind(raw: str) -> NoticeType:
    try:
        return NoticeType(raw.strip().lower())
    except ValueError:
        names = ", ".join(t.value for t in NoticeType)
        raise ValidationFailed(f"Unknown notification type. Use one of: {names}.") from None


def parse_route(args: list[str], deployments: DeploymentsConfig) -> RouteRequest:
    """The words after `/alerts`: `route TYPE CHAT_ID [TOPIC_ID] [DEPLOYMENT]` or
    `unroute TYPE CHAT_ID [DEPLOYMENT]` (a deployment name is never a number)."""
    words = list(args)
    if not words or words[0].lower() not in ("route", "unroute"):
        raise ValidationFailed(ROUTE_USAGE)
    remove = words[0].lower() == "unroute"
    deployment = None
    if len(words) > 3 and not _is_int(words[-1]):
        deployment = deployments.known(words.pop())
    numbers = words[2:]
    if len(words) < 3 or len(numbers) > 2 or not all(_is_int(w) for w in numbers):
        raise ValidationFailed(ROUTE_USAGE)
    return RouteRequest(
        kind=parse_kind(words[1]),
        chat_id=int(numbers[0]),
        thread_id=int(numbers[1]) if len(numbers) > 1 and not remove else None,
        deployment=deployment,
        remove=remove,
    )


class NotificationPreferences:
    def __init__(
        self,
        db: Database,
        audit: AuditService,
        notifications: NotificationService,
        deployments: DeploymentsConfig,
    ) -> None:
        self._db = db
        self._audit = audit
        self._notifications = notifications
        self._deployments = deployments

    async def view(self, actor: Actor) -> Preferences:
        require(actor, Role.VIEWER)
        async with self._db.session() as session:
            return await self._view(session, self._user_id(actor))

    async def set_mode(self, actor: Actor, kind: NoticeType, mode: Mode) -> Preferences:
        require(actor, Role.VIEWER)
        async with self._db.session() as session:
            row = await self._row(session, self._user_id(actor))
            setattr(row, kind.value, mode.value)
            await session.flush()
            return await self._view(session, row.user_id)

    async def cycle_mode(self, actor: Actor, kind: NoticeType) -> Preferences:
        """on → silent → off → on: what one press of the type's button does."""
        current = (await self.view(actor)).modes[kind]
        return await self.set_mode(actor, kind, _NEXT_MODE[current])

    async def set_quiet_hours(
        self, actor: Actor, start: str | None, end: str | None
    ) -> Preferences:
        """Both times (HH:MM, the user's zone) or neither (quiet hours off)."""
        require(actor, Role.VIEWER)
        if (start is None) != (end is None):
            raise ValidationFailed("Give both the start and the end, like 22:00 07:00.")
        begin = clock_text(start) if start is not None else None
        finish = clock_text(end) if end is not None else None
        if begin is not None and begin == finish:
            raise ValidationFailed("The start and the end of quiet hours must differ.")
        async with self._db.session() as session:
            row = await self._row(session, self._user_id(actor))
            row.quiet_start, row.quiet_end = begin, finish
            await session.flush()
            return await self._view(session, row.user_id)

    async def set_digest(
        self,
        actor: Actor,
        *,
        daily: bool | None = None,
        weekly: bool | None = None,
        at: str | None = None,
        weekday: int | None = None,
    ) -> Preferences:
        require(actor, Role.VIEWER)
        if weekday is not None and not 0 <= weekday <= 6:
            raise ValidationFailed("The weekday must be one of mon, tue, wed, thu, fri, sat, sun.")
        at_text = clock_text(at) if at is not None else None
        async with self._db.session() as session:
            row = await self._row(session, self._user_id(actor))
            if daily is not None:
                row.digest_daily = daily
            if weekly is not None:
                row.digest_weekly = weekly
            if at_text is not None:
                row.digest_time = at_text
            if weekday is not None:
                row.digest_weekday = weekday
            await session.flush()
            return await self._view(session, row.user_id)

    async def routes(self, actor: Actor, deployment: str | None = None) -> list[NotificationRoute]:
        """Every route; with `deployment`, those its notices take (its own and every-deployment
        routes)."""
        require(actor, Role.ADMIN)
        query = select(NotificationRoute).order_by(NotificationRoute.type, NotificationRoute.id)
        if deployment is not None:
            name = self._deployments.known(deployment)
            query = query.where(
                or_(NotificationRoute.deployment.is_(None), NotificationRoute.deployment == name)
            )
        async with self._db.session() as session:
            return list(await session.scalars(query))

    async def set_muted(self, actor: Actor, deployment: str, muted: bool) -> Preferences:
        """Stop (or resume) hearing about one deployment; the user's own alerts still come."""
        require(actor, Role.VIEWER)
        name = self._deployments.known(deployment)
        async with self._db.session() as session:
            row = await self._row(session, self._user_id(actor))
            names = [n for n in (row.muted_deployments or []) if n != name]
            row.muted_deployments = sorted([*names, name]) if muted else (names or None)
            await session.flush()
            return await self._view(session, row.user_id)

    def parse_route(self, args: list[str]) -> RouteRequest:
        """The admin's `/alerts route|unroute ...` words (see `parse_route`)."""
        return parse_route(args, self._deployments)

    async def set_route(
        self,
        actor: Actor,
        kind: NoticeType,
        chat_id: int,
        thread_id: int | None = None,
        deployment: str | None = None,
    ) -> NotificationRoute:
        """Send `kind` to a group chat (or one of its forum topics) as well as to users: the
        notices of every deployment, or (`deployment`) of that one only."""
        require(actor, Role.ADMIN)
        if chat_id >= 0:
            raise ValidationFailed("A route goes to a group or channel: its id is negative.")
        if thread_id is not None and thread_id <= 0:
            raise ValidationFailed("A forum topic id is a positive number.")
        name = self._deployments.known(deployment) if deployment is not None else None
        async with self._db.session() as session:
            route = await session.scalar(
                select(NotificationRoute).where(
                    NotificationRoute.type == kind.value,
                    NotificationRoute.chat_id == chat_id,
                    NotificationRoute.deployment.is_(None)
                    if name is None
                    else NotificationRoute.deployment == name,
                )
            )
            if route is None:
                route = NotificationRoute(
                    type=kind.value, chat_id=chat_id, deployment=name, created_by=actor.label
                )
                session.add(route)
            route.thread_id = thread_id
            details: dict[str, object] = {"thread_id": thread_id}
            if name is not None:
                details["deployment"] = name
            await self._audit.record(
                actor,
                "notify.route",
                f"{kind.value}->{chat_id}",
                "ok",
                details,
                session=session,
                deployment=name,
            )
        return route

    async def remove_route(
        self, actor: Actor, kind: NoticeType, chat_id: int, deployment: str | None = None
    ) -> None:
        """Stop sending `kind` to the chat: every route of it, or only `deployment`'s."""
        require(actor, Role.ADMIN)
        name = self._deployments.known(deployment) if deployment is not None else None
        query = delete(NotificationRoute).where(
            NotificationRoute.type == kind.value, NotificationRoute.chat_id == chat_id
        )
        if name is not None:
            query = query.where(NotificationRoute.deployment == name)
        async with self._db.session() as session:
            result = await session.execute(query)
            if not getattr(result, "rowcount", 0):
                where = f" for {name}" if name is not None else ""
                raise NotFound(f"There is no route of {kind.value} to {chat_id}{where}.")
            details = {"deployment": name} if name is not None else None
            await self._audit.record(
                actor,
                "notify.unroute",
                f"{kind.value}->{chat_id}",
                "ok",
                details,
                session=session,
                deployment=name,
            )

    @staticmethod
    def _user_id(actor: Actor) -> int:
        if actor.user_id is None:
            raise ValidationFailed("Notification settings belong to a Telegram user.")
        return actor.user_id

    async def _row(self, session: AsyncSession, user_id: int) -> NotificationSettings:
        row = await session.get(NotificationSettings, user_id)
        if row is None:
            if await session.get(User, user_id) is None:
                raise NotFound(f"No user with id {user_id}.")
            row = NotificationSettings(user_id=user_id)
            session.add(row)
            await session.flush()
        return row

    async def _view(self, session: AsyncSession, user_id: int) -> Preferences:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound(f"No user with id {user_id}.")
        row = await session.get(NotificationSettings, user_id)
        default = await self._notifications.default_mode(session)
        return Preferences(
            user_id=user_id,
            timezone=user.timezone,
            modes={kind: mode_of(row, kind, default) for kind in NoticeType},
            quiet_start=row.quiet_start if row else None,
            quiet_end=row.quiet_end if row else None,
            digest_daily=row.digest_daily if row else False,
            digest_weekly=row.digest_weekly if row else False,
            digest_time=row.digest_time if row else "08:00",
            digest_weekday=row.digest_weekday if row else 0,
            muted_deployments=tuple(row.muted_deployments or ()) if row else (),
        )


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()
