"""/users and /audit through the emulator: a paginated user list, an access request approved
after a confirmation (the user is told), configured admins that cannot be demoted, blocking that
takes effect at once, replayed confirmations refused, and the audit log in the admin's time zone.
Only admins get any of it."""

from __future__ import annotations

import pytest

from telegram_frontend.bot.features.admin.callbacks import RoleChange
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.users import UserService
from tests.e2e.account_helpers import audit_rows, button_texts, press_crafted
from tests.e2e.harness import ADMIN_ID, RunningFrontend, text_of


@pytest.fixture
def settings_env(settings_env: dict[str, str]) -> dict[str, str]:
    """A roomy per-user rate limit: these tests talk a lot within one minute."""
    return {**settings_env, "RATE_LIMIT_PER_MINUTE": "1000"}


async def test_admin_approves_an_access_request_after_confirming(app: RunningFrontend) -> None:
    admin = await app.admin()
    stranger = app.chat(71401, "Nina <Newcomer>", "nina")
    await stranger.send("/start")
    [listing] = await admin.send("/users")
    assert "1 waiting for approval." in (listing.text or "")
    assert "71401 Nina <Newcomer> @nina — pending" in (listing.text or "")

    card = await admin.press("Nina <Newcomer> @nina · pending")
    assert card.edited is not None and card.edited.message_id == listing.message_id
    assert button_texts(card.edited) == [
        "Approve as viewer",
        "Approve as trader",
        "Block",
        "« All users",
    ]
    asked = await admin.press("Approve as trader")
    [question] = asked.new_messages
    assert "Change the role of Nina <Newcomer> @nina from pending to trader?" in (
        question.text or ""
    )
    users = await app.frontend.container.get(UserService)
    pending = await users.get(71401)
    assert pending is not None and pending.role == "pending"  # not before the confirmation

    confirm = question.button_data("✅ Confirm")
    done = await admin.press("✅ Confirm")
    assert done.edited is not None
    assert done.edited.text == "✅ Nina <Newcomer> @nina is now trader."
    told = await app.client.wait_for_bot_messages(71401, count=2)
    assert "Your role is now trader." in text_of(told)
    approved = await users.get(71401)
    assert approved is not None and approved.role == "trader"

    replayed = await press_crafted(app, admin, question, confirm)
    assert replayed.text == "This confirmation expired. Please start the action again."
    [row] = [r for r in await audit_rows(app, "user.role") if r.target == "user:71401"]
    assert (row.actor, row.target, row.details) == (
        f"tg:{ADMIN_ID}",
        "user:71401",
        {"from": "pending", "to": "trader"},
    )


async def test_configured_admins_cannot_be_demoted_and_blocking_takes_effect(
    app: RunningFrontend,
) -> None:
    admin = await app.admin()
    trader = await app.user_with_role(71402, Role.TRADER, "Tina")
    [listing] = await admin.send("/users")

    own = await admin.press("Admin @user1000 · admin")
    assert own.edited is not None
    assert "Admin by configuration (ADMIN_USER_IDS)" in (own.edited.text or "")
    assert button_texts(own.edited) == ["« All users"]
    forged = await press_crafted(
        app, admin, own.edited, RoleChange(user_id=ADMIN_ID, role="viewer").pack()
    )
    assert forged.text == "This user is an admin by configuration (ADMIN_USER_IDS)."

    await admin.press("« All users")
    await admin.press("Tina @user71402 · trader")
    await admin.press("Block")
    await admin.press("✅ Confirm")
    assert text_of(await trader.send("/orders")) == "You have no access to this bot."
    users = await app.frontend.container.get(UserService)
    blocked = await users.get(71402)
    assert blocked is not None and blocked.role == "blocked"
    assert listing.text is not None


async def test_user_list_pages_in_place(app: RunningFrontend) -> None:
    admin = await app.admin()
    users = await app.frontend.container.get(UserService)
    for n in range(10):
        await users.register(71410 + n, f"member{n}", f"Member {n}")
    [listing] = await admin.send("/users")
    assert "page 1 of 2" in (listing.text or "")
    turned = await admin.press("Next ▶")
    assert turned.edited is not None and turned.edited.message_id == listing.message_id
    assert "page 2 of 2" in (turned.edited.text or "")
    both = (listing.text or "") + (turned.edited.text or "")
    assert all(f"Member {n}" in both for n in range(10))


async def test_audit_log_pages_in_the_admins_time_zone_and_is_admin_only(
    app: RunningFrontend,
) -> None:
    admin = await app.admin()
    viewer = await app.user_with_role(71403, Role.VIEWER)
    users = await app.frontend.container.get(UserService)
    await users.set_preferences(ADMIN_ID, timezone="Asia/Tokyo")
    audit = await app.frontend.container.get(AuditService)
    actor = Actor(role=Role.TRADER, user_id=71403, name="v")
    for n in range(12):
        await audit.record(actor, "order.cancel", f"BTCUSDT#{n}", "failed", {"reason": "<gone>"})

    [page] = await admin.send("/audit")
    text = page.text or ""
    assert "Audit log · page 1 · Asia/Tokyo" in text
    assert "JST · User @user71403 · order.cancel BTCUSDT#11 → failed" in text
    assert "<gone>" in text
    turned = await admin.press("Next ▶")
    assert turned.edited is not None and "page 2" in (turned.edited.text or "")
    assert "BTCUSDT#0 → failed" in (turned.edited.text or "")

    assert text_of(await viewer.send("/audit")) == "This needs the admin role; you are viewer."
    assert text_of(await viewer.send("/users")) == "This needs the admin role; you are viewer."


async def test_a_cancelled_role_change_does_nothing_and_cannot_be_replayed(
    app: RunningFrontend,
) -> None:
    admin = await app.admin()
    await app.chat(71404, "Pia", "pia").send("/start")
    await admin.send("/users")
    await admin.press("Pia @pia · pending")
    [question] = (await admin.press("Approve as viewer")).new_messages
    confirm = question.button_data("✅ Confirm")
    cancel = question.button_data("✖️ Cancel")

    cancelled = await admin.press("✖️ Cancel")
    assert cancelled.answer.text == "Cancelled"
    assert cancelled.edited is not None
    assert cancelled.edited.text == "Cancelled; nothing was changed."
    for replayed in (confirm, cancel):  # the token is gone: neither button acts any more
        refused = await press_crafted(app, admin, question, replayed)
        assert refused.text == "This confirmation expired. Please start the action again."
        assert refused.show_alert is True
    users = await app.frontend.container.get(UserService)
    pia = await users.get(71404)
    assert pia is not None and pia.role == "pending"
    assert [r for r in await audit_rows(app, "user.role") if r.target == "user:71404"] == []
