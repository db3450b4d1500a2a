"""Telegram's MarkdownV2 and legacy Markdown parse modes, after tdlib's `parse_markdown_v2` and
`parse_markdown` (MessageEntity.cpp): the same reserved characters, entities and error reasons.

Like the HTML parser, positions in errors are UTF-8 byte offsets and entity offsets UTF-16 units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram_frontend.sandbox.telegram.html_parser import HtmlParseError, ParsedText

RESERVED_V2 = frozenset(b"_*[]()~`>#+-=|{}.!")
_SPACES = frozenset(b" \t\n\r\x0b\x0c")
_TDLIB_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


class MarkdownParseError(HtmlParseError):
    """A reason Telegram gives after "can't parse entities: "."""


def _units(byte: int) -> int:
    """UTF-16 units a UTF-8 byte starts: 0 for continuation bytes, 2 for 4-byte sequences."""
    if byte & 0xC0 == 0x80:
        return 0
    return 2 if byte >= 0xF0 else 1


def _reserved(byte: int) -> MarkdownParseError:
    return MarkdownParseError(
        f"Character '{chr(byte)}' is reserved and must be escaped with the preceding '\\'"
    )


def _link_url(url: str) -> str | None:
    """The link an entity points at, or None when Telegram's URL check would drop the entity."""
    url = url.strip()
    if not url or any(ch in url for ch in " \n\t"):
        return None
    return url if "://" in url or url.startswith(("tg:", "mailto:")) else f"http://{url}"


@dataclass
class _Open:
    kind: str
    argument: str
    utf16_offset: int
    byte_offset: int
    result_pos: int


class _Source:
    """The UTF-8 text with tdlib's habit of reading a NUL past the end."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8")

    def __getitem__(self, index: int) -> int:
        return self.data[index] if 0 <= index < len(self.data) else 0

    def __len__(self) -> int:
        return len(self.data)


def _pre_start(src: _Source, i: int) -> tuple[int, str]:
    """After an opening ```: the language (up to a space) and one skipped leading newline."""
    end = i
    while end < len(src) and src[end] not in _SPACES and src[end] != ord("`"):
        end += 1
    language = ""
    if i != end and end < len(src) and src[end] != ord("`"):
        language = src.data[i:end].decode("utf-8", "replace")
        i = end
    if src[i] in (ord("\n"), ord("\r")):
        pair = src[i + 1] in (ord("\n"), ord("\r")) and src[i] != src[i + 1]
        i += 2 if pair else 1
    return i, language


def parse_markdown_v2(text: str) -> ParsedText:
    """Parse `text` as MarkdownV2; raise MarkdownParseError with Telegram's reason."""
    return _MarkdownV2(_Source(text)).run()


