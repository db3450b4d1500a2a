"""Callback data of /logs: a page of the log records, with the level and the stored text filter."""

from __future__ import annotations

import hashlib

from aiogram.filters.callback_data import CallbackData


class LogsPage(CallbackData, prefix="lg"):
    """A page of /logs; `query` is the key of the stored text filter ("" for none)."""

    page: int
    level: str
    query: str


def logs_query_key(text: str) -> str:
    """The short key a /logs text filter is stored under (same text, same key)."""
    return hashlib.sha256(text.encode()).hexdigest()[:10] if text else ""
