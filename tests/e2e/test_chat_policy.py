"""Private chats by default (security review finding 1: in a group every member saw a trader's
portfolio, the /panic code and a TOTP secret with its setup link)."""

from __future__ import annotations

import asyncio

import httpx

from telegram_frontend.core.access import Actor, Role
from telegram_frontend.services.admin.chat_policy import ChatPolicy
from tests.e2e.harness import ADMIN_ID, World, wait_for

GROUP = -1_001_777
TRADER = 71_201
ADMIN = Actor(role=Role.ADMIN, user_id=ADMIN_ID, name="admin")


async def group_texts(world: World, expect: int = 1) -> list[str]:
    """The bot's messages in the group once `expect` arrived, plus any extra that follows."""

    async def texts() -> list[str]:
        messages = await world.app.client.messages(GROUP)
        return [m.text or m.caption or "" for m in messages if m.from_bot]

    async def arrived() -> bool:
        return len(await texts()) >= expect

    await wait_for(arrived, timeout=15, what=f"{expect} bot message(s) in the group")
    await asyncio.sleep(0.6)  # anything the bot should not have said would come now
    return await texts()


async def test_a_group_gets_one_short_answer_and_nothing_secret(world: World) -> None:
    await world.app.user_with_role(TRADER, Role.TRADER)
    await world.app.client.register_chat(GROUP, chat_type="supergroup", title="Desk")
    before = len(await world.app.client.messages(TRADER))
    for command in ("/portfolio", "/panic", "/config", "/orders", "/help", "/status"):
        await world.app.client.send_message(TRADER, command, chat_id=GROUP, first_name="T")
    texts = await group_texts(world)
    assert len(texts) == 1, texts
    assert "private chat" in texts[0]
    assert len(await world.app.client.messages(TRADER)) == before  # nothing sent elsewhere


async def test_an_allowed_group_sees_monitoring_screens_but_no_account_or_secrets(
    world: World,
) -> None:
    await world.app.user_with_role(TRADER, Role.TRADER)
    await world.app.client.register_chat(GROUP, chat_type="supergroup", title="Desk")
    policy = await world.app.frontend.container.get(ChatPolicy)
    await policy.allow(ADMIN, GROUP)
    await world.app.client.send_message(TRADER, "/status", chat_id=GROUP, first_name="T")
    shown = await group_texts(world)
    assert len(shown) == 1 and "private chat" not in shown[0]
    for command in ("/portfolio", "/panic", "/config"):
        await world.app.client.send_message(TRADER, command, chat_id=GROUP, first_name="T")
    texts = await group_texts(world, expect=2)
    assert len(texts) == 2 and "private chat" in texts[1]
    assert "USDT" not in "\n".join(texts)


async def test_a_button_pressed_in_a_group_is_refused_briefly_and_does_nothing(
    world: World,
) -> None:
    await world.app.user_with_role(TRADER, Role.TRADER)
    await world.app.client.register_chat(GROUP, chat_type="supergroup", title="Desk")
    await world.app.client.send_message(TRADER, "/status", chat_id=GROUP, first_name="T")
    assert len(await group_texts(world)) == 1
    [refusal] = [m for m in await world.app.client.messages(GROUP) if m.from_bot]
    async with httpx.AsyncClient(base_url=world.app.emulator.base_url) as http:
        pressed = await http.post(  # a crafted press: callback data that is not on the message
            f"/sandbox/users/{TRADER}/callbacks",
            json={
                "message_id": refusal.message_id,
                "chat_id": GROUP,
                "data": "ord:c:1:tok",
                "force": True,
            },
        )
    pressed.raise_for_status()
    query_id = pressed.json()["callback_query_id"]
    answer = await world.app.client.wait_for_callback_answer(query_id)
    assert "private chats only" in (answer.text or "")
    assert len(await group_texts(world)) == 1  # nothing new in the group
