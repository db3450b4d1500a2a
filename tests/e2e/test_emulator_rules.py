"""Telegram's content rules as the real aiogram Bot meets them through the emulator.

Every refusal is asserted on the exception class aiogram raises and on Telegram's own text, since
that is what our error handling and the notification dispatcher will see in production.
"""

from __future__ import annotations

import httpx
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods.base import TelegramMethod
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)

from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.sandbox.telegram.emulator_client import EmulatorClient

from .emulator_fixtures import TOKEN, USER_ID, bot, emulator, make_bot, png_bytes, users

__all__ = ["bot", "emulator", "users"]

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(buttons)])


async def known_chat(users: EmulatorClient, user_id: int = USER_ID) -> int:
    """A private chat Telegram knows because the user wrote to the bot first."""
    await users.send_message(user_id, "/start")
    return user_id


async def test_text_of_4096_units_is_sent_and_4097_is_too_long(
    bot: Bot, users: EmulatorClient
) -> None:
    chat_id = await known_chat(users)
    sent = await bot.send_message(chat_id, "x" * 4096)
    assert len(sent.text or "") == 4096
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(chat_id, "x" * 4097)
    assert refused.value.message == "Bad Request: message is too long"


async def test_length_is_counted_after_html_parsing(bot: Bot, users: EmulatorClient) -> None:
    chat_id = await known_chat(users)
    html = "<b>" + "a" * 4000 + "</b>" + "&lt;" * 96
    sent = await bot.send_message(chat_id, html, parse_mode="HTML")
    assert sent.text == "a" * 4000 + "<" * 96
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [("bold", 0, 4000)]
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(chat_id, html + "&amp;", parse_mode="HTML")


async def test_emoji_count_as_two_utf16_units(bot: Bot, users: EmulatorClient) -> None:
    chat_id = await known_chat(users)
    await bot.send_message(chat_id, "😀" * 2048)
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(chat_id, "😀" * 2048 + "a")
    assert refused.value.message == "Bad Request: message is too long"


@pytest.mark.parametrize(
    ("text", "parse_mode"), [("", None), ("  \n ", None), ("<b></b>", "HTML"), ("<i> </i>", "HTML")]
)
async def test_empty_text_is_refused(
    bot: Bot, users: EmulatorClient, text: str, parse_mode: str | None
) -> None:
    chat_id = await known_chat(users)
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(chat_id, text, parse_mode=parse_mode)
    assert refused.value.message == "Bad Request: message text is empty"