class _MarkdownV2:
    def __init__(self, src: _Source) -> None:
        self.src = src
        self.out = bytearray()
        self.utf16 = 0
        self.open: list[_Open] = []
        self.entities: list[dict[str, Any]] = []
        self.quote_start: int | None = None

    def run(self) -> ParsedText:
        src, i = self.src, 0
        while i < len(src):
            c = src[i]
            if c == ord("\\") and 0 < src[i + 1] <= 126:
                self._emit(src[i + 1])
                i += 2
                continue
            if c == ord(">") and (i == 0 or src[i - 1] == ord("\n")) and not self._in_code():
                self._quote_line()
                i += 1
                continue
            if c == ord("\n"):
                self._maybe_end_quote(i)
            reserved = {ord("`")} if self._in_code() else RESERVED_V2
            if c not in reserved:
                self._emit(c)
                i += 1
                continue
            i = self._close(i) if self._closes(i) else self._begin(i)
        if self.open:
            top = self.open[-1]
            name = _TDLIB_NAMES[top.kind]
            raise MarkdownParseError(
                f"Can't find end of {name} entity at byte offset {top.byte_offset}"
            )
        self._end_quote()
        text = self.out.decode("utf-8")
        return ParsedText(text, sorted(self.entities, key=lambda e: (e["offset"], -e["length"])))

    def _emit(self, byte: int) -> None:
        self.out.append(byte)
        self.utf16 += _units(byte)

    def _in_code(self) -> bool:
        return bool(self.open) and self.open[-1].kind in ("code", "pre", "pre_code")

    def _quote_line(self) -> None:
        if self.quote_start is None:
            self.quote_start = self.utf16

    def _maybe_end_quote(self, i: int) -> None:
        """A quote ends at the first line that does not start with `>`."""
        if self.quote_start is not None and self.src[i + 1] != ord(">"):
            self._end_quote()

    def _end_quote(self) -> None:
        if self.quote_start is not None and self.utf16 > self.quote_start:
            length = self.utf16 - self.quote_start
            self.entities.append(
                {"type": "blockquote", "offset": self.quote_start, "length": length}
            )
        self.quote_start = None

    def _closes(self, i: int) -> bool:
        if not self.open:
            return False
        src, c, kind = self.src, self.src[i], self.open[-1].kind
        if kind == "bold":
            return c == ord("*")
        if kind == "italic":
            return c == ord("_") and src[i + 1] != ord("_")
        if kind == "code":
            return c == ord("`")
        if kind in ("pre", "pre_code"):
            return c == ord("`") and src[i + 1] == ord("`") and src[i + 2] == ord("`")
        if kind in ("text_link", "custom_emoji"):
            return c == ord("]")
        if kind == "underline":
            return c == ord("_") and src[i + 1] == ord("_")
        if kind == "strikethrough":
            return c == ord("~")
        return c == ord("|") and src[i + 1] == ord("|")  # spoiler

    def _begin(self, i: int) -> int:
        src, c, start = self.src, self.src[i], i
        argument = ""
        if c == ord("_"):
            kind = "underline" if src[i + 1] == ord("_") else "italic"
            i += 2 if kind == "underline" else 1
        elif c == ord("*"):
            kind, i = "bold", i + 1
        elif c == ord("~"):
            kind, i = "strikethrough", i + 1
        elif c == ord("|") and src[i + 1] == ord("|"):
            kind, i = "spoiler", i + 2
        elif c == ord("["):
            kind, i = "text_link", i + 1
        elif c == ord("!") and src[i + 1] == ord("["):
            kind, i = "custom_emoji", i + 2
        elif c == ord("`") and src[i + 1] == ord("`") and src[i + 2] == ord("`"):
            i, argument = _pre_start(src, i + 3)
            kind = "pre_code" if argument else "pre"
        elif c == ord("`"):
            kind, i = "code", i + 1
        else:
            raise _reserved(c)
        self.open.append(_Open(kind, argument, self.utf16, start, len(self.out)))
        return i

    def _close(self, i: int) -> int:
        top = self.open.pop()
        skip = self.utf16 == top.utf16_offset
        extra: dict[str, str] = {}
        kind = top.kind
        if kind in ("underline", "spoiler"):
            i += 2
        elif kind in ("pre", "pre_code"):
            i += 3
        elif kind in ("text_link", "custom_emoji"):
            url, i = self._link_target(i, top)
            if kind == "custom_emoji":
                emoji_id = url.removeprefix("tg://emoji?id=")
                if not emoji_id.isdigit():
                    raise MarkdownParseError("Custom emoji entity must contain a tg://emoji URL")
                extra["custom_emoji_id"] = emoji_id
            else:
                checked = _link_url(url)
                skip = skip or checked is None
                extra["url"] = checked or ""
        else:
            i += 1
        if not skip:
            entity: dict[str, Any] = {
                "type": "pre" if kind == "pre_code" else kind,
                "offset": top.utf16_offset,
                "length": self.utf16 - top.utf16_offset,
                **extra,
            }
            if kind == "pre_code":
                entity["language"] = top.argument
            self.entities.append(entity)
        return i

    def _link_target(self, i: int, top: _Open) -> tuple[str, int]:
        """The URL after `](`, with backslash escapes; the link text itself when none follows."""
        src = self.src
        if src[i + 1] != ord("("):
            return self.out[top.result_pos :].decode("utf-8", "replace"), i + 1
        i += 2
        begin = i
        url = bytearray()
        while i < len(src) and src[i] != ord(")"):
            if src[i] == ord("\\") and 0 < src[i + 1] <= 126:
                url.append(src[i + 1])
                i += 2
                continue
            url.append(src[i])
            i += 1
        if src[i] != ord(")"):
            raise MarkdownParseError(f"Can't find end of a URL at byte offset {begin}")
        return url.decode("utf-8", "replace"), i + 1


def parse_markdown(text: str) -> ParsedText:
    """Parse `text` as legacy Markdown (`_italic_`, `*bold*`, `` `code` ``, ```` ```pre``` ````,
    `[text](url)`); raise MarkdownParseError with Telegram's reason."""
    src = _Source(text)
    out = bytearray()
    utf16, i = 0, 0
    entities: list[dict[str, Any]] = []
    markers = {ord("_"), ord("*"), ord("`"), ord("[")}
    while i < len(src):
        c = src[i]
        if c == ord("\\") and src[i + 1] in markers:
            out.append(src[i + 1])
            utf16 += 1
            i += 2
            continue
        if c not in markers:
            out.append(c)
            utf16 += _units(c)
            i += 1
            continue
        begin = i
        end_char = ord("]") if c == ord("[") else c
        i += 1
        is_pre, language = False, ""
        if c == ord("`") and src[i] == ord("`") and src[i + 1] == ord("`"):
            is_pre = True
            i, language = _pre_start(src, i + 2)
        offset = utf16
        while i < len(src) and (
            src[i] != end_char
            or (is_pre and not (src[i + 1] == ord("`") and src[i + 2] == ord("`")))
        ):
            out.append(src[i])
            utf16 += _units(src[i])
            i += 1
        if i == len(src):
            raise MarkdownParseError(
                f"Can't find end of the entity starting at byte offset {begin}"
            )
        if utf16 != offset:
            entity = _legacy_entity(src, c, begin, i, is_pre, language)
            if entity is not None:
                entities.append({**entity, "offset": offset, "length": utf16 - offset})
        if c == ord("[") and src[i + 1] == ord("("):
            i += 2
            while i < len(src) and src[i] != ord(")"):
                i += 1
        i += 3 if is_pre else 1
    text_out = out.decode("utf-8")
    return ParsedText(text_out, sorted(entities, key=lambda e: (e["offset"], -e["length"])))


def _legacy_entity(
    src: _Source, c: int, begin: int, end: int, is_pre: bool, language: str
) -> dict[str, Any] | None:
    if c == ord("_"):
        return {"type": "italic"}
    if c == ord("*"):
        return {"type": "bold"}
    if c == ord("`"):
        if not is_pre:
            return {"type": "code"}
        return {"type": "pre", "language": language} if language else {"type": "pre"}
    if src[end + 1] != ord("("):
        url = src.data[begin + 1 : end].decode("utf-8", "replace")
    else:
        j = end + 2
        while j < len(src) and src[j] != ord(")"):
            j += 1
        url = src.data[end + 2 : j].decode("utf-8", "replace")
    checked = _link_url(url)
    return None if checked is None else {"type": "text_link", "url": checked}
