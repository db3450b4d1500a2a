"""Callback data of /alerts: the settings screen, the rules list, the rule dialog, its confirm."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class AlertsCb(CallbackData, prefix="alx"):
    """A button of the settings screen: `action` (mode, quiet, daily, weekly, ...) and its arg."""

    action: str
    arg: str = ""


class RuleCb(CallbackData, prefix="alr"):
    """Pause, resume or delete one rule (the owner is checked by the service)."""

    action: str
    rule_id: int


class RuleConfirm(CallbackData, prefix="alc"):
    """Yes/no on deleting a rule; the rule itself is in the server-side token."""

    token: str
    yes: bool


class RuleKindCb(CallbackData, prefix="alk"):
    """A kind picked in the rule dialog; `dep`: the dialog's deployment ("" with one)."""

    kind: str
    dep: str = ""
