"""HTTP API keys: created by an admin, shown once, stored only as a hash, revocable at once.

A key looks like `tgf_<8 hex>_<43 url-safe chars>` (256 bits of randomness after the prefix).
The first 12 characters are its public `prefix`, stored in clear so a key can be found and named
in lists and logs; the whole key is kept only as its SHA-256, which is enough for a key this
random (no salt or slow hash needed: nothing to guess). Every check re-reads the row, so a
revocation takes effect with the next request. A key may be limited to some deployments; it is
refused on the others.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from telegram_frontend.core.access import Actor, Role, require
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DeploymentsConfig
from telegram_frontend.core.errors import NotFound, PermissionDenied, ValidationFailed
from telegram_frontend.models import ApiKey
from telegram_frontend.models.base import utcnow
from telegram_frontend.services.admin.audit import AuditService

KEY_SCHEME = "tgf"
PREFIX_LENGTH = 12  # "tgf_" + 8 hex characters
_KEY = re.compile(r"tgf_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")
_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,128}")
KEY_ROLES = (Role.VIEWER, Role.TRADER, Role.ADMIN)
LAST_USED_RESOLUTION = timedelta(seconds=60)


def hash_key(key: str) -> str:
    """The stored form of a key: hex SHA-256 (the key carries 256 random bits)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """A fresh random key in the `tgf_<id>_<secret>` format."""
    return f"{KEY_SCHEME}_{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"


def key_actor(key: ApiKey) -> Actor:
    """The API caller as the services see it: same roles and audit as a Telegram user."""
    return Actor(role=Role(key.role), name=key.name, via="api", api_key_id=key.id)


def check_key_deployment(key: ApiKey, deployment: str) -> None:
    """Refuse a key limited to other deployments than `deployment`."""
    allowed = key.deployments
    if allowed and deployment not in allowed:
        raise PermissionDenied(
            f"This API key is limited to {', '.join(allowed)}; it cannot use {deployment}."
        )


def key_allows(key: ApiKey, deployment: str) -> bool:
    return not key.deployments or deployment in key.deployments


@dataclass(frozen=True)
class CreatedKey:
    """The stored row and the key itself, which exists nowhere else once this is dropped."""

    row: ApiKey
    key: str


class ApiKeyService:
    """Create, list, revoke and check API keys; every change is audited."""

    def __init__(
        self, db: Database, audit: AuditService, deployments: DeploymentsConfig | None = None
    ) -> None:
        self._db = db
        self._audit = audit
        self._deployments = deployments

    async def create(
        self,
        actor: Actor,
        name: str,
        role: Role | str,
        deployments: Sequence[str] = (),
    ) -> CreatedKey:
        """A new key; with `deployments`, one that may use only those."""
        require(actor, Role.ADMIN)
        clean = " ".join(name.split())
        if not _NAME.fullmatch(clean):
            raise ValidationFailed("The key needs a name of 1 to 128 printable characters.")
        wanted = _key_role(role)
        limited = self._limits(deployments)
        key = new_key()
        async with self._db.session() as session:
            row = ApiKey(
                name=clean,
                role=wanted.value,
                prefix=key[:PREFIX_LENGTH],
                key_hash=hash_key(key),
                created_by=actor.label[:128],
                deployments=limited,
            )
            session.add(row)
            await session.flush()
            details: dict[str, object] = {"name": clean, "role": wanted.value, "prefix": row.prefix}
            if limited:
                details["deployments"] = limited
            await self._audit.record(
                actor, "api_key.create", f"api-key:{row.id}", "ok", details, session=session
            )
        return CreatedKey(row=row, key=key)

    def _limits(self, deployments: Sequence[str]) -> list[str] | None:
        if not deployments:
            return None
        if self._deployments is None:
            raise ValidationFailed("No deployments are configured to limit the key to.")
        return sorted({self._deployments.known(name) for name in deployments})

    async def list_keys(self, actor: Actor, include_revoked: bool = True) -> list[ApiKey]:
        require(actor, Role.ADMIN)
        async with self._db.session() as session:
            query = select(ApiKey).order_by(ApiKey.id)
            if not include_revoked:
                query = query.where(ApiKey.revoked_at.is_(None))
            return list(await session.scalars(query))

    async def revoke(self, actor: Actor, key_id: int) -> ApiKey:
        """Revoke a key (idempotent: revoking twice keeps the first time)."""
        require(actor, Role.ADMIN)
        async with self._db.session() as session:
            row = await session.get(ApiKey, key_id)
            if row is None:
                raise NotFound(f"There is no API key with id {key_id}.")
            if row.revoked_at is None:
                row.revoked_at = utcnow()
                await self._audit.record(
                    actor,
                    "api_key.revoke",
                    f"api-key:{row.id}",
                    "ok",
                    {"name": row.name, "prefix": row.prefix},
                    session=session,
                )
        return row

    async def authenticate(self, presented: str) -> ApiKey | None:
        """The live key matching `presented`, or None; the hash comparison is constant-time."""
        if not _KEY.fullmatch(presented):
            return None
        digest = hash_key(presented)
        now = utcnow()
        async with self._db.session() as session:
            candidates = await session.scalars(
                select(ApiKey).where(ApiKey.prefix == presented[:PREFIX_LENGTH])
            )
            match = None
            for row in candidates:
                if hmac.compare_digest(row.key_hash, digest):
                    match = row
            if match is None or match.revoked_at is not None:
                return None
            if match.last_used_at is None or now - match.last_used_at > LAST_USED_RESOLUTION:
                match.last_used_at = now
        return match


def _key_role(role: Role | str) -> Role:
    try:
        wanted = Role(role)
    except ValueError:
        wanted = None
    if wanted not in KEY_ROLES:
        names = ", ".join(r.value for r in KEY_ROLES)
        raise ValidationFailed(f"An API key's role must be one of: {names}.")
    assert wanted is not None
    return wanted
