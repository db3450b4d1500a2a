"""Users and roles: registration requests, approvals, preferences, and who is an admin.

The bot middleware and the API both resolve their caller here, so a role change takes effect
everywhere at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.database import Database
from telegram_frontend.core.errors import (
    ConfirmationExpired,
    FrontendError,
    NotFound,
    ValidationFailed,
)
from telegram_frontend.core.text_safety import clean_name
from telegram_frontend.models import AuditLog, User
from telegram_frontend.models.base import utcnow
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.caller_cache import PROFILE, CallerCache
from telegram_frontend.services.admin.deployment_access import deployment_roles

LANGUAGES = ("en", "ru")
CONFIG_ACTOR = Actor(role=Role.ADMIN, name="config", via="system")
FALLBACK_ROLES = (Role.VIEWER.value, Role.TRADER.value, Role.BLOCKED.value)


class AlreadyDecided(ConfirmationExpired):
    """The access request was decided already (by another admin, or by an earlier press)."""

    def __init__(self, role: Role) -> None:
        FrontendError.__init__(
            self, f"This request was already decided: the user is {role.value} now."
        )
        self.role = role


CHART_THEMES = ("light", "dark")


@dataclass(frozen=True)
class Registration:
    """The caller's user row and whether this call created it (a new access request)."""

    user: User
    created: bool


def actor_of(user: User) -> Actor:
    return Actor(
        role=Role(user.role),
        user_id=user.id,
        name=user.username or user.full_name,
        deployment_roles=deployment_roles(user.deployment_roles),
    )


