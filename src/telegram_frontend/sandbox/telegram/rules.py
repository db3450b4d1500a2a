"""Telegram's validation rules for outgoing content, with Telegram's own error texts.

Each check raises BotApiError carrying the status and description the real Bot API answers, so the
bot's error handling (aiogram's exception classes, our dispatcher's retry policy) is exercised
against what production would say.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from telegram_frontend.sandbox.telegram.html_parser import (
    HtmlParseError,
    ParsedText,
    parse_html,
    utf16_len,
)
from telegram_frontend.sandbox.telegram.markdown_parser import (
    MarkdownParseError,
    parse_markdown,
    parse_markdown_v2,
)

MAX_TEXT_UTF16 = 4096
MAX_CAPTION_UTF16 = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_COMMANDS = 100

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
COMMAND_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_BOT_COMMAND_IN_TEXT = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_TRIMMED = " \t\r\n\x0b\x0c"


class BotApiError(Exception):
    """An error answer of the Bot API: HTTP status == error_code, plus the description text."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {reason}")


def too_many_requests(retry_after: int) -> BotApiError:
    return BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def prepare_text(
    raw: str | None,
    parse_mode: str | None,
    entities: Any,
    *,
    caption: bool = False,
    strict_html_entities: bool = True,
) -> ParsedText:
    """Turn what the bot sent into the stored text + entities, enforcing emptiness and length."""
    parsed = _parse(raw or "", parse_mode, entities, strict_html_entities)
    parsed = _trim(parsed)
    if caption:
        if utf16_len(parsed.text) > MAX_CAPTION_UTF16:
            raise bad_request("message caption is too long")
        return parsed
    if not parsed.text:
        raise bad_request("message text is empty")
    if utf16_len(parsed.text) > MAX_TEXT_UTF16:
        raise bad_request("message is too long")
    return parsed


def _parse(raw: str, parse_mode: str | None, entities: Any, strict: bool) -> ParsedText:
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            return parse_html(raw, strict_entities=strict)
        except HtmlParseError as error:
            raise bad_request(f"can't parse entities: {error}") from error
    if mode in ("markdown", "markdownv2"):
        parser = parse_markdown_v2 if mode == "markdownv2" else parse_markdown
        try:
            return parser(raw)
        except MarkdownParseError as error:
            raise bad_request(f"can't parse entities: {error}") from error
    if mode:
        raise bad_request(f"unsupported parse_mode {parse_mode}")
    return ParsedText(raw, _explicit_entities(entities, utf16_len(raw)))


def _explicit_entities(entities: Any, text_length: int) -> list[dict[str, Any]]:
    if not entities:
        return []
    if not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")
    kept = []
    for entity in entities:
        if not isinstance(entity, dict) or not {"type", "offset", "length"} <= entity.keys():
            raise bad_request("can't parse MessageEntity JSON object")
        if entity["length"] > 0 and entity["offset"] + entity["length"] <= text_length:
            kept.append(dict(entity))
    return sorted(kept, key=lambda e: (e["offset"], -e["length"]))


def _trim(parsed: ParsedText) -> ParsedText:
    """Telegram strips surrounding whitespace and clips the entities to what remains."""
    text = parsed.text.strip(_TRIMMED)
    if text == parsed.text:
        return parsed
    lead = utf16_len(parsed.text) - utf16_len(parsed.text.lstrip(_TRIMMED))
    size = utf16_len(text)
    entities = []
    for entity in parsed.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(text, entities)


def decode_json_param(value: Any, error: str) -> Any:
    """Nested parameters arrive as JSON strings in forms and as objects in JSON bodies."""
    if value is None or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise bad_request(error) from exc


def validate_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Check a reply_markup object as the Bot API server and Telegram do; return it unchanged."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _validate_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        _validate_rows(markup["keyboard"], "keyboard")
    elif not ({"remove_keyboard", "force_reply"} & markup.keys()):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _validate_rows(rows: Any, field: str) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'Field "{field}" of the {field}Markup must be an Array of Arrays')


def _validate_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "inline_keyboard" of the '
            "InlineKeyboardMarkup must be an Array of Arrays"
        )
    for row in rows:
        for button in row:
            _validate_inline_button(button)


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    if not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [name for name in BUTTON_ACTIONS if button.get(name) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: Exactly one of the optional fields must be used "
            f"to specify type of the button, got {', '.join(actions)}"
        )
    if "callback_data" in actions:
        data = button["callback_data"]
        size = len(data.encode("utf-8")) if isinstance(data, str) else 0
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in actions and not is_button_url(button["url"]):
        raise bad_request("BUTTON_URL_INVALID")


def is_button_url(url: Any) -> bool:
    """An http(s) URL with a host, or a tg:// link: what Telegram accepts on a URL button."""
    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
        return False
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        host = parts.hostname or ""
        return bool(host) and ("." in host or host == "localhost")
    return parts.scheme == "tg" and bool(parts.netloc or parts.path)


def inline_keyboard_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """A Message carries only inline keyboards; reply keyboards live on the user's client."""
    return markup if markup and "inline_keyboard" in markup else None


def validate_commands(commands: Any) -> list[dict[str, str]]:
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands specified")
    checked = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name = str(item.get("command", "")).removeprefix("/")
        description = str(item.get("description", "")).strip()
        if not _COMMAND_NAME.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": name, "description": description})
    return checked


def command_scope_key(scope: Any) -> tuple[str, int | None, int | None]:
    """(type, chat_id, user_id) identifying a BotCommandScope; default scope when absent."""
    if scope is None:
        return ("default", None, None)
    if not isinstance(scope, dict) or scope.get("type") not in COMMAND_SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = str(scope["type"])
    chat_id = _optional_int(scope.get("chat_id")) if kind.startswith("chat") else None
    user_id = _optional_int(scope.get("user_id")) if kind == "chat_member" else None
    if kind.startswith("chat") and chat_id is None:
        raise bad_request("chat not found")
    if kind == "chat_member" and user_id is None:
        raise bad_request("user not found")
    return (kind, chat_id, user_id)


def _optional_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def validate_language_code(code: str | None) -> str:
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("LANG_CODE_INVALID")
    return code or ""


def command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities as Telegram marks them in a user's message."""
    entities = []
    for match in _BOT_COMMAND_IN_TEXT.finditer(text):
        offset = utf16_len(text[: match.start()])
        entities.append(
            {"type": "bot_command", "offset": offset, "length": utf16_len(match.group())}
        )
    return entities
