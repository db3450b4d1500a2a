"""Nothing a user sends meets silence: plain text, a photo and an edited command each get a word."""

from __future__ import annotations

from telegram_frontend.core.access import Role
from tests.e2e.harness import RunningFrontend, text_of


async def test_plain_text_is_answered_with_how_to_talk_to_the_bot(app: RunningFrontend) -> None:
    viewer = await app.user_with_role(72001, Role.VIEWER)
    assert text_of(await viewer.send("hello")) == (
        "I understand commands: send /help for the list."
    )


async def test_a_stranger_typing_text_learns_how_to_ask_for_access(app: RunningFrontend) -> None:
    stranger = await app.client.send_message(72009, "hello", first_name="Stranger")
    [answer] = await app.client.wait_for_bot_messages(
        72009, after_message_id=stranger.message_id, count=1
    )
    assert answer.text == "You have no access to this bot yet. Send /start to ask for access."


async def test_a_photo_is_answered(app: RunningFrontend) -> None:
    await app.user_with_role(72002, Role.VIEWER)
    sent = await app.client.send_photo(72002)
    [answer] = await app.client.wait_for_bot_messages(
        72002, after_message_id=sent.message_id, count=1
    )
    assert answer.text == "I read only text commands: send /help for the list."


async def test_an_edited_command_is_answered_not_ignored(app: RunningFrontend) -> None:
    viewer = await app.user_with_role(72003, Role.VIEWER)
    await viewer.send("/help")
    before = len([m for m in await app.client.messages(72003) if m.from_bot])
    last_user_message = max(
        m.message_id for m in await app.client.messages(72003) if not m.from_bot
    )
    await app.client.edit_message(72003, last_user_message, "/start")
    replies = await app.client.wait_for_bot_messages(72003, count=before + 1)
    assert replies[-1].text == (
        "Edited messages are not read: send the command again as a new message."
    )
