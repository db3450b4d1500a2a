"""Callback data of /config: one factory for every button of the settings screens."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class Cfg(CallbackData, prefix="cfg"):
    """A /config button: `action` names it, `arg` carries a language, theme or setting key;
    `dep` the deployment whose Binance keys a key button acts on (with several)."""

    action: str
    arg: str = ""
    dep: str = ""


USER_ACTIONS = {"menu", "lang", "theme", "tz"}
ADMIN_ACTIONS = {"sys", "skey", "sset"}
KEY_ACTIONS = {"keys", "rmkeys"}
TOTP_ACTIONS = {"totp_on", "totp_off"}