async def test_caption_over_1024_units_is_refused(bot: Bot, users: EmulatorClient) -> None:
    chat_id = await known_chat(users)
    photo = png_bytes(4, 4)
    sent = await bot.send_photo(chat_id, BufferedInputFile(photo, "a.png"), caption="c" * 1024)
    assert sent.caption == "c" * 1024
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_photo(chat_id, BufferedInputFile(photo, "b.png"), caption="c" * 1025)
    assert refused.value.message == "Bad Request: message caption is too long"


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        (
            "<b>bold <i>both</i></b> <u>u</u>",
            "bold both u",
            [("bold", 0, 9, None), ("italic", 5, 4, None), ("underline", 10, 1, None)],
        ),
        (
            '<a href="https://example.org/?a=1&amp;b=2">link</a>',
            "link",
            [("text_link", 0, 4, "https://example.org/?a=1&b=2")],
        ),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "x = 1",
            [("pre", 0, 5, "python")],
        ),
        ("<code>c</code> <pre>p</pre>", "c p", [("code", 0, 1, None), ("pre", 2, 1, None)]),
        (
            '<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">t</span>',
            "st",
            [("spoiler", 0, 1, None), ("spoiler", 1, 1, None)],
        ),
        (
            "<blockquote expandable>q</blockquote><blockquote>r</blockquote>",
            "qr",
            [("expandable_blockquote", 0, 1, None), ("blockquote", 1, 1, None)],
        ),
        (
            "<s>a</s><strike>b</strike><del>c</del><em>d</em><ins>e</ins><strong>f</strong>",
            "abcdef",
            [
                ("strikethrough", 0, 1, None),
                ("strikethrough", 1, 1, None),
                ("strikethrough", 2, 1, None),
                ("italic", 3, 1, None),
                ("underline", 4, 1, None),
                ("bold", 5, 1, None),
            ],
        ),
        ("&lt;&gt;&amp;&quot;&#123;&#x1F600;<b>!</b>", '<>&"{😀!', [("bold", 7, 1, None)]),
    ],
)
async def test_html_telegram_accepts_is_stored_as_plain_text_and_entities(
    bot: Bot, users: EmulatorClient, html: str, text: str, entities: list[tuple[object, ...]]
) -> None:
    chat_id = await known_chat(users)
    sent = await bot.send_message(chat_id, html, parse_mode="HTML")
    seen = [(e.type, e.offset, e.length, e.url or e.language) for e in sent.entities or []]
    assert (sent.text, seen) == (text, entities)
    stored = (await users.messages(chat_id))[-1]
    assert (stored.text, stored.raw, stored.parse_mode) == (text, html, "HTML")
    assert [(e["type"], e["offset"], e["length"]) for e in stored.entities] == [
        entity[:3] for entity in entities
    ]


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>bold</i>", 'Unmatched end tag at byte offset 7, expected "</b>", found "</i>"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("é<br>", 'Unsupported start tag "br" at byte offset 2'),
        ("text</b>", "Unexpected end tag at byte offset 4"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("a &nbsp; b", 'Unsupported HTML entity "&nbsp;" at byte offset 2'),
        ("Q&A", 'Unsupported HTML entity "&A" at byte offset 1'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ],
)
async def test_html_telegram_cannot_parse_is_refused_with_its_reason(
    bot: Bot, users: EmulatorClient, html: str, reason: str
) -> None:
    chat_id = await known_chat(users)
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(chat_id, html, parse_mode="HTML")
    assert refused.value.message == f"Bad Request: can't parse entities: {reason}"
    assert [m.from_bot for m in await users.messages(chat_id)] == [False]


async def test_callback_data_over_64_bytes_is_refused(bot: Bot, users: EmulatorClient) -> None:
    chat_id = await known_chat(users)
    ok = await bot.send_message(
        chat_id, "ok", reply_markup=keyboard(InlineKeyboardButton(text="a", callback_data="d" * 64))
    )
    assert ok.reply_markup is not None
    for data in ("d" * 65, "é" * 33):
        markup = keyboard(InlineKeyboardButton(text="b", callback_data=data))
        with pytest.raises(TelegramBadRequest) as refused:
            await bot.send_message(chat_id, "too long", reply_markup=markup)
        assert refused.value.message == "Bad Request: BUTTON_DATA_INVALID"


@pytest.mark.parametrize(
    ("button", "reason"),
    [
        (InlineKeyboardButton(text="u", url="ftp://x.org"), "BUTTON_URL_INVALID"),
        (InlineKeyboardButton(text="u", url="not a url"), "BUTTON_URL_INVALID"),
        (
            InlineKeyboardButton(text="t"),
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ),
        (
            InlineKeyboardButton(text="two", url="https://x.org", callback_data="x"),
            "can't parse inline keyboard button: Exactly one of the optional fields must be used "
            "to specify type of the button, got url, callback_data",
        ),
    ],
)
async def test_inline_button_needs_exactly_one_valid_action(
    bot: Bot, users: EmulatorClient, button: InlineKeyboardButton, reason: str
) -> None:
    chat_id = await known_chat(users)
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(chat_id, "buttons", reply_markup=keyboard(button))
    assert refused.value.message == f"Bad Request: {reason}"


