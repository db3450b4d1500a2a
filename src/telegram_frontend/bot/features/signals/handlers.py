"""/signals [strategy]: recent decisions and why nothing (or something) was traded; admins can
force an indicator refresh, confirmed with a one-time token and audited by the service."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.signals.callbacks import (
    IndicatorRefresh,
    IndicatorRefreshConfirm,
)
from telegram_frontend.bot.features.signals.texts import (
    refresh_question,
    refreshed_text,
    report_blocks,
)
from telegram_frontend.bot.middlewares import chat_action
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.confirmed_actions import Outcome, settle_press
from telegram_frontend.bot.ui.deployment_choice import DEPLOYMENT_FLAG, Scope, Target
from telegram_frontend.bot.ui.keyboards import button, confirm_row, markup
from telegram_frontend.bot.ui.pages import answer_pages
from telegram_frontend.bot.ui.strategy_refs import resolve_ref, strategy_ref
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import ConfirmationExpired
from telegram_frontend.core.formatters import paginate
from telegram_frontend.core.i18n import _
from telegram_frontend.models import User
from telegram_frontend.services.admin.confirmations import ConfirmationService
from telegram_frontend.services.trading.service import TradingService
from telegram_frontend.services.trading.signals import REFRESH_ACTION

router = Router(name="signals")
chat_action.install(router.message, router.callback_query)


def _refresh_keyboard(strategy_id: str | None, role: Role, dep: str) -> InlineKeyboardMarkup | None:
    if not role.allows(Role.ADMIN):
        return None
    ref = strategy_ref(strategy_id, dep) if strategy_id else ""
    label = "🔄 " + _("Refresh indicators")
    return markup([[button(label, IndicatorRefresh(ref=ref, dep=dep).pack())]])


@router.message(
    Command("signals"),
    flags={
        "role": Role.VIEWER,
        "chat_action": "typing",
        DEPLOYMENT_FLAG: Scope.ONE,
        "command": CommandInfo(
            "signals", "Why a strategy is not trading: its recent decisions", "[id]", order=32
        ),
    },
)
async def signals_command(
    message: Message, command: CommandObject, actor: Actor, user: User, target: Target
) -> None:
    """Every instance without an argument; one strategy with `macd:<id>` or a bare id."""
    signals = target.deployment.signals
    report = await signals.signals(actor, (command.args or "").strip() or None)
    pages = paginate(target.head_blocks(report_blocks(report, user.timezone)))
    keyboard = _refresh_keyboard(report.strategy_id, actor.role, target.dep)
    await answer_pages(message, pages, keyboard)


async def _resolve(trading: TradingService, actor: Actor, ref: str) -> str | None:
    """None for the button that covers every monitored pair."""
    return await resolve_ref(trading, actor, ref) if ref else None


@router.callback_query(
    IndicatorRefresh.filter(), flags={"role": Role.ADMIN, DEPLOYMENT_FLAG: Scope.ONE}
)
async def ask_to_refresh(
    query: CallbackQuery,
    callback_data: IndicatorRefresh,
    actor: Actor,
    target: Target,
    confirmations: FromDishka[ConfirmationService],
) -> None:
    """Never on the first tap: a confirmation whose token keeps the target server-side."""
    if not isinstance(query.message, Message):
        await query.answer(_("This message is too old; send the command again."), show_alert=True)
        return
    strategy_id = await _resolve(target.deployment.trading, actor, callback_data.ref)
    pending = await confirmations.issue(
        actor.label, REFRESH_ACTION, target.stamp({"strategy_id": strategy_id or ""})
    )
    keyboard = markup(
        [
            confirm_row(
                IndicatorRefreshConfirm(token=pending.token, ok=True, dep=target.dep).pack(),
                IndicatorRefreshConfirm(token=pending.token, ok=False, dep=target.dep).pack(),
                _("Refresh"),
            )
        ]
    )
    question = target.headed(refresh_question(strategy_id), confirming=True)
    await query.message.answer(question, reply_markup=keyboard)
    await query.answer()


@router.callback_query(
    IndicatorRefreshConfirm.filter(), flags={"role": Role.ADMIN, DEPLOYMENT_FLAG: Scope.ONE}
)
async def confirm_refresh(
    query: CallbackQuery,
    callback_data: IndicatorRefreshConfirm,
    actor: Actor,
    target: Target,
    confirmations: FromDishka[ConfirmationService],
) -> None:
    """Take the token once, then refresh; the confirmation message becomes the outcome."""

    async def run() -> Outcome:
        pending = await confirmations.consume(actor.label, callback_data.token)
        if pending.action != REFRESH_ACTION:
            raise ConfirmationExpired()
        target.check_owns(pending.payload)
        strategy_id = str(pending.payload.get("strategy_id") or "") or None
        refreshed = await target.deployment.signals.refresh_indicators(actor, strategy_id)
        return Outcome(refreshed_text(refreshed))

    async def drop() -> bool:
        return await confirmations.cancel(actor.label, callback_data.token)

    await settle_press(query, yes=callback_data.ok, drop=drop, run=run, headed=target.headed)


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router
