"""Alert rules in the bot (`/alerts rules`, `/alerts add`): list, add, pause/resume, delete.

The dialog asks kind → symbol, strategy or service → threshold; each answer is checked by
`AlertService` and a bad one gets the reason and the same question again, keeping the answers
already given. /cancel leaves at any step. Deleting asks first, with a one-time token.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.alerts.callbacks import (
    AlertsCb,
    RuleCb,
    RuleConfirm,
    RuleKindCb,
)
from telegram_frontend.bot.features.alerts.keyboards import (
    confirm_delete_keyboard,
    kinds_keyboard,
    rules_keyboard,
)
from telegram_frontend.bot.features.alerts.texts import (
    delete_question,
    deleted_text,
    dialog_start_text,
    kept_text,
    retry_text,
    rule_added_text,
    rule_switched_toast,
    rules_text,
    target_question,
    threshold_question,
)
from telegram_frontend.bot.ui.outcomes import failed_text
from telegram_frontend.bot.ui.pages import NOT_MODIFIED
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import ConfirmationExpired, FrontendError, ValidationFailed
from telegram_frontend.core.i18n import _
from telegram_frontend.services.admin.confirmations import ConfirmationService
from telegram_frontend.services.notifications.alert_rules import (
    AlertService,
    RuleKind,
    parse_rule_kind,
    parse_target,
)

router = Router(name="alert_rules")
DELETE_ACTION = "alert.delete"


class RuleForm(StatesGroup):
    kind = State()
    target = State()
    threshold = State()


def _again(exc: FrontendError) -> str:
    return retry_text(exc.user_message)


async def rules_entry(
    message: Message, actor: Actor, state: FSMContext, alerts: AlertService, args: list[str]
) -> None:
    """`/alerts rules`, `/alerts add` (the dialog) and `/alerts add KIND TARGET [THRESHOLD]`."""
    await state.clear()
    if args[0].lower() == "rules":
        rules = await alerts.list_rules(actor)
        await message.answer(rules_text(rules), reply_markup=rules_keyboard(rules))
        return
    if len(args) == 1:
        await _start_dialog(message, state)
        return
    try:
        kind = parse_rule_kind(args[1])
        if len(args) < 3:
            raise ValidationFailed("Usage: /alerts add KIND TARGET [THRESHOLD].")
        rule = await alerts.add_rule(actor, kind, args[2], args[3] if len(args) > 3 else None)
    except FrontendError as exc:
        await message.answer(failed_text(exc.user_message))
        return
    await message.answer(rule_added_text(rule))


async def _start_dialog(message: Message, state: FSMContext) -> None:
    await state.set_state(RuleForm.kind)
    await message.answer(dialog_start_text(), reply_markup=kinds_keyboard())


@router.callback_query(AlertsCb.filter(F.action == "add"), flags={"role": Role.VIEWER})
async def add_button(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await state.clear()
        await _start_dialog(query.message, state)


@router.callback_query(AlertsCb.filter(F.action == "rules"), flags={"role": Role.VIEWER})
async def rules_button(
    query: CallbackQuery, actor: Actor, alerts: FromDishka[AlertService]
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        rules = await alerts.list_rules(actor)
        await query.message.answer(rules_text(rules), reply_markup=rules_keyboard(rules))


async def _chosen_kind(target: Message, state: FSMContext, kind: RuleKind) -> None:
    await state.update_data(kind=kind.value)
    await state.set_state(RuleForm.target)
    await target.answer(target_question(kind))


@router.callback_query(RuleForm.kind, RuleKindCb.filter(), flags={"role": Role.VIEWER})
async def kind_button(query: CallbackQuery, callback_data: RuleKindCb, state: FSMContext) -> None:
    try:
        kind = parse_rule_kind(callback_data.kind)
    except FrontendError as exc:
        await query.answer(exc.user_message, show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await _chosen_kind(query.message, state, kind)


@router.callback_query(RuleKindCb.filter(), flags={"role": Role.VIEWER})
async def stale_kind_button(query: CallbackQuery) -> None:
    await query.answer(_("This dialog is over. Send /alerts add to start again."), show_alert=True)


@router.message(RuleForm.kind, F.text, ~F.text.startswith("/"), flags={"role": Role.VIEWER})
async def kind_answer(message: Message, state: FSMContext) -> None:
    try:
        kind = parse_rule_kind(message.text or "")
    except FrontendError as exc:
        await message.answer(_again(exc), reply_markup=kinds_keyboard())
        return
    await _chosen_kind(message, state, kind)


@router.message(RuleForm.target, F.text, ~F.text.startswith("/"), flags={"role": Role.VIEWER})
async def target_answer(
    message: Message, actor: Actor, state: FSMContext, alerts: FromDishka[AlertService]
) -> None:
    kind = RuleKind((await state.get_data())["kind"])
    try:
        target = parse_target(kind, message.text or "")
    except FrontendError as exc:
        await message.answer(_again(exc))
        return
    await state.update_data(target=target)
    if kind.needs_threshold:
        await state.set_state(RuleForm.threshold)
        await message.answer(threshold_question(kind))
        return
    await _save(message, actor, state, alerts, None)


@router.message(RuleForm.threshold, F.text, ~F.text.startswith("/"), flags={"role": Role.VIEWER})
async def threshold_answer(
    message: Message, actor: Actor, state: FSMContext, alerts: FromDishka[AlertService]
) -> None:
    await _save(message, actor, state, alerts, message.text or "")


async def _save(
    message: Message, actor: Actor, state: FSMContext, alerts: AlertService, threshold: str | None
) -> None:
    data = await state.get_data()
    try:
        rule = await alerts.add_rule(actor, RuleKind(data["kind"]), data["target"], threshold)
    except FrontendError as exc:
        await message.answer(_again(exc))
        return
    await state.clear()
    await message.answer(rule_added_text(rule))


@router.callback_query(
    RuleCb.filter(F.action.in_({"pause", "resume"})), flags={"role": Role.VIEWER}
)
async def pause_or_resume(
    query: CallbackQuery, callback_data: RuleCb, actor: Actor, alerts: FromDishka[AlertService]
) -> None:
    active = callback_data.action == "resume"
    rule = await alerts.set_active(actor, callback_data.rule_id, active)
    await query.answer(rule_switched_toast(rule, active))
    if isinstance(query.message, Message):
        rules = await alerts.list_rules(actor)
        await query.message.edit_text(rules_text(rules), reply_markup=rules_keyboard(rules))


@router.callback_query(RuleCb.filter(F.action == "delete"), flags={"role": Role.VIEWER})
async def ask_delete(
    query: CallbackQuery,
    callback_data: RuleCb,
    actor: Actor,
    alerts: FromDishka[AlertService],
    confirmations: FromDishka[ConfirmationService],
) -> None:
    rule = await alerts.get_rule(actor, callback_data.rule_id)
    pending = await confirmations.issue(actor.label, DELETE_ACTION, {"rule_id": rule.id})
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            delete_question(rule, confirmations.ttl),
            reply_markup=confirm_delete_keyboard(pending.token),
        )


@router.callback_query(RuleConfirm.filter(), flags={"role": Role.VIEWER})
async def confirm_delete(
    query: CallbackQuery,
    callback_data: RuleConfirm,
    actor: Actor,
    alerts: FromDishka[AlertService],
    confirmations: FromDishka[ConfirmationService],
) -> None:
    if not callback_data.yes:
        await confirmations.cancel(actor.label, callback_data.token)
        await query.answer(_("Kept."))
        if isinstance(query.message, Message):
            try:
                await query.message.edit_text(kept_text())
            except TelegramBadRequest as exc:  # pressed twice: the message already says so
                if NOT_MODIFIED not in exc.message:
                    raise
        return
    try:
        pending = await confirmations.consume(actor.label, callback_data.token)
        if pending.action != DELETE_ACTION:
            raise ConfirmationExpired()
        await alerts.delete_rule(actor, int(pending.payload["rule_id"]))
    except FrontendError as exc:
        await query.answer(exc.user_message, show_alert=True)
        return
    await query.answer(_("Deleted."))
    if isinstance(query.message, Message):
        await query.message.edit_text(deleted_text())
