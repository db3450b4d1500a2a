"""The vocabulary of notifications: types users can mute, delivery modes, and a `Notice`.

A `Notice` is what a cause (a trade, a breach, an API event) wants said; it renders itself per
recipient (language and time zone), so one notice becomes one outbox row per chat, each in its
reader's language.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram_frontend.core.access import Role


class NoticeType(enum.StrEnum):
    """What a user can switch on, silence or off, one by one."""

    TRADES = "trades"
    SYSTEM = "system"
    RISK = "risk"
    PERFORMANCE = "performance"
    DIGESTS = "digests"


class Mode(enum.StrEnum):
    ON = "on"
    SILENT = "silent"
    OFF = "off"


class Severity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


SEVERITY_ICON = {Severity.INFO: "ℹ️", Severity.WARNING: "⚠️", Severity.CRITICAL: "🚨"}


@dataclass(frozen=True)
class Audience:
    """Who reads a rendering: their language and time zone (group routes use the defaults)."""

    language: str = "en"
    timezone: str = "UTC"


Renderer = Callable[[Audience], str]
MarkupRenderer = Callable[[Audience], dict[str, Any] | None]


@dataclass(frozen=True)
class Notice:
    """One thing to tell people about.

    `key` identifies the cause (the dedupe key: the same key never reaches a chat twice);
    `thread_key` links follow-ups (same order, same strategy) so they reply to the first message;
    `user_ids` narrows the audience to those users (a rule's owner, a test); `min_role=None`
    admits any role (an answer to a pending user); `force` delivers even when the user switched
    the type off (answers to the user's own request, access requests to admins);
    `deployment` names the deployment it is about (None: the frontend itself, or an event that
    names none): routes limited to another deployment and users who muted it skip it.
    """

    type: NoticeType
    key: str
    render: Renderer
    severity: Severity = Severity.INFO
    thread_key: str | None = None
    user_ids: frozenset[int] | None = None
    min_role: Role | None = Role.VIEWER
    to_routes: bool = True
    force: bool = False
    markup: MarkupRenderer | None = None
    deployment: str | None = None
