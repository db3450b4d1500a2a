"""Alert rules in the bot (`/alerts rules`, `/alerts add`): list, add, pause/resume, delete.

The dialog asks kind → symbol, strategy or service → threshold; each answer is checked by
`AlertService` and a bad one gets the reason and the same question again, keeping the answers
already given. /cancel leaves at any step. Deleting asks first, with a one-time token.

A rule watches one deployment. With several, `/alerts add` works on the deployment named first
(`/alerts mainnet add`), the remembered one, or the one picked (`deployment_choice`); every
prompt and the confirmation name it first, and the list shows each rule's deployment.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
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
from telegram_frontend.bot.ui.deployment_choice import (
    DEPLOYMENT_FLAG,
    STATE_KEY,
    Scope,
    Target,
    target_of,
)
from telegram_frontend.bot.ui.deployment_picker import offer_picker
from telegram_frontend.bot.ui.deployment_texts import unknown_deployment_text
from telegram_frontend.bot.ui.outcomes import failed_text
from telegram_frontend.bot.ui.pages import NOT_MODIFIED
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.caching.cache import Cache
from telegram_frontend.core.errors import ConfirmationExpired, FrontendError, ValidationFailed
from telegram_frontend.core.i18n import _
from telegram_frontend.services.admin.confirmations import ConfirmationService
from telegram_frontend.services.deployments.registry import Deployments, UnknownDeployment
from telegram_frontend.services.notifications.alert_rules import (
    AlertService,
    RuleKind,
    parse_rule_kind,
    parse_target,
)

router = Router(name="alert_rules")
DELETE_ACTION = "alert.delete"
ADD_COMMAND = "/alerts add"
ADD_ARGS = r"(?i)^\s*(\S+\s+)?add\b"  # `add`, or a deployment's name and `add`


class RuleForm(StatesGroup):
    kind = State()
    target = State()
    threshold = State()


def _again(exc: FrontendError, target: Target) -> str:
    return target.headed(retry_text(exc.user_message))


async def show_rules(
    message: Message, actor: Actor, alerts: AlertService, deployments: Deployments
) -> None:
    """`/alerts rules`: every rule of the user, each with its deployment."""
    rules = await alerts.list_rules(actor)
    await message.answer(rules_text(rules, deployments), reply_markup=rules_keyboard(rules))


@router.message(
    Command("alerts", magic=F.args.regexp(ADD_ARGS)),
    flags={"role": Role.VIEWER, DEPLOYMENT_FLAG: Scope.ONE},
)
async def add_command(
    message: Message,
    command: CommandObject,
    actor: Actor,
    state: FSMContext,
    target: Target,
    alerts: FromDishka[AlertService],
    deployments: FromDishka[Deployments],
) -> None:
    """`/alerts [deployment] add` (the dialog) and `/alerts [deployment] add KIND TARGET
    [THRESHOLD]`, on the deployment named, remembered or picked."""
    await state.clear()
    args = (command.args or "").split()
    try:
        if args[0].lower() != "add":  # a first word the access gate did not take for a name
            deployments.get(args.pop(0))  # unknown: refused; the one deployment: nothing to do
    except UnknownDeployment as exc:
        await message.answer(failed_text(unknown_deployment_text(exc.given, exc.known)))
        return
    if len(args) == 1:
        await _start_dialog(message, state, target)
        return
    try:
        kind = parse_rule_kind(args[1])
        if len(args) < 3:
            raise ValidationFailed("Usage: /alerts add KIND TARGET [THRESHOLD].")
        threshold = args[3] if len(args) > 3 else None
        rule = await alerts.add_rule(actor, kind, args[2], threshold, target.dep or None)
    except FrontendError as exc:
        await message.answer(target.headed(failed_text(exc.user_message)))
        return
    await message.answer(target.headed(rule_added_text(rule)))


async def _start_dialog(message: Message, state: FSMContext, target: Target) -> None:
    await state.set_state(RuleForm.kind)
    await state.update_data({STATE_KEY: target.name})
    await message.answer(
        target.headed(dialog_start_text()), reply_markup=kinds_keyboard(target.dep)
    )


@router.callback_query(AlertsCb.filter(F.action == "add"), flags={"role": Role.VIEWER})
async def add_button(
    query: CallbackQuery,
    actor: Actor,
    state: FSMContext,
    deployments: FromDishka[Deployments],
    cache: FromDishka[Cache],
) -> None:
    """ "Add rule": the dialog; with several deployments it first asks which (never a guess)."""
    await query.answer()
    if not isinstance(query.message, Message):
        return
    await state.clear()
    if deployments.several:
        await offer_picker(query.message, cache, deployments, query.from_user.id, ADD_COMMAND)
        return
    await _start_dialog(query.message, state, target_of(deployments.default, actor, False))


@router.callback_query(AlertsCb.filter(F.action == "rules"), flags={"role": Role.VIEWER})
async def rules_button(
    query: CallbackQuery,
    actor: Actor,
    alerts: FromDishka[AlertService],
    deployments: FromDishka[Deployments],
) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await show_rules(query.message, actor, alerts, deployments)


async def _chosen_kind(message: Message, state: FSMContext, kind: RuleKind, target: Target) -> None:
    await state.update_data({"kind": kind.value, STATE_KEY: target.name})
    await state.set_state(RuleForm.target)
    await message.answer(target.headed(target_question(kind)))


@router.callback_query(
    RuleForm.kind, RuleKindCb.filter(), flags={"role": Role.VIEWER, DEPLOYMENT_FLAG: Scope.ONE}
)
async def kind_button(
    query: CallbackQuery, callback_data: RuleKindCb, state: FSMContext, target: Target
) -> None:
    try:
        kind = parse_rule_kind(callback_data.kind)
    except FrontendError as exc:
        await query.answer(exc.user_message, show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await _chosen_kind(query.message, state, kind, target)


@router.callback_query(RuleKindCb.filter(), flags={"role": Role.VIEWER})
async def stale_kind_button(query: CallbackQuery) -> None:
    await query.answer(_("This dialog is over. Send /alerts add to start again."), show_alert=True)


@router.message(
    RuleForm.kind,
    F.text,
    ~F.text.startswith("/"),
    flags={"role": Role.VIEWER, DEPLOYMENT_FLAG: Scope.ONE},
)
async def kind_answer(message: Message, state: FSMContext, target: Target) -> None:
    try:
        kind = parse_rule_kind(message.text or "")
    except FrontendError as exc:
        await message.answer(_again(exc, target), reply_markup=kinds_keyboard(target.dep))
        return
    await _chosen_kind(message, state, kind, target)


@router.message(
    RuleForm.target,
    F.text,
    ~F.text.startswith("/"),
    flags={"role": Role.VIEWER, DEPLOYMENT_FLAG: Scope.ONE},
)
async def target_answer(
    message: Message,
    actor: Actor,
    state: FSMContext,
    target: Target,
    alerts: FromDishka[AlertService],
) -> None:
    kind = RuleKind((await state.get_data())["kind"])
    try:
        watched = parse_target(kind, message.text or "")
    except FrontendError as exc:
        await message.answer(_again(exc, target))
        return
    await state.update_data(target=watched)
    if kind.needs_threshold:
        await state.set_state(RuleForm.threshold)
        await message.answer(target.headed(threshold_question(kind)))
        return
    await _save(message, actor, state, target, alerts, None)


@router.message(
    RuleForm.threshold,
    F.text,
    ~F.text.startswith("/"),
    flags={"role": Role.VIEWER, DEPLOYMENT_FLAG: Scope.ONE},
)
async def threshold_answer(
    message: Message,
    actor: Actor,
    state: FSMContext,
    target: Target,
    alerts: FromDishka[AlertService],
) -> None:
    await _save(message, actor, state, target, alerts, message.text or "")


async def _save(
    message: Message,
    actor: Actor,
    state: FSMContext,
    target: Target,
    alerts: AlertService,
    threshold: str | None,
) -> None:
    """The rule, for the dialog's deployment (stored by name only when there are several)."""
    data = await state.get_data()
    try:
        rule = await alerts.add_rule(
            actor, RuleKind(data["kind"]), data["target"], threshold, target.dep or None
        )
    except FrontendError as exc:
        await message.answer(_again(exc, target))
        return
    await state.clear()
    await message.answer(target.headed(rule_added_text(rule)))


