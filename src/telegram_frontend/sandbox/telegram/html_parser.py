"""Telegram's HTML parse mode, reimplemented after tdlib's `parse_html` (MessageEntity.cpp).

The emulator must refuse exactly what Telegram refuses, with the same "can't parse entities" reasons
and byte offsets, so the bot's formatter is proven against the real rules. Positions are counted in
UTF-8 bytes (error offsets, as tdlib reports them) and entity offsets in UTF-16 code units.

One deliberate difference: real Telegram keeps an unknown entity such as `&nbsp;` or a bare `&` as
literal text. With `strict_entities=True` (the default) they are refused, because text built by our
escaping formatter never contains them: one that does is a bug we want a test to catch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
_SPACES = b" \t\n\r\x0b\x0c"
_MAX_CODE_POINT = 0x10FFFF


class HtmlParseError(ValueError):
    """A reason Telegram gives after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class ParsedText:
    """Visible text plus its entities (Bot API MessageEntity dicts, sorted like Telegram's)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int


def parse_html(source: str, *, strict_entities: bool = True) -> ParsedText:
    """Parse `source` as Telegram's HTML parse mode; raise HtmlParseError with Telegram's reason."""
    return _HtmlParser(source.encode("utf-8"), strict_entities).run()


class _HtmlParser:
    """A cursor over the UTF-8 bytes of the text; 0 stands for "past the end" as in tdlib."""

    def __init__(self, data: bytes, strict_entities: bool) -> None:
        self.data = data
        self.strict = strict_entities
        self.pos = 0
        self.out = bytearray()
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def at(self, index: int) -> int:
        return self.data[index] if index < len(self.data) else 0

    def run(self) -> ParsedText:
        while self.pos < len(self.data):
            byte = self.data[self.pos]
            if byte == ord("&"):
                self._text_entity()
            elif byte == ord("<"):
                if self.at(self.pos + 1) == ord("/"):
                    self._end_tag()
                else:
                    self._start_tag()
            else:
                self._append_byte(byte)
                self.pos += 1
        if self.stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText(self.out.decode("utf-8"), self.entities)

    def _append_byte(self, byte: int) -> None:
        self.out.append(byte)
        if byte < 0x80 or 0xC0 <= byte < 0xF0:
            self.utf16 += 1
        elif byte >= 0xF0:
            self.utf16 += 2

    def _append_text(self, text: str) -> None:
        for byte in text.encode("utf-8"):
            self._append_byte(byte)

    def _text_entity(self) -> None:
        start = self.pos
        decoded = self._decode_entity()
        if decoded is None:
            if self.strict:
                raise HtmlParseError(
                    f'Unsupported HTML entity "{self._entity_text(start)}" at byte offset {start}'
                )
            self._append_byte(self.data[start])
            self.pos = start + 1
            return
        self._append_text(decoded)

    def _entity_text(self, start: int) -> str:
        end = start + 1
        while chr(self.at(end)).isalnum() or self.at(end) == ord("#"):
            end += 1
        if self.at(end) == ord(";"):
            end += 1
        return self.data[start:end].decode("utf-8", "replace")

    def _decode_entity(self) -> str | None:
        """Decode `&name;`/`&#N;`/`&#xH;` at pos (`;` optional, as in tdlib); move past it."""
        end = self.pos + 1
        code = 0
        if self.at(end) == ord("#"):
            end += 1
            hexadecimal = self.at(end) in (ord("x"), ord("X"))
            end += 1 if hexadecimal else 0
            digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
            digits_start = end
            while self.at(end) and chr(self.at(end)) in digits:
                end += 1
            if end == digits_start or end - digits_start > 8:
                return None
            code = int(self.data[digits_start:end], 16 if hexadecimal else 10)
            if code == 0 or code > _MAX_CODE_POINT or 0xD800 <= code <= 0xDFFF:
                return None
            value = chr(code)
        else:
            while chr(self.at(end)).isalpha() and self.at(end) < 0x80:
                end += 1
            named = _NAMED_ENTITIES.get(self.data[self.pos + 1 : end])
            if named is None:
                return None
            value = named
        self.pos = end + 1 if self.at(end) == ord(";") else end
        return value

    def _start_tag(self) -> None:
        begin = self.pos
        end = begin + 1
        while self.at(end) and self.at(end) not in _SPACES and self.at(end) != ord(">"):
            end += 1
        if not self.at(end):
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        tag = self.data[begin + 1 : end].decode("utf-8", "replace").lower()
        if tag not in SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
        self.pos = end
        argument = self._attributes(tag, begin)
        self.pos += 1
        if tag == "span" and argument != "spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        if tag == "tg-emoji" and not argument.isdigit():
            raise HtmlParseError("Invalid custom emoji identifier specified")
        self.stack.append(_OpenTag(tag, argument, self.utf16))

    def _attributes(self, tag: str, begin: int) -> str:
        """Read attributes up to `>`; return the one argument Telegram keeps for this tag."""
        argument = ""
        while self.at(self.pos) != ord(">"):
            while self.at(self.pos) in _SPACES and self.at(self.pos):
                self.pos += 1
            if self.at(self.pos) == ord(">"):
                break
            name_start = self.pos
            while self.at(self.pos) and self.at(self.pos) not in _SPACES + b"=>":
                self.pos += 1
            name = self.data[name_start : self.pos].decode("utf-8", "replace").lower()
            if not name:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                )
            while self.at(self.pos) in _SPACES and self.at(self.pos):
                self.pos += 1
            if self.at(self.pos) != ord("="):
                if tag == "blockquote" and name == "expandable":
                    argument = "1"
                    continue
                raise HtmlParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {begin}'
                )
            self.pos += 1
            while self.at(self.pos) in _SPACES and self.at(self.pos):
                self.pos += 1
            if not self.at(self.pos):
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            value = self._attribute_value()
            if not self.at(self.pos):
                raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
            argument = _tag_argument(tag, name, value, argument)
        return argument

    def _attribute_value(self) -> str:
        quote = self.at(self.pos)
        if quote not in (ord('"'), ord("'")):
            start = self.pos
            while chr(self.at(self.pos)).isalnum() or self.at(self.pos) in b".-":
                self.pos += 1
            if self.at(self.pos) not in _SPACES + b">" or not self.at(self.pos):
                raise HtmlParseError(f"Unexpected end of name token at byte offset {start}")
            return self.data[start : self.pos].decode("utf-8", "replace").lower()
        self.pos += 1
        value = bytearray()
        while self.at(self.pos) and self.at(self.pos) != quote:
            if self.at(self.pos) == ord("&"):
                start = self.pos
                decoded = self._decode_entity()
                if decoded is not None:
                    value += decoded.encode("utf-8")
                    continue
                if self.strict:
                    raise HtmlParseError(
                        f'Unsupported HTML entity "{self._entity_text(start)}" '
                        f"at byte offset {start}"
                    )
            value.append(self.data[self.pos])
            self.pos += 1
        if self.at(self.pos) == quote:
            self.pos += 1
        return value.decode("utf-8", "replace")

    def _end_tag(self) -> None:
        begin = self.pos
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
        end = begin + 2
        while self.at(end) and self.at(end) not in _SPACES and self.at(end) != ord(">"):
            end += 1
        name = self.data[begin + 2 : end].decode("utf-8", "replace").lower()
        while self.at(end) in _SPACES and self.at(end):
            end += 1
        if self.at(end) != ord(">"):
            raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
        opened = self.stack.pop()
        if name and name != opened.name:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{opened.name}>", '
                f'found "</{name}>"'
            )
        self.pos = end + 1
        if self.utf16 > opened.utf16_offset:
            self._close_entity(opened)

    def _close_entity(self, opened: _OpenTag) -> None:
        offset, length = opened.utf16_offset, self.utf16 - opened.utf16_offset
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and (last["offset"], last["length"]) == (offset, length)
        if opened.name in _SIMPLE_ENTITY_TYPES:
            self.entities.append(_entity(_SIMPLE_ENTITY_TYPES[opened.name], offset, length))
        elif opened.name == "a":
            url = opened.argument or self._visible_tail(offset)
            self.entities.append(_entity("text_link", offset, length, url=_checked_url(url)))
        elif opened.name == "tg-emoji":
            custom = {"custom_emoji_id": opened.argument}
            self.entities.append(_entity("custom_emoji", offset, length, **custom))
        elif opened.name == "blockquote":
            kind = "expandable_blockquote" if opened.argument else "blockquote"
            self.entities.append(_entity(kind, offset, length))
        elif opened.name == "pre":
            if last is not None and same_span and last["type"] == "code" and "language" in last:
                last["type"] = "pre"
            else:
                self.entities.append(_entity("pre", offset, length))
        elif last is not None and same_span and last["type"] == "pre" and opened.argument:
            last["language"] = opened.argument
        else:
            language = {"language": opened.argument} if opened.argument else {}
            self.entities.append(_entity("code", offset, length, **language))

    def _visible_tail(self, utf16_offset: int) -> str:
        text = self.out.decode("utf-8")
        units = text.encode("utf-16-le")[utf16_offset * 2 :]
        return units.decode("utf-16-le")


def _tag_argument(tag: str, name: str, value: str, current: str) -> str:
    if tag == "a" and name == "href":
        return value
    if tag == "code" and name == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and name == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and name == "emoji-id":
        return value
    if tag == "blockquote" and name == "expandable":
        return "1"
    return current


def _checked_url(url: str) -> str:
    """Telegram completes a scheme-less link to http:// as its link checker does."""
    url = url.strip()
    return url if "://" in url or url.startswith(("tg:", "mailto:")) else f"http://{url}"


def _entity(kind: str, offset: int, length: int, **extra: str) -> dict[str, Any]:
    return {"type": kind, "offset": offset, "length": length, **extra}
