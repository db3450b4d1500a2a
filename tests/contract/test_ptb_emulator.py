"""The Bot API emulator driven by python-telegram-bot, a client nobody here wrote.

Every Bot API call our code makes is exercised, and each assertion is what Telegram's Bot API
documentation (or Telegram's own answer texts) says the real server does.
"""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, InvalidToken

from telegram_frontend.sandbox.telegram.emulator import TelegramEmulator
from telegram_frontend.sandbox.telegram.emulator_client import EmulatorClient

TOKEN = "4242424:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"
OTHER_TOKEN = "5353535:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaww"
STRANGER_TOKEN = "6464646:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawz"
USER = 2001


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    """Telegram's defaults: only the configured tokens, HTTPS webhooks only."""
    async with TelegramEmulator(tokens=[TOKEN, OTHER_TOKEN]) as server:
        yield server


def ptb_bot(emulator: TelegramEmulator, token: str = TOKEN) -> Bot:
    return Bot(
        token,
        base_url=f"{emulator.base_url}/bot",
        base_file_url=f"{emulator.base_url}/file/bot",
    )


@pytest.fixture
async def bot(emulator: TelegramEmulator) -> AsyncIterator[Bot]:
    async with ptb_bot(emulator) as instance:
        yield instance


@pytest.fixture
async def users(emulator: TelegramEmulator) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(emulator.base_url) as client:
        yield client


def png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = (b"\x00" + b"\x00\x80\xff" * width) * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# -- identity and tokens -----------------------------------------------------------------------


async def test_get_me_names_the_bot_of_the_token(bot: Bot) -> None:
    me = await bot.get_me()

    assert me.id == 4242424
    assert me.is_bot is True


async def test_an_unconfigured_token_is_unauthorized(emulator: TelegramEmulator) -> None:
    with pytest.raises(InvalidToken):
        await ptb_bot(emulator, STRANGER_TOKEN).get_me()
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{emulator.base_url}/bot{STRANGER_TOKEN}/getMe")

    assert answer.status_code == 401
    assert answer.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_a_second_bot_has_its_own_updates_chats_and_message_ids(
    emulator: TelegramEmulator, bot: Bot, users: EmulatorClient
) -> None:
    await users.send_message(USER, "/help")
    async with ptb_bot(emulator, OTHER_TOKEN) as other:
        others_updates = await other.get_updates(timeout=0)
        with pytest.raises(BadRequest) as unknown_chat:
            await other.send_message(USER, "hello from another bot")
    mine = await bot.get_updates(timeout=0)
    reply = await bot.send_message(USER, "reply")

    assert others_updates == ()
    assert unknown_chat.value.message == "Chat not found"
    assert [u.message.text for u in mine if u.message] == ["/help"]
    assert reply.message_id == 2  # after the user's own message 1 in this bot's chat


async def test_polls_of_two_bots_do_not_conflict(emulator: TelegramEmulator, bot: Bot) -> None:
    long_poll = asyncio.create_task(bot.get_updates(timeout=1, read_timeout=5))
    await asyncio.sleep(0.2)
    async with ptb_bot(emulator, OTHER_TOKEN) as other:
        others = await other.get_updates(timeout=0)

    assert others == ()
    assert await long_poll == ()  # not "terminated by other getUpdates request"


# -- messages ----------------------------------------------------------------------------------


async def test_html_message_with_keyboard_edit_and_callback_answer(
    bot: Bot, users: EmulatorClient
) -> None:
    await users.send_message(USER, "/start")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    sent = await bot.send_message(
        USER, "<b>Portfolio</b> &lt;1&gt;", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    press = await users.press_button(USER, sent.message_id, "go")
    updates = await bot.get_updates(offset=0, timeout=0)
    query = next(u.callback_query for u in updates if u.callback_query)
    answered = await bot.answer_callback_query(query.id, text="Done")
    edited = await bot.edit_message_text(
        "<i>Refreshed</i>",
        chat_id=USER,
        message_id=sent.message_id,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )
    markup_cleared = await bot.edit_message_reply_markup(USER, sent.message_id)
    answer = await users.callback_answer(press.callback_query_id)

    assert sent.text == "Portfolio <1>"
    assert [e.type for e in sent.entities] == ["bold"]
    assert answered is True and answer.text == "Done"
    assert not isinstance(edited, bool) and edited.text == "Refreshed"
    assert not isinstance(markup_cleared, bool) and markup_cleared.reply_markup is None


async def test_markdown_v2_is_parsed_into_entities(bot: Bot, users: EmulatorClient) -> None:
    await users.send_message(USER, "/start")
    sent = await bot.send_message(
        USER, r"*Total* _1\.5_ BTC `x` [site](https://example.org)", parse_mode="MarkdownV2"
    )

    assert sent.text == "Total 1.5 BTC x site"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 5),
        ("italic", 6, 3),
        ("code", 14, 1),
        ("text_link", 16, 4),
    ]
    assert sent.entities[3].url == "https://example.org"


