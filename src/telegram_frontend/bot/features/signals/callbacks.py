"""Callback data of /signals: the admin's forced indicator refresh and its confirmation."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class IndicatorRefresh(CallbackData, prefix="irf"):
    """Ask to refresh; `ref` is a `strategy_ref` ("" for every monitored pair)."""

    ref: str
    dep: str = ""  # the deployment ("" with one): see bot/ui/deployment_choice


class IndicatorRefreshConfirm(CallbackData, prefix="irk"):
    """The answer to the confirmation; what to refresh stays server-side with the token."""

    token: str
    ok: bool
    dep: str = ""