@router.callback_query(
    RuleCb.filter(F.action.in_({"pause", "resume"})), flags={"role": Role.VIEWER}
)
async def pause_or_resume(
    query: CallbackQuery,
    callback_data: RuleCb,
    actor: Actor,
    alerts: FromDishka[AlertService],
    deployments: FromDishka[Deployments],
) -> None:
    active = callback_data.action == "resume"
    rule = await alerts.set_active(actor, callback_data.rule_id, active)
    await query.answer(rule_switched_toast(rule, active))
    if isinstance(query.message, Message):
        rules = await alerts.list_rules(actor)
        await query.message.edit_text(
            rules_text(rules, deployments), reply_markup=rules_keyboard(rules)
        )


@router.callback_query(RuleCb.filter(F.action == "delete"), flags={"role": Role.VIEWER})
async def ask_delete(
    query: CallbackQuery,
    callback_data: RuleCb,
    actor: Actor,
    alerts: FromDishka[AlertService],
    confirmations: FromDishka[ConfirmationService],
    deployments: FromDishka[Deployments],
) -> None:
    rule = await alerts.get_rule(actor, callback_data.rule_id)
    pending = await confirmations.issue(actor.label, DELETE_ACTION, {"rule_id": rule.id})
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            delete_question(rule, confirmations.ttl, deployments),
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
