"""The text of /logs: a header naming the filter and page, then each record and its event."""

from __future__ import annotations

from collections.abc import Sequence

from telegram_frontend.core.formatters import Block, b, code, esc, pre_block, text_block
from telegram_frontend.core.formatters import zone as time_zone
from telegram_frontend.core.i18n import _
from telegram_frontend.models import LogRecord


def _record_blocks(record: LogRecord, tz: str) -> list[Block]:
    moment = record.at.astimezone(time_zone(tz)).strftime("%Y-%m-%d %H:%M:%S")
    header = f"{code(moment)} {b(record.level)} {esc(record.logger)}"
    return [text_block(header), pre_block(record.event or "—")]


def _header(level: str, text: str, page: int) -> str:
    parts = [_("level {level} and above").format(level=level)] if level else []
    if text:
        parts.append(_("containing “{text}”").format(text=text))
    parts.append(_("page {page}").format(page=page + 1))
    return "📜 " + b(_("Logs")) + " — " + esc(", ".join(parts))


def logs_blocks(
    records: Sequence[LogRecord], level: str, text: str, page: int, tz: str
) -> list[Block]:
    """One page of records (in the reader's time zone) under the filter's header."""
    blocks: list[Block] = [text_block(_header(level, text, page))]
    if not records:
        blocks.append(text_block(esc(_("No log records match."))))
    for record in records:
        blocks += _record_blocks(record, tz)
    return blocks


def filter_too_long_text(limit: int) -> str:
    return esc(_("The filter text is too long (at most {limit} characters).").format(limit=limit))