class UserService:
    """All reads and writes of `tf_users`."""

    def __init__(
        self,
        db: Database,
        audit: AuditService,
        admin_ids: Iterable[int] = (),
        default_language: str = "en",
        default_timezone: str = "UTC",
        callers: CallerCache | None = None,
    ) -> None:
        self._db = db
        self._audit = audit
        self.admin_ids = frozenset(admin_ids)
        self._language = default_language
        self._timezone = default_timezone
        self._callers = callers

    async def get(self, user_id: int) -> User | None:
        async with self._db.session() as session:
            return await session.get(User, user_id)

    async def caller(self, user_id: int) -> User | None:
        """The caller's profile for the access gate: from the shared cache when it has it."""
        if self._callers is None:
            return await self.get(user_id)
        user = await self._callers.get(user_id)
        if user is CallerCache.MISSING:
            user = await self._profile(user_id)
            await self._callers.put(user_id, user)
        return user

    async def _profile(self, user_id: int) -> User | None:
        """The profile columns only, without an ORM session (a cold caller costs one query)."""
        table = User.__table__
        columns = [table.c[name] for name in PROFILE]
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(select(*columns).where(table.c.id == user_id))).first()
        return None if row is None else User(**row._mapping)

    async def _changed(self, user_id: int) -> None:
        if self._callers is not None:
            await self._callers.forget(user_id)

    async def register(
        self,
        user_id: int,
        username: str | None,
        full_name: str,
        language_code: str | None = None,
    ) -> Registration:
        """Find the user or create a pending one; configured admins are admins from the start.

        Names are stored without control or bidi-override characters: admins read them.
        """
        full_name = clean_name(full_name)
        username = clean_name(username, 64) or None
        language = (language_code or "")[:2]
        async with self._db.session() as session:
            # Write first: a read-then-write transaction fails at once on SQLite when another
            # writer committed meanwhile ("database is locked"), as a /start flood showed.
            dialect = postgresql if self._db.is_postgres else sqlite
            inserted = await session.execute(
                dialect.insert(User)
                .values(
                    id=user_id,
                    username=username,
                    full_name=full_name,
                    role=Role.PENDING.value,
                    language=language if language in LANGUAGES else self._language,
                    timezone=self._timezone,
                )
                .on_conflict_do_nothing(index_elements=["id"])
                .returning(User.id)
            )
            created = inserted.scalar() is not None
            user = await session.get(User, user_id, populate_existing=True)
            assert user is not None
            if user_id in self.admin_ids:
                await self._configured_admin(session, user)
            user.username = username or user.username
            user.full_name = full_name or user.full_name
            user.last_seen_at = utcnow()
            user.is_active = True
        await self._changed(user_id)
        return Registration(user=user, created=created)

    async def list_users(self, actor: Actor, role: Role | None = None) -> list[User]:
        require(actor, Role.ADMIN)
        async with self._db.session() as session:
            query = select(User).order_by(User.created_at)
            if role is not None:
                query = query.where(User.role == role.value)
            return list(await session.scalars(query))

    async def admins(self) -> list[User]:
        async with self._db.session() as session:
            rows = await session.scalars(
                select(User).where(User.role == Role.ADMIN.value, User.is_active.is_(True))
            )
            return list(rows)

    async def subscribers(self, minimum: Role = Role.VIEWER) -> list[User]:
        """Active users whose role is at least `minimum` (notification recipients)."""
        roles = [r.value for r in Role if r.allows(minimum)]
        async with self._db.session() as session:
            rows = await session.scalars(
                select(User).where(User.role.in_(roles), User.is_active.is_(True))
            )
            return list(rows)

    async def set_role(self, actor: Actor, user_id: int, role: Role) -> User:
        """Change a user's role (admins only); configured admins and the last admin stay admins."""
        require(actor, Role.ADMIN)
        if user_id in self.admin_ids and role != Role.ADMIN:
            raise ValidationFailed("This user is an admin by configuration (ADMIN_USER_IDS).")
        async with self._db.session() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            if user.role == Role.ADMIN.value and role != Role.ADMIN:
                others = await session.scalar(
                    select(func.count())
                    .select_from(User)
                    .where(User.role == Role.ADMIN.value, User.id != user_id)
                )
                if not others:
                    raise ValidationFailed("The last admin cannot be removed.")
            before = user.role
            user.role = role.value
            user.granted_role = role.value
            await self._audit.record(
                actor,
                "user.role",
                f"user:{user_id}",
                "ok",
                {"from": before, "to": role.value},
                session=session,
            )
        await self._changed(user_id)
        return user

    async def decide_request(self, actor: Actor, user_id: int, role: Role) -> User:
        """Approve or reject an access request, once: only while the user is still pending.

        A second admin's copy of the same request (or a replayed button) changes nothing.
        """
        require(actor, Role.ADMIN)
        if role not in (Role.VIEWER, Role.TRADER, Role.BLOCKED):
            raise ValidationFailed(
                "An access request is approved as viewer or trader, or rejected."
            )
        async with self._db.session() as session:
            user = await session.get(User, user_id, with_for_update=True)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            if user.role != Role.PENDING.value:
                raise AlreadyDecided(Role(user.role))
            user.role = role.value
            user.granted_role = role.value
            await self._audit.record(
                actor,
                "user.role",
                f"user:{user_id}",
                "ok",
                {"from": Role.PENDING.value, "to": role.value, "reason": "access request"},
                session=session,
            )
        return user

    async def follow_configured_admins(self) -> list[User]:
        """At start: configured ids become admins; admins no longer configured fall back to what
        an admin last gave them.

        That is the role last granted by an admin (or viewer), audited; an admin made by an
        admin (not by the configuration) stays. With ADMIN_USER_IDS empty nobody is demoted,
        so the last configured admin cannot be removed by accident.
        """
        if not self.admin_ids:
            return []
        demoted = []
        async with self._db.session() as session:
            configured = await session.scalars(
                select(User).where(User.id.in_(sorted(self.admin_ids)))
            )
            for user in configured:
                await self._configured_admin(session, user)
            rows = await session.scalars(select(User).where(User.role == Role.ADMIN.value))
            for user in rows:
                if user.id in self.admin_ids:
                    continue
                granted = user.granted_role or await self._granted_in_audit(session, user.id)
                if granted == Role.ADMIN.value:
                    continue
                fallback = granted if granted in FALLBACK_ROLES else Role.VIEWER.value
                user.role = fallback
                await self._audit.record(
                    CONFIG_ACTOR,
                    "user.role",
                    f"user:{user.id}",
                    "ok",
                    {"from": Role.ADMIN.value, "to": fallback, "reason": "not in ADMIN_USER_IDS"},
                    session=session,
                )
                demoted.append(user)
        return demoted

    async def _configured_admin(self, session: AsyncSession, user: User) -> None:
        """A user named in ADMIN_USER_IDS is an admin; the change is audited as configuration's."""
        if user.role == Role.ADMIN.value:
            return
        before, user.role = user.role, Role.ADMIN.value
        await self._audit.record(
            CONFIG_ACTOR,
            "user.role",
            f"user:{user.id}",
            "ok",
            {"from": before, "to": Role.ADMIN.value, "reason": "ADMIN_USER_IDS"},
            session=session,
        )

    async def _granted_in_audit(self, session: AsyncSession, user_id: int) -> str | None:
        """The last role an admin (not the configuration) gave, from before `granted_role`."""
        rows = await session.scalars(
            select(AuditLog)
            .where(
                AuditLog.action == "user.role",
                AuditLog.target == f"user:{user_id}",
                AuditLog.result == "ok",
                AuditLog.actor.like("tg:%"),
            )
            .order_by(AuditLog.id.desc())
            .limit(1)
        )
        row = rows.first()
        granted = row.details.get("to") if row is not None else None
        return granted if isinstance(granted, str) else None

    async def set_preferences(
        self,
        user_id: int,
        *,
        language: str | None = None,
        timezone: str | None = None,
        chart_theme: str | None = None,
    ) -> User:
        """Validate and store a user's own preferences."""
        if language is not None and language not in LANGUAGES:
            raise ValidationFailed(f"Language must be one of: {', '.join(LANGUAGES)}.")
        if chart_theme is not None and chart_theme not in CHART_THEMES:
            raise ValidationFailed("Chart theme must be light or dark.")
        if timezone is not None:
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValidationFailed(
                    "Unknown time zone. Use a name like Europe/Berlin or UTC."
                ) from None
        async with self._db.session() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}.")
            user.language = language or user.language
            user.timezone = timezone or user.timezone
            user.chart_theme = chart_theme or user.chart_theme
        await self._changed(user_id)
        return user

    async def mark_unreachable(self, user_id: int) -> None:
        """Telegram said the user blocked the bot: stop sending until they write again."""
        async with self._db.session() as session:
            user = await session.get(User, user_id)
            if user is not None:
                user.is_active = False
        await self._changed(user_id)
