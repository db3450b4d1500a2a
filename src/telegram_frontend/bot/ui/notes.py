"""The "could not check" lines under a screen: one warning line per source that did not answer.

Every screen built from several sources (status, strategies, performance, portfolio) shows what
is missing the same way, so the user can tell "nothing there" from "nobody answered".
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram_frontend.core.availability import Unavailable
from telegram_frontend.core.formatters import Block, esc, text_block


def notes_block(notes: Sequence[Unavailable]) -> list[Block]:
    return [text_block("⚠️ " + esc(note.sentence)) for note in notes]
