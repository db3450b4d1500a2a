"""Finding 10 of the security review: right-to-left override, NUL and BEL in names reached
admins as they were."""

from __future__ import annotations

import pytest

from telegram_frontend.core.text_safety import clean_name, clean_text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Eve\u202eexe.txt", "Eveexe.txt"),
        ("Null\x00Byte\x07Bell", "NullByteBell"),
        ("\u2066Isolated\u2069 name\u200f", "Isolated name"),
        ("Tab\tand\nnewline", "Tab and newline"),
        ("  spaced   out  ", "spaced out"),
        ("Иван 🚀 Петров", "Иван 🚀 Петров"),
        ("👨\u200d👩\u200d👧 family", "👨\u200d👩\u200d👧 family"),  # the joiner of emoji stays
        (None, ""),
    ],
)
def test_names_lose_control_and_bidi_characters(raw: str | None, shown: str) -> None:
    assert clean_name(raw) == shown


def test_free_text_keeps_its_lines_and_names_are_bounded() -> None:
    assert clean_text("line one\u202e\nline\x1b two", multiline=True) == "line one\nline two"
    assert len(clean_name("x" * 1000)) == 256
