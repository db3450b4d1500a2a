"""Names and free text that other people will read: no control or bidirectional-override characters.

A right-to-left override, NUL or BEL in a Telegram name could disguise who is asking for access
or garble an admin's screen; they are removed before such text is stored or shown to anyone.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
INVISIBLE = frozenset("\u200b\u2060\ufeff\u2028\u2029")


def clean_text(text: str | None, *, max_length: int | None = None, multiline: bool = False) -> str:
    """`text` without control, bidi-override or invisible characters, whitespace collapsed.

    With `multiline`, line breaks survive (free text); names become one line.
    """
    kept = []
    for char in text or "":
        if multiline and char == "\n":
            kept.append(char)
        elif char in BIDI_CONTROLS or char in INVISIBLE:
            continue
        elif unicodedata.category(char) == "Cc":
            kept.append(" " if char in "\t\r\n" else "")
        else:
            kept.append(char)
    lines = ("".join(kept)).split("\n")
    cleaned = "\n".join(" ".join(line.split()) for line in lines).strip()
    return cleaned[:max_length] if max_length is not None else cleaned


def clean_name(name: str | None, max_length: int = 256) -> str:
    """A display name safe to show to others (one line, at most `max_length` characters)."""
    return clean_text(name, max_length=max_length)


def quoted(value: object, limit: int = 80) -> str:
    """User input echoed back safely: control and bidi characters dropped, cut, in quotes."""
    text = "".join(ch for ch in str(value) if unicodedata.category(ch) not in ("Cc", "Cf"))
    return "“" + (text[:limit] + "…" if len(text) > limit else text) + "”"