async def test_editing_to_identical_content_is_not_modified(
    bot: Bot, users: EmulatorClient
) -> None:
    chat_id = await known_chat(users)
    markup = keyboard(InlineKeyboardButton(text="Refresh", callback_data="refresh"))
    sent = await bot.send_message(chat_id, "<b>Price</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(TelegramBadRequest) as same_text:
        await bot.edit_message_text(
            text="<b>Price</b>",
            chat_id=chat_id,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=markup,
        )
    with pytest.raises(TelegramBadRequest) as same_markup:
        await bot.edit_message_reply_markup(
            chat_id=chat_id, message_id=sent.message_id, reply_markup=markup
        )
    assert same_text.value.message == same_markup.value.message == NOT_MODIFIED
    edited = await bot.edit_message_text(
        text="<b>Price</b> 2", chat_id=chat_id, message_id=sent.message_id, parse_mode="HTML"
    )
    assert not isinstance(edited, bool)
    assert (edited.text, edited.reply_markup) == ("Price 2", None)
    stored = (await users.messages(chat_id))[-1]
    assert (stored.text, stored.edited, stored.reply_markup) == ("Price 2", True, None)


async def test_editing_or_deleting_an_unknown_message_is_refused(
    bot: Bot, users: EmulatorClient
) -> None:
    chat_id = await known_chat(users)
    with pytest.raises(TelegramBadRequest) as edit:
        await bot.edit_message_text(text="new", chat_id=chat_id, message_id=999)
    with pytest.raises(TelegramBadRequest) as delete:
        await bot.delete_message(chat_id, 999)
    assert edit.value.message == "Bad Request: message to edit not found"
    assert delete.value.message == "Bad Request: message to delete not found"


async def test_deleted_message_leaves_the_chat_and_cannot_be_edited(
    bot: Bot, users: EmulatorClient
) -> None:
    chat_id = await known_chat(users)
    sent = await bot.send_message(chat_id, "soon gone")
    assert await bot.delete_message(chat_id, sent.message_id) is True
    assert [m.text for m in await users.messages(chat_id)] == ["/start"]
    shown = await users.messages(chat_id, include_deleted=True)
    assert [(m.text, m.deleted) for m in shown] == [("/start", False), ("soon gone", True)]
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="back", chat_id=chat_id, message_id=sent.message_id)


