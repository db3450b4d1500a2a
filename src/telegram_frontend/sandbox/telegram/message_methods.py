"""Bot API methods that create, change or remove messages, and the file methods.

Checks run in the order the real server applies them (request parsing, then the chat, then the
content, then blocking and flood control), so the error a bot sees for a bad call is the one
Telegram would give first.
"""

from __future__ import annotations

import mimetypes
import struct
import time
from typing import Any

from telegram_frontend.sandbox.telegram.params import BotApiContext, BotCall, MethodHandler, Upload
from telegram_frontend.sandbox.telegram.rules import (
    NOT_MODIFIED,
    bad_request,
    prepare_text,
    validate_reply_markup,
)
from telegram_frontend.sandbox.telegram.state import (
    CONTENT_FIELDS,
    ChatRecord,
    StoredFile,
    StoredMessage,
)

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_PHOTO_SIDES = (90, 320, 800)
_MARKUP_ERROR = "can't parse reply keyboard markup JSON object"
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


def _markup(call: BotCall) -> dict[str, Any] | None:
    return validate_reply_markup(call.params.json("reply_markup", _MARKUP_ERROR))


def _reply_target(ctx: BotApiContext, call: BotCall, chat: ChatRecord) -> int | None:
    """reply_parameters (or the older reply_to_message_id) resolved against the chat."""
    params = call.params
    reply = params.json("reply_parameters", "can't parse reply parameters JSON object") or {}
    message_id = reply.get("message_id") if isinstance(reply, dict) else None
    if message_id is None:
        message_id = params.integer("reply_to_message_id")
        allow_missing = params.flag("allow_sending_without_reply")
    else:
        allow_missing = bool(reply.get("allow_sending_without_reply"))
    if message_id is None:
        return None
    if ctx.world.message(chat.id, int(message_id)) is not None:
        return int(message_id)
    if allow_missing:
        return None
    raise bad_request("message to be replied not found")


def _new_bot_message(ctx: BotApiContext, call: BotCall, chat: ChatRecord) -> StoredMessage:
    return StoredMessage(
        chat_id=chat.id,
        message_id=0,
        sender_id=call.bot_id,
        from_bot=True,
        date=int(time.time()),
        parse_mode=call.params.text("parse_mode"),
        reply_to_message_id=_reply_target(ctx, call, chat),
        message_thread_id=call.params.integer("message_thread_id"),
        disable_notification=call.params.flag("disable_notification"),
    )


async def send_message(ctx: BotApiContext, call: BotCall) -> Any:
    params = call.params
    raw = params.text("text")
    if not raw:
        raise bad_request("message text is empty")
    markup = _markup(call)
    chat = ctx.world.chat(params.chat_id())
    parsed = prepare_text(
        raw,
        params.text("parse_mode"),
        params.json("entities", "can't parse entities JSON object"),
        strict_html_entities=ctx.strict_html_entities,
    )
    message = _new_bot_message(ctx, call, chat)
    ctx.writable_chat(chat.id)
    ctx.take_send_slot(chat.id)
    message.text, message.entities, message.raw = parsed.text, parsed.entities, raw
    message.reply_markup = markup
    ctx.world.add_message(chat, message)
    return ctx.world.message_json(message)


