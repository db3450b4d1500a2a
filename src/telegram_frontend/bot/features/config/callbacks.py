"""Callback data of /config: one factory for every button of the settings screens."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class Cfg(CallbackData, prefix="cfg"):
    """A /config button: `action` names it, `arg` carries a language, theme or setting key."""

    action: str
    arg: str = ""


USER_ACTIONS = {"menu", "lang", "theme", "tz"}
ADMIN_ACTIONS = {"sys", "skey", "sset"}
SECRET_ACTIONS = {"keys", "rmkeys", "totp_on", "totp_off"}
