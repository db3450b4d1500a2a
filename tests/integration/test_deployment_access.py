"""Roles per deployment and the chosen deployment: stored, audited, carried by the cached caller."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.database import Database
from telegram_frontend.core.deployments import DeploymentsConfig, DeploymentSpec, Environment
from telegram_frontend.core.errors import NotFound, PermissionDenied
from telegram_frontend.models import AuditLog
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.caller_cache import CallerCache
from telegram_frontend.services.admin.deployment_access import DeploymentAccess
from telegram_frontend.services.admin.users import UserService, actor_of

ADMIN = Actor(role=Role.ADMIN, user_id=1, name="admin")
CONFIG = DeploymentsConfig(
    (
        DeploymentSpec(name="testnet", label="Testnet", environment=Environment.TESTNET),
        DeploymentSpec(name="mainnet", label="Mainnet", environment=Environment.MAINNET),
    ),
    "testnet",
    from_file=True,
)


@pytest.fixture
def parts(database: Database, cache: Cache) -> tuple[UserService, DeploymentAccess]:
    audit = AuditService(database)
    users = UserService(database, audit, admin_ids=[1], callers=CallerCache(cache, 30))
    return users, DeploymentAccess(database, audit, CONFIG, CallerCache(cache, 30))


async def test_a_grant_changes_the_role_on_that_deployment_only(
    parts: tuple[UserService, DeploymentAccess], database: Database
) -> None:
    users, access = parts
    await users.register(42, "tom", "Tom")
    await users.set_role(ADMIN, 42, Role.TRADER)
    before = await users.caller(42)  # now cached
    assert before is not None and actor_of(before).on("mainnet").role is Role.TRADER
    await access.grant(ADMIN, 42, "Mainnet", Role.VIEWER)
    caller = await users.caller(42)
    assert caller is not None
    actor = actor_of(caller)
    assert actor.on("mainnet").role is Role.VIEWER
    assert actor.on("testnet").role is Role.TRADER
    await access.grant(ADMIN, 42, "mainnet", None)
    cleared = await users.caller(42)
    assert cleared is not None and actor_of(cleared).on("mainnet").role is Role.TRADER
    async with database.session() as session:
        rows = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "user.deployment_role"))
        ).all()
    assert [(r.details["from"], r.details["to"]) for r in rows] == [
        (None, "viewer"),
        ("viewer", None),
    ]


async def test_only_admins_grant_and_only_known_deployments(
    parts: tuple[UserService, DeploymentAccess],
) -> None:
    users, access = parts
    await users.register(42, "tom", "Tom")
    with pytest.raises(PermissionDenied):
        await access.grant(Actor(role=Role.TRADER, user_id=42), 42, "mainnet", Role.ADMIN)
    with pytest.raises(NotFound, match="Known: testnet, mainnet"):
        await access.grant(ADMIN, 42, "staging", Role.VIEWER)


async def test_the_chosen_deployment_is_remembered(
    parts: tuple[UserService, DeploymentAccess],
) -> None:
    users, access = parts
    await users.register(42, "tom", "Tom")
    assert (await users.caller(42)).deployment is None  # type: ignore[union-attr]
    assert await access.choose(42, "MAINNET") == "mainnet"
    assert (await users.caller(42)).deployment == "mainnet"  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        await access.choose(42, "\u202estaging")
