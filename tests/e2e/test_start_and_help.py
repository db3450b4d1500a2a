"""/start and /help through the emulator: exact replies per role; strangers get nothing else."""

from __future__ import annotations

from telegram_frontend.core.access import Role
from telegram_frontend.services.admin.users import UserService
from tests.e2e.harness import ADMIN_ID, RunningFrontend, text_of

PENDING_REPLY = (
    "Your access request has been sent to the administrators.\n"
    "You will get a message here as soon as it is decided."
)


async def test_stranger_start_becomes_an_access_request_the_admin_can_approve(
    app: RunningFrontend,
) -> None:
    admin = await app.admin()
    stranger = app.chat(555, "Eve <script>", "eve_1")
    replies = await stranger.send("/start")
    assert text_of(replies) == PENDING_REPLY
    requests = await app.client.wait_for_bot_messages(ADMIN_ID)
    assert "Access request from Eve <script> @eve_1 (id 555)" in text_of(requests)
    assert [b["text"] for row in requests[-1].buttons for b in row] == [
        "Approve as viewer",
        "Approve as trader",
        "Reject",
    ]
    result = await admin.press("Approve as trader")
    assert result.answer.text == "User approved as trader."
    assert result.edited is not None
    assert "approved as trader" in (result.edited.text or "")
    told = await app.client.wait_for_bot_messages(555, after_message_id=replies[-1].message_id)
    assert "Your access was approved: you are a trader" in text_of(told)
    again = await stranger.send("/start")
    assert "signed in as trader" in text_of(again)


async def test_stranger_gets_only_the_registration_answer(app: RunningFrontend) -> None:
    stranger = app.chat(556, "Mallory")
    assert (
        text_of(await stranger.send("/help")) == "Send /start to ask an administrator for access."
    )
    assert "no access" in text_of(await stranger.send("/status")).lower()
    await stranger.send("/start")
    assert "no access" in text_of(await stranger.send("/whatever")).lower()


async def test_help_lists_exactly_the_commands_of_the_role(app: RunningFrontend) -> None:
    viewer = await app.user_with_role(601, Role.VIEWER)
    admin = await app.admin()
    viewer_help = text_of(await viewer.send("/help"))
    admin_help = text_of(await admin.send("/help"))
    assert viewer_help.startswith("Commands you can use\n/start — Welcome and what to do next\n")
    assert "/help — The commands you can use" in viewer_help
    assert "Your role: viewer" in viewer_help
    assert "Your role: admin" in admin_help


async def test_start_welcomes_a_known_user_by_role(app: RunningFrontend) -> None:
    viewer = await app.user_with_role(602, Role.VIEWER, "Vic")
    reply = text_of(await viewer.send("/start"))
    assert reply.startswith("Welcome, Vic! You are signed in as viewer.")


async def test_a_russian_user_is_answered_in_russian(app: RunningFrontend) -> None:
    viewer = await app.user_with_role(603, Role.VIEWER, "Иван")
    users = await app.frontend.container.get(UserService)
    await users.set_preferences(603, language="ru")
    reply = text_of(await viewer.send("/help"))
    assert reply.startswith("Доступные вам команды\n/start — Приветствие и что делать дальше")
    assert "Ваша роль: viewer" in reply


async def test_a_strangers_telegram_language_is_used_before_registration(
    app: RunningFrontend,
) -> None:
    injected = await app.client.send_message(557, "/help", language_code="ru")
    replies = await app.client.wait_for_bot_messages(557, after_message_id=injected.message_id)
    assert text_of(replies) == "Отправьте /start, чтобы запросить доступ у администратора."


async def test_a_refusal_uses_the_language_the_user_chose(app: RunningFrontend) -> None:
    viewer = await app.user_with_role(604, Role.VIEWER)
    users = await app.frontend.container.get(UserService)
    await users.set_preferences(604, language="ru")
    injected = await app.client.send_message(604, "/users", language_code="en")
    replies = await app.client.wait_for_bot_messages(604, after_message_id=injected.message_id)
    assert text_of(replies) == "Для этого нужна роль admin; ваша роль — viewer."
    assert viewer.user_id == 604