async def test_replying_to_a_missing_message_is_refused(bot: Bot, users: EmulatorClient) -> None:
    injected = await users.send_message(USER_ID, "hello")
    reply = await bot.send_message(
        USER_ID, "hi", reply_parameters=ReplyParameters(message_id=injected.message_id)
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "hello"
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(USER_ID, "hi", reply_parameters=ReplyParameters(message_id=77))
    assert refused.value.message == "Bad Request: message to be replied not found"


async def test_unknown_chat_is_not_found_until_known(bot: Bot, users: EmulatorClient) -> None:
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(555, "hello")
    assert refused.value.message == "Bad Request: chat not found"
    await users.register_chat(-1001234567890, title="Traders")
    sent = await bot.send_message(-1001234567890, "hello group")
    assert (sent.chat.type, sent.chat.title) == ("supergroup", "Traders")


async def test_blocked_user_answers_forbidden_until_unblocked(
    bot: Bot, users: EmulatorClient
) -> None:
    chat_id = await known_chat(users)
    await users.block(USER_ID)
    with pytest.raises(TelegramForbiddenError) as refused:
        await bot.send_message(chat_id, "are you there?")
    assert refused.value.message == "Forbidden: bot was blocked by the user"
    await users.unblock(USER_ID)
    assert (await bot.send_message(chat_id, "welcome back")).text == "welcome back"
    kinds = [next(k for k in u if k != "update_id") for u in await users.pending_updates()]
    assert kinds == ["message", "my_chat_member", "my_chat_member"]


async def test_private_chat_flood_answers_429_with_retry_after(
    bot: Bot, users: EmulatorClient
) -> None:
    chat_id = await known_chat(users)
    for n in range(3):
        await bot.send_message(chat_id, f"burst {n}")
    with pytest.raises(TelegramRetryAfter) as flood:
        await bot.send_message(chat_id, "one too many")
    assert flood.value.retry_after >= 1
    original = f"Original description: Too Many Requests: retry after {flood.value.retry_after}"
    assert flood.value.message.endswith(original)
    assert (await users.stats()).flood_429 == 1
    other = await known_chat(users, USER_ID + 1)
    assert (await bot.send_message(other, "another chat is fine")).chat.id == other


async def test_group_flood_limit_is_per_minute_and_configurable(
    bot: Bot, users: EmulatorClient
) -> None:
    await users.register_chat(-42, title="Desk")
    await users.set_limits(per_group_per_min=2)
    await bot.send_message(-42, "one")
    await bot.send_message(-42, "two")
    with pytest.raises(TelegramRetryAfter) as flood:
        await bot.send_message(-42, "three")
    assert flood.value.retry_after == 30


async def test_global_flood_limit_spans_chats_and_can_be_disabled(
    bot: Bot, users: EmulatorClient
) -> None:
    chats = [await known_chat(users, USER_ID + n) for n in range(3)]
    await users.set_limits(global_per_s=2)
    await bot.send_message(chats[0], "a")
    await bot.send_message(chats[1], "b")
    with pytest.raises(TelegramRetryAfter) as flood:
        await bot.send_message(chats[2], "c")
    assert flood.value.retry_after == 1
    await users.set_limits(enabled=False)
    for n in range(10):
        await bot.send_message(chats[2], f"unlimited {n}")


async def test_wrong_token_is_unauthorized(
    emulator: TelegramEmulator, users: EmulatorClient
) -> None:
    stranger = make_bot(emulator, "42:not-a-real-token")
    try:
        with pytest.raises(TelegramUnauthorizedError) as refused:
            await stranger.get_me()
    finally:
        await stranger.session.close()
    assert refused.value.message == "Unauthorized"
    assert (await users.stats()).errors_by_code == {"401": 1}


async def test_explicit_token_list_refuses_other_tokens() -> None:
    async with TelegramEmulator(tokens={TOKEN}) as server:
        other = make_bot(server, "987654321:" + "B" * 35)
        mine = make_bot(server)
        try:
            assert (await mine.get_me()).id == 123456789
            with pytest.raises(TelegramUnauthorizedError):
                await other.get_me()
        finally:
            await other.session.close()
            await mine.session.close()


class GetNothing(TelegramMethod[bool]):
    """A method Telegram does not have."""

    __returning__ = bool
    __api_method__ = "getNothing"


async def test_unknown_method_is_not_found(bot: Bot) -> None:
    with pytest.raises(TelegramNotFound) as refused:
        await bot(GetNothing())
    assert refused.value.message == "Not Found"


async def test_method_names_are_case_insensitive_and_json_bodies_accepted(
    emulator: TelegramEmulator, users: EmulatorClient
) -> None:
    chat_id = await known_chat(users)
    async with httpx.AsyncClient(base_url=emulator.base_url) as http:
        sent = await http.post(f"/bot{TOKEN}/SENDMESSAGE", json={"chat_id": chat_id, "text": "hi"})
        me = await http.get(f"/bot{TOKEN}/getme")
    assert sent.json()["result"]["text"] == "hi"
    assert me.json() == {
        "ok": True,
        "result": {
            "id": 123456789,
            "is_bot": True,
            "first_name": "Sandbox Bot",
            "username": "sandbox123456789_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        },
    }


async def test_chat_action_is_checked_like_a_message(bot: Bot, users: EmulatorClient) -> None:
    chat_id = await known_chat(users)
    assert await bot.send_chat_action(chat_id, "upload_photo")
    with pytest.raises(TelegramBadRequest) as wrong:
        await bot.send_chat_action(chat_id, "dancing")
    assert wrong.value.message == "Bad Request: wrong parameter action in request"
    await users.block(USER_ID)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(chat_id, "typing")


async def test_harmless_methods_aiogram_may_call_succeed(bot: Bot) -> None:
    assert await bot.set_chat_menu_button()
    assert (await bot.get_chat_menu_button()).type == "commands"
    assert await bot.set_my_description("Trading assistant")
    assert await bot.log_out()
    assert await bot.close()