def _message_to_edit(ctx: BotApiContext, call: BotCall) -> StoredMessage:
    params = call.params
    if params.text("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat_id = params.chat_id()
    message_id = params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    ctx.world.chat(chat_id)
    message = ctx.world.message(chat_id, message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _apply_edit(
    ctx: BotApiContext, call: BotCall, message: StoredMessage, changes: dict[str, Any]
) -> Any:
    """Refuse an edit that changes nothing, else apply it (edits count for flood control too)."""
    edited = tuple(changes.get(name, getattr(message, name)) for name in CONTENT_FIELDS)
    if edited == message.content_key():
        raise bad_request(NOT_MODIFIED)
    ctx.writable_chat(message.chat_id)
    ctx.take_send_slot(message.chat_id)
    for name, value in changes.items():
        setattr(message, name, value)
    message.edit_date = int(time.time())
    ctx.world.touch(message)
    return ctx.world.message_json(message)


async def edit_message_text(ctx: BotApiContext, call: BotCall) -> Any:
    params = call.params
    raw = params.text("text")
    if not raw:
        raise bad_request("message text is empty")
    markup = _markup(call)
    message = _message_to_edit(ctx, call)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    parsed = prepare_text(
        raw,
        params.text("parse_mode"),
        params.json("entities", "can't parse entities JSON object"),
        strict_html_entities=ctx.strict_html_entities,
    )
    changes = {"text": parsed.text, "entities": parsed.entities, "reply_markup": markup}
    result = _apply_edit(ctx, call, message, changes)
    message.raw, message.parse_mode = raw, params.text("parse_mode")
    return result


async def edit_message_caption(ctx: BotApiContext, call: BotCall) -> Any:
    params = call.params
    markup = _markup(call)
    message = _message_to_edit(ctx, call)
    if message.text is not None:
        raise bad_request("there is no caption in the message to edit")
    parsed = prepare_text(
        params.text("caption"),
        params.text("parse_mode"),
        params.json("caption_entities", "can't parse entities JSON object"),
        caption=True,
        strict_html_entities=ctx.strict_html_entities,
    )
    changes = {
        "caption": parsed.text or None,
        "caption_entities": parsed.entities,
        "reply_markup": markup,
    }
    return _apply_edit(ctx, call, message, changes)


async def edit_message_reply_markup(ctx: BotApiContext, call: BotCall) -> Any:
    markup = _markup(call)
    message = _message_to_edit(ctx, call)
    return _apply_edit(ctx, call, message, {"reply_markup": markup})


async def delete_message(ctx: BotApiContext, call: BotCall) -> bool:
    params = call.params
    chat = ctx.world.chat(params.chat_id())
    message = ctx.world.message(chat.id, params.integer("message_id"))
    if message is None:
        raise bad_request("message to delete not found")
    if not message.from_bot and chat.type != "private":
        raise bad_request("message can't be deleted")
    message.deleted = True
    ctx.world.touch(message)
    return True


async def send_chat_action(ctx: BotApiContext, call: BotCall) -> bool:
    chat = ctx.world.chat(call.params.chat_id())
    if call.params.text("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    ctx.writable_chat(chat.id)
    return True


async def answer_callback_query(ctx: BotApiContext, call: BotCall) -> bool:
    params = call.params
    record = ctx.world.callbacks.get(params.text("callback_query_id") or "")
    if record is None or record.answered:
        raise bad_request(_QUERY_INVALID)
    if len(params.text("text") or "") > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered = True
    record.text = params.text("text")
    record.show_alert = params.flag("show_alert")
    record.url = params.text("url")
    record.cache_time = params.integer("cache_time")
    ctx.callback_answers.notify()
    return True


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF or JPEG, read from its header; None if not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return int(width), int(height)
        pos += 2 + length
    return None


def _photo_sizes(ctx: BotApiContext, stored: StoredFile, width: int, height: int) -> list[Any]:
    """Telegram's ladder of sizes: small previews, then the full picture last."""
    sizes = []
    for side in _PHOTO_SIDES:
        scale = side / max(width, height)
        if scale < 1:
            sizes.append(
                {
                    "file_id": ctx.world.alias_file(stored, "photos"),
                    "file_unique_id": f"{stored.file_unique_id}s{side}",
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                    "file_size": len(stored.data),
                }
            )
    full = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    sizes.append({**full, "width": width, "height": height, "file_size": len(stored.data)})
    return sizes


def _existing_file(ctx: BotApiContext, file_id: str) -> StoredFile:
    stored = ctx.world.files.get(file_id)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return stored


def _store_photo(ctx: BotApiContext, source: Upload | str) -> list[Any]:
    stored = (
        _existing_file(ctx, source)
        if isinstance(source, str)
        else _new_photo_file(ctx, source.data)
    )
    size = image_size(stored.data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    return _photo_sizes(ctx, stored, *size)


def _new_photo_file(ctx: BotApiContext, data: bytes) -> StoredFile:
    if image_size(data) is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    extension = {b"\x89P": ".png", b"GI": ".gif"}.get(data[:2], ".jpg")
    return ctx.world.add_file("photos", data, extension)


def _store_document(ctx: BotApiContext, source: Upload | str) -> dict[str, Any]:
    if isinstance(source, str):
        stored = _existing_file(ctx, source)
    else:
        if not source.data:
            raise bad_request("file must be non-empty")
        guessed, _ = mimetypes.guess_type(source.filename)
        mime = guessed or source.content_type or "application/octet-stream"
        extension = mimetypes.guess_extension(mime) or ""
        if "." in source.filename:
            extension = "." + source.filename.rsplit(".", 1)[1]
        stored = ctx.world.add_file(
            "documents", source.data, extension, file_name=source.filename, mime_type=mime
        )
    document = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document


async def _send_media(ctx: BotApiContext, call: BotCall, field: str) -> Any:
    params = call.params
    source = params.input_file(field)
    if source is None:
        raise bad_request(f"there is no {field} in the request")
    markup = _markup(call)
    chat = ctx.world.chat(params.chat_id())
    caption = prepare_text(
        params.text("caption"),
        params.text("parse_mode"),
        params.json("caption_entities", "can't parse entities JSON object"),
        caption=True,
        strict_html_entities=ctx.strict_html_entities,
    )
    message = _new_bot_message(ctx, call, chat)
    ctx.writable_chat(chat.id)
    if field == "photo":
        message.photo = _store_photo(ctx, source)
    else:
        message.document = _store_document(ctx, source)
    ctx.take_send_slot(chat.id)
    message.caption, message.caption_entities = caption.text or None, caption.entities
    message.raw, message.reply_markup = params.text("caption"), markup
    ctx.world.add_message(chat, message)
    return ctx.world.message_json(message)


async def send_photo(ctx: BotApiContext, call: BotCall) -> Any:
    return await _send_media(ctx, call, "photo")


async def send_document(ctx: BotApiContext, call: BotCall) -> Any:
    return await _send_media(ctx, call, "document")


async def get_file(ctx: BotApiContext, call: BotCall) -> Any:
    stored = ctx.world.files.get(call.params.text("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return {**stored.to_api(), "file_id": call.params.text("file_id")}


MESSAGE_METHODS: dict[str, MethodHandler] = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "sendChatAction": send_chat_action,
    "answerCallbackQuery": answer_callback_query,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "getFile": get_file,
}
