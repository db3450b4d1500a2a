"""The emulator's MarkdownV2 and legacy Markdown parsers against Telegram's documented rules."""

from __future__ import annotations

import pytest

from telegram_frontend.sandbox.telegram.markdown_parser import (
    MarkdownParseError,
    parse_markdown,
    parse_markdown_v2,
)


def spans(text: str) -> list[tuple[str, int, int]]:
    return [(e["type"], e["offset"], e["length"]) for e in parse_markdown_v2(text).entities]


def test_every_markdown_v2_entity_kind() -> None:
    parsed = parse_markdown_v2("*b* _i_ __u__ ~s~ ||p|| `c` [l](http://t.me)")

    assert parsed.text == "b i u s p c l"
    assert spans("*b* _i_ __u__ ~s~ ||p|| `c` [l](http://t.me)") == [
        ("bold", 0, 1),
        ("italic", 2, 1),
        ("underline", 4, 1),
        ("strikethrough", 6, 1),
        ("spoiler", 8, 1),
        ("code", 10, 1),
        ("text_link", 12, 1),
    ]


def test_nested_entities_and_utf16_offsets() -> None:
    assert spans("😀 *bold _both_*") == [("bold", 3, 9), ("italic", 8, 4)]


def test_escaped_reserved_characters_are_literal() -> None:
    assert parse_markdown_v2(r"1\.5 \* \_ \\ \(x\)").text == r"1.5 * _ \ (x)"


@pytest.mark.parametrize("char", list("_*[]()~`>#+-=|{}.!"))
def test_each_unescaped_reserved_character_mid_line_is_refused(char: str) -> None:
    text = f"a {char}"
    if char in "_*~`[":
        text += " never closed"
    with pytest.raises(MarkdownParseError) as refused:
        parse_markdown_v2(text)

    message = str(refused.value)
    assert message.startswith(("Character", "Can't find end of"))


def test_reserved_character_reason_is_telegrams() -> None:
    with pytest.raises(MarkdownParseError) as refused:
        parse_markdown_v2("Total: 5!")

    assert str(refused.value) == (
        "Character '!' is reserved and must be escaped with the preceding '\\'"
    )


def test_unclosed_entity_names_the_tdlib_type_and_byte_offset() -> None:
    with pytest.raises(MarkdownParseError) as refused:
        parse_markdown_v2("é __under")

    assert str(refused.value) == "Can't find end of Underline entity at byte offset 3"


def test_inside_code_only_backticks_are_special() -> None:
    parsed = parse_markdown_v2("`a.b*c`")

    assert parsed.text == "a.b*c"
    assert parsed.entities == [{"type": "code", "offset": 0, "length": 5}]


def test_pre_block_with_language() -> None:
    parsed = parse_markdown_v2("```python\nprint(1)\n```")

    assert parsed.text == "print(1)\n"
    assert parsed.entities == [{"type": "pre", "offset": 0, "length": 9, "language": "python"}]


def test_link_without_target_uses_its_text_and_bad_url_drops_the_entity() -> None:
    assert parse_markdown_v2(r"[t\.me/x]").entities[0]["url"] == "http://t.me/x"
    assert parse_markdown_v2("[text](not a url)").entities == []


def test_url_that_never_closes_is_refused() -> None:
    with pytest.raises(MarkdownParseError) as refused:
        parse_markdown_v2("[a](http://x")

    assert str(refused.value) == "Can't find end of a URL at byte offset 4"


def test_blockquote_lines() -> None:
    parsed = parse_markdown_v2(">first\n>second\nafter")

    assert parsed.text == "first\nsecond\nafter"
    assert parsed.entities == [{"type": "blockquote", "offset": 0, "length": 12}]


def test_legacy_markdown_entities_and_escapes() -> None:
    parsed = parse_markdown(r"*b* _i_ `c` [l](http://x.org) 2\*3 1.5!")

    assert parsed.text == "b i c l 2*3 1.5!"
    assert [e["type"] for e in parsed.entities] == ["bold", "italic", "code", "text_link"]


def test_legacy_markdown_unclosed_entity() -> None:
    with pytest.raises(MarkdownParseError) as refused:
        parse_markdown("file_name.txt")

    assert str(refused.value) == "Can't find end of the entity starting at byte offset 4"
