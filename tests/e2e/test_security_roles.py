"""Roles follow ADMIN_USER_IDS, and an access request is decided once (review findings 5 and 12).

The demotion test restarts the real frontend on the same database, as an operator editing the
configuration would, and checks what the users can do afterwards.
"""

from __future__ import annotations

import asyncio
import time

import pyotp
import pytest
from sqlalchemy import select

from telegram_frontend.bot.features.admin.callbacks import RoleChange
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.database import Database
from telegram_frontend.models import AuditLog
from telegram_frontend.services.account.credentials import CredentialsService
from telegram_frontend.services.admin.system_config import ConfigService
from telegram_frontend.services.admin.users import AlreadyDecided, UserService
from tests.e2e.crafted_presses import press_any
from tests.e2e.harness import ADMIN_ID, RunningFrontend, running_frontend, text_of, wait_for

REMOVED_ADMIN, TRADER_THEN_ADMIN = 5001, 5002
ADMIN = Actor(role=Role.ADMIN, user_id=ADMIN_ID, name="admin")


async def role_of(app: RunningFrontend, user_id: int) -> str | None:
    users = await app.frontend.container.get(UserService)
    user = await users.get(user_id)
    return user.role if user else None


async def role_audit(app: RunningFrontend) -> list[AuditLog]:
    db = await app.frontend.container.get(Database)
    async with db.session() as session:
        query = select(AuditLog).where(AuditLog.action == "user.role").order_by(AuditLog.id)
        return list(await session.scalars(query))


async def test_ids_removed_from_admin_user_ids_lose_admin_at_the_next_start(
    settings_env: dict[str, str],
) -> None:
    async with running_frontend(settings_env) as app:
        await app.user_with_role(TRADER_THEN_ADMIN, Role.TRADER)
    configured = f"{ADMIN_ID},{REMOVED_ADMIN},{TRADER_THEN_ADMIN}"
    async with running_frontend({**settings_env, "ADMIN_USER_IDS": configured}) as app:
        for user_id in (REMOVED_ADMIN, TRADER_THEN_ADMIN):
            await app.chat(user_id).send("/start")
            assert await role_of(app, user_id) == Role.ADMIN.value
    async with running_frontend(settings_env) as app:
        assert await role_of(app, REMOVED_ADMIN) == Role.VIEWER.value
        assert await role_of(app, TRADER_THEN_ADMIN) == Role.TRADER.value  # what an admin gave
        await app.client.register_chat(REMOVED_ADMIN)
        answer = text_of(await app.chat(REMOVED_ADMIN).send("/users"))
        assert "admin" in answer.lower()
        assert str(TRADER_THEN_ADMIN) not in answer  # no user list for a former admin
        demotions = [
            r for r in await role_audit(app) if r.details.get("reason") == "not in ADMIN_USER_IDS"
        ]
        assert {(r.target, r.details["to"]) for r in demotions} == {
            (f"user:{REMOVED_ADMIN}", "viewer"),
            (f"user:{TRADER_THEN_ADMIN}", "trader"),
        }
        assert all(r.actor == "system:config" for r in demotions)


async def test_with_admin_user_ids_emptied_the_last_admin_stays(
    settings_env: dict[str, str],
) -> None:
    async with running_frontend(settings_env) as app:
        await app.admin()
    async with running_frontend({**settings_env, "ADMIN_USER_IDS": ""}) as app:
        assert await role_of(app, ADMIN_ID) == Role.ADMIN.value


async def test_an_access_request_is_decided_once(settings_env: dict[str, str]) -> None:
    async with running_frontend(settings_env) as app:
        users = await app.frontend.container.get(UserService)
        await app.user_with_role(5003, Role.PENDING, "Applicant")
        first = await users.decide_request(ADMIN, 5003, Role.VIEWER)
        assert first.role == Role.VIEWER.value
        with pytest.raises(AlreadyDecided, match="already decided: the user is viewer"):
            await users.decide_request(ADMIN, 5003, Role.TRADER)
        assert await role_of(app, 5003) == Role.VIEWER.value


async def test_a_stale_access_button_on_another_admins_copy_does_nothing(
    settings_env: dict[str, str],
) -> None:
    second_admin = 1001
    env = {**settings_env, "ADMIN_USER_IDS": f"{ADMIN_ID},{second_admin}"}
    async with running_frontend(env) as app:
        first = await app.admin()
        second = await app.user_with_role(second_admin, Role.ADMIN, "Second")
        stranger = app.chat(5004, "Eve\u202egnp.exe\x07", "eve")
        await stranger.send("/start")
        for admin_id in (ADMIN_ID, second_admin):

            async def announced(admin_id: int = admin_id) -> bool:
                messages = await app.client.messages(admin_id)
                return any(m.from_bot and m.reply_markup for m in messages)

            await wait_for(announced, what="the request with its buttons")  # batched, via outbox
        texts = text_of(await app.client.messages(ADMIN_ID))
        assert "Evegnp.exe" in texts and "\u202e" not in texts and "\x07" not in texts
        approved = await first.press("Approve as viewer")
        assert "approved as viewer" in (approved.edited.text if approved.edited else "")
        stale = await second.press("Approve as trader")
        assert "already decided" in (stale.answer.text or "")
        assert await role_of(app, 5004) == Role.VIEWER.value
        assert stale.edited is not None and not stale.edited.reply_markup


async def test_a_role_change_asks_for_the_admins_totp_code_when_required(
    settings_env: dict[str, str],
) -> None:
    env = {**settings_env, "SECRET_KEY": "roles-test-secret-key-0123456789-abcdefgh"}
    async with running_frontend(env) as app:
        admin = await app.admin()
        await app.user_with_role(5010, Role.VIEWER, "Target")
        container = app.frontend.container
        credentials = await container.get(CredentialsService)
        setup = await credentials.begin_totp(ADMIN)
        totp = pyotp.TOTP(setup.secret)
        await credentials.confirm_totp(ADMIN, totp.now())
        await (await container.get(ConfigService)).set(ADMIN, "security.totp_for_actions", "on")
        [users_screen] = await admin.send("/users")
        data = RoleChange(user_id=5010, role=Role.TRADER.value).pack()
        await press_any(app.emulator.base_url, ADMIN_ID, users_screen.message_id, data)

        async def prompted() -> bool:
            texts = text_of(await app.client.messages(ADMIN_ID))
            return "Two-factor is required" in texts

        await wait_for(prompted, what="the TOTP prompt")
        [wrong] = await admin.send("000000")
        assert "not valid" in (wrong.text or "") and await role_of(app, 5010) == "viewer"
        await press_any(app.emulator.base_url, ADMIN_ID, users_screen.message_id, data)
        await asyncio.sleep(0.5)
        await admin.send(totp.at(time.time() + totp.interval))
        assert await role_of(app, 5010) == Role.TRADER.value
