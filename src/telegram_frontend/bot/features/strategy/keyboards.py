"""The buttons of /strategy: the list (a button per strategy, paging), a card, the confirmation."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup

from telegram_frontend.bot.features.strategy.callbacks import (
    CardAction,
    StrategyCard,
    StrategyConfirm,
    StrategyPage,
)
from telegram_frontend.bot.features.strategy.texts import button_label
from telegram_frontend.bot.ui.keyboards import (
    Row,
    button,
    confirm_row,
    markup,
    pagination_row,
    refresh_button,
)
from telegram_frontend.bot.ui.strategy_refs import strategy_ref
from telegram_frontend.core.access import Role
from telegram_frontend.core.i18n import _
from telegram_frontend.services.trading.records import Strategy, StrategyKind


def list_keyboard(
    shown: Sequence[Strategy], page: int, pages: int, dep: str = ""
) -> InlineKeyboardMarkup | None:
    rows: list[Row] = [
        [
            button(
                button_label(s),
                StrategyCard(action=CardAction.OPEN, ref=strategy_ref(s.id, dep), dep=dep).pack(),
            )
        ]
        for s in shown
    ]
    rows.append(pagination_row(page, pages, lambda p: StrategyPage(page=p, dep=dep).pack()))
    return markup(rows)


def card_keyboard(strategy: Strategy, role: Role, dep: str = "") -> InlineKeyboardMarkup | None:
    """Start/Stop where role and backend allow it, Refresh, Chart (MACD), back to the list."""
    ref = strategy_ref(strategy.id, dep)

    def data(action: CardAction) -> str:
        return StrategyCard(action=action, ref=ref, dep=dep).pack()

    controls: Row = []
    if role.allows(Role.TRADER) and strategy.can_start_stop:
        if strategy.active is not True:
            controls.append(button("▶️ " + _("Start"), data(CardAction.START)))
        if strategy.active is not False:
            controls.append(button("⏹ " + _("Stop"), data(CardAction.STOP)))
    tools: Row = [refresh_button(data(CardAction.REFRESH))]
    if strategy.kind is StrategyKind.MACD:
        tools.append(button("📈 " + _("Chart"), data(CardAction.CHART)))
    back = [button("◀ " + _("All strategies"), StrategyPage(page=0, dep=dep).pack())]
    return markup([controls, tools, back])


def confirm_keyboard(token: str, start: bool, dep: str = "") -> InlineKeyboardMarkup | None:
    return markup(
        [
            confirm_row(
                StrategyConfirm(token=token, ok=True, dep=dep).pack(),
                StrategyConfirm(token=token, ok=False, dep=dep).pack(),
                _("Start") if start else _("Stop"),
            )
        ]
    )