async def test_markdown_v2_reserved_character_is_refused_with_telegrams_text(
    bot: Bot, users: EmulatorClient
) -> None:
    await users.send_message(USER, "/start")
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(USER, "Price 1.5", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest) as unclosed:
        await bot.send_message(USER, "*bold", parse_mode="MarkdownV2")

    assert refused.value.message == (
        "Can't parse entities: character '.' is reserved and must be escaped with the "
        "preceding '\\'"
    )
    assert unclosed.value.message == (
        "Can't parse entities: can't find end of bold entity at byte offset 0"
    )


async def test_legacy_markdown_is_parsed_and_unclosed_entities_refused(
    bot: Bot, users: EmulatorClient
) -> None:
    await users.send_message(USER, "/start")
    sent = await bot.send_message(USER, "*bold* and _it_", parse_mode=ParseMode.MARKDOWN)
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(USER, "snake_case", parse_mode=ParseMode.MARKDOWN)

    assert sent.text == "bold and it"
    assert [e.type for e in sent.entities] == ["bold", "italic"]
    assert refused.value.message == (
        "Can't parse entities: can't find end of the entity starting at byte offset 5"
    )


async def test_photo_document_chat_action_and_delete(bot: Bot, users: EmulatorClient) -> None:
    await users.send_message(USER, "/start")
    photo = await bot.send_photo(USER, png(), caption="<b>chart</b>", parse_mode=ParseMode.HTML)
    document = await bot.send_document(USER, b"a,b\n1,2\n", filename="report.csv")
    typing = await bot.send_chat_action(USER, "upload_photo")
    deleted = await bot.delete_message(USER, document.message_id)

    assert photo.photo[-1].width == 4 and photo.caption == "chart"
    assert document.document is not None and document.document.file_name == "report.csv"
    assert typing is True and deleted is True
    file = await bot.get_file(photo.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == png()


async def test_commands_are_set_read_and_deleted(bot: Bot) -> None:
    commands = [BotCommand("start", "Start"), BotCommand("help", "Help")]

    assert await bot.set_my_commands(commands) is True
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert await bot.delete_my_commands() is True
    assert await bot.get_my_commands() == ()


# -- updates and webhooks ----------------------------------------------------------------------


async def test_allowed_updates_does_not_drop_updates_already_queued(
    bot: Bot, users: EmulatorClient
) -> None:
    await users.send_message(USER, "before")
    first = await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    await users.send_message(USER, "after")
    second = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)

    assert [u.message.text for u in first if u.message] == ["before"]
    assert second == ()


async def test_second_poller_on_one_token_gets_a_conflict(
    emulator: TelegramEmulator, bot: Bot
) -> None:
    long_poll = asyncio.create_task(bot.get_updates(timeout=5, read_timeout=10))
    await asyncio.sleep(0.2)
    async with ptb_bot(emulator) as twin:
        await twin.get_updates(timeout=0)
    with pytest.raises(Conflict) as conflict:
        await long_poll

    assert "terminated by other getUpdates request" in conflict.value.message


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.org/hook", "bad webhook: An HTTPS URL must be provided for webhook"),
        (
            "https://example.org:8080/hook",
            "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
        ),
    ],
)
async def test_set_webhook_requires_https_on_telegrams_ports(
    bot: Bot, url: str, reason: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        await bot.set_webhook(url)

    assert refused.value.message.lower() == reason.lower()


async def test_webhook_set_blocks_polling_until_deleted(bot: Bot) -> None:
    assert await bot.set_webhook("https://example.org:8443/hook", secret_token="s3cret") is True
    info = await bot.get_webhook_info()
    with pytest.raises(Conflict):
        await bot.get_updates(timeout=0)
    assert await bot.delete_webhook(drop_pending_updates=True) is True

    assert info.url == "https://example.org:8443/hook"
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates(timeout=0) == ()
