"""/alerts: what each user is told and how loudly; digests; a test message; admins' routes.

Per type (trades, system, risk, performance, digests) a button cycles on → silent → off and the
screen is edited in place. Quiet hours and the digest time are asked for in a short dialog (or
given as arguments). Every change goes through `NotificationPreferences`, the same core the API
would use; routes to group chats are admin-only at the door and again in the core.
"""

from __future__ import annotations

import secrets
from functools import cache

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.alerts import rule_handlers
from telegram_frontend.bot.features.alerts.callbacks import AlertsCb
from telegram_frontend.bot.features.alerts.keyboards import settings_keyboard
from telegram_frontend.bot.features.alerts.texts import (
    digest_text,
    digest_time_prompt,
    done_text,
    mode_set_text,
    mode_toast,
    muted_text,
    quiet_prompt,
    quiet_text,
    retry_text,
    route_text,
    routes_text,
    settings_text,
    test_sent_text,
)
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.outcomes import failed_text
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import FrontendError, ValidationFailed
from telegram_frontend.core.i18n import _
from telegram_frontend.services.deployments.registry import Deployments
from telegram_frontend.services.notifications.alert_rules import AlertService
from telegram_frontend.services.notifications.preferences import (
    WEEKDAYS,
    NotificationPreferences,
    parse_kind,
)
from telegram_frontend.services.notifications.service import NotificationService
from telegram_frontend.services.notifications.texts import test_notice
from telegram_frontend.services.notifications.types import Mode

router = Router(name="alerts")

USAGE = (
    "[quiet HH:MM HH:MM|off] [digest daily|weekly on|off] [digest time HH:MM] "
    "[TYPE on|silent|off] [rules] [add] [test]"
)


class AlertsForm(StatesGroup):
    quiet = State()
    digest_time = State()


async def show_settings(
    target: Message,
    actor: Actor,
    prefs_service: NotificationPreferences,
    alerts: AlertService,
    *,
    edit: bool = False,
) -> None:
    prefs = await prefs_service.view(actor)
    rules = await alerts.list_rules(actor)
    text, markup = settings_text(prefs, rules), settings_keyboard(prefs)
    if edit:
        await target.edit_text(text, reply_markup=markup)
    else:
        await target.answer(text, reply_markup=markup)


def parse_weekday(raw: str) -> int | None:
    text = raw.strip().lower()[:3]
    return WEEKDAYS.index(text) if text in WEEKDAYS else None


async def _apply_quiet(actor: Actor, prefs: NotificationPreferences, raw: str) -> str:
    parts = raw.replace("-", " ").replace("–", " ").split()
    if len(parts) == 1 and parts[0].lower() == "off":
        view = await prefs.set_quiet_hours(actor, None, None)
    elif len(parts) == 2:
        view = await prefs.set_quiet_hours(actor, parts[0], parts[1])
    else:
        raise ValidationFailed("Send two times like 22:00 07:00, or off.")
    return done_text(quiet_text(view))


async def _apply_digest_time(actor: Actor, prefs: NotificationPreferences, raw: str) -> str:
    parts = raw.split()
    weekday = None
    if len(parts) == 2:
        weekday = parse_weekday(parts[0])
        if weekday is None:
            raise ValidationFailed("The day must be one of mon, tue, wed, thu, fri, sat, sun.")
        parts = parts[1:]
    if len(parts) != 1:
        raise ValidationFailed("Send a time like 08:00, or a day and a time like mon 08:00.")
    view = await prefs.set_digest(actor, at=parts[0], weekday=weekday)
    return done_text(digest_text(view))


async def _apply_args(
    actor: Actor,
    args: list[str],
    prefs: NotificationPreferences,
    notifications: NotificationService,
) -> str:
    """`/alerts <args>` as one sentence of what was done."""
    head = args[0].lower()
    if head == "quiet":
        return await _apply_quiet(actor, prefs, " ".join(args[1:]))
    if head == "test":
        return await _send_test(actor, notifications)
    if head == "digest" and len(args) >= 3 and args[1].lower() == "time":
        return await _apply_digest_time(actor, prefs, " ".join(args[2:]))
    if head == "digest" and len(args) >= 3 and args[1].lower() in ("daily", "weekly"):
        switch = args[2].lower()
        if switch not in ("on", "off"):
            raise ValidationFailed("Say on or off, like /alerts digest daily on.")
        on = switch == "on"
        if args[1].lower() == "daily":
            view = await prefs.set_digest(actor, daily=on)
        else:
            view = await prefs.set_digest(actor, weekly=on)
        return done_text(digest_text(view))
    if head in ("mute", "unmute") and len(args) == 2:
        muted = head == "mute"
        await prefs.set_muted(actor, args[1], muted)  # an unknown name is refused there
        return muted_text(args[1].strip().lower(), muted)
    if len(args) == 2:
        kind = parse_kind(head)
        try:
            mode = Mode(args[1].lower())
        except ValueError:
            raise ValidationFailed("The mode is one of on, silent, off.") from None
        await prefs.set_mode(actor, kind, mode)
        return mode_set_text(kind, mode)
    raise ValidationFailed(f"Unknown /alerts arguments. Usage: /alerts {USAGE}")


async def _send_test(actor: Actor, notifications: NotificationService) -> str:
    assert actor.user_id is not None
    key = f"test:{actor.user_id}:{secrets.token_hex(6)}"
    await notifications.notify_now(test_notice(actor.user_id, key))
    return test_sent_text()


@router.message(
    Command("alerts", magic=F.args.regexp(r"(?i)^\s*(route|unroute|routes)\b")),
    flags={"role": Role.ADMIN},
)
async def routes_command(
    message: Message,
    command: CommandObject,
    actor: Actor,
    prefs: FromDishka[NotificationPreferences],
) -> None:
    """`/alerts route TYPE CHAT_ID [TOPIC_ID] [DEPLOYMENT]`, `/alerts unroute TYPE CHAT_ID
    [DEPLOYMENT]`, `/alerts routes` (the words are read by the service, as for the API)."""
    args = (command.args or "").split()
    try:
        if args[0].lower() == "routes":
            await message.answer(routes_text(await prefs.routes(actor)))
            return
        request = prefs.parse_route(args)
        if request.remove:
            await prefs.remove_route(actor, request.kind, request.chat_id, request.deployment)
        else:
            await prefs.set_route(
                actor, request.kind, request.chat_id, request.thread_id, request.deployment
            )
    except FrontendError as exc:
        await message.answer(failed_text(exc.user_message))
        return
    await message.answer(
        route_text(
            request.kind,
            request.chat_id,
            request.thread_id,
            removed=request.remove,
            deployment=request.deployment,
        )
    )


@router.message(
    Command("alerts"),
    flags={
        "role": Role.VIEWER,
        "command": CommandInfo(
            "alerts", "Notifications, quiet hours, digests, alert rules", USAGE, order=35
        ),
    },
)
async def alerts_command(
    message: Message,
    command: CommandObject,
    actor: Actor,
    state: FSMContext,
    prefs: FromDishka[NotificationPreferences],
    alerts: FromDishka[AlertService],
    notifications: FromDishka[NotificationService],
    deployments: FromDishka[Deployments],
) -> None:
    args = (command.args or "").split()
    await state.clear()
    if args and args[0].lower() == "rules":  # `add` is `rule_handlers.add_command`
        await rule_handlers.show_rules(message, actor, alerts, deployments)
        return
    if not args:
        await show_settings(message, actor, prefs, alerts)
        return
    try:
        text = await _apply_args(actor, args, prefs, notifications)
    except FrontendError as exc:
        await message.answer(failed_text(exc.user_message))
        return
    await message.answer(text)


@router.callback_query(AlertsCb.filter(F.action == "mode"), flags={"role": Role.VIEWER})
async def cycle_mode(
    query: CallbackQuery,
    callback_data: AlertsCb,
    actor: Actor,
    prefs: FromDishka[NotificationPreferences],
    alerts: FromDishka[AlertService],
) -> None:
    kind = parse_kind(callback_data.arg)
    view = await prefs.cycle_mode(actor, kind)
    await query.answer(mode_toast(kind, view.modes[kind]))
    if isinstance(query.message, Message):
        await show_settings(query.message, actor, prefs, alerts, edit=True)


@router.callback_query(
    AlertsCb.filter(F.action.in_({"daily", "weekly"})), flags={"role": Role.VIEWER}
)
async def toggle_digest(
    query: CallbackQuery,
    callback_data: AlertsCb,
    actor: Actor,
    prefs: FromDishka[NotificationPreferences],
    alerts: FromDishka[AlertService],
) -> None:
    current = await prefs.view(actor)
    if callback_data.action == "daily":
        view = await prefs.set_digest(actor, daily=not current.digest_daily)
    else:
        view = await prefs.set_digest(actor, weekly=not current.digest_weekly)
    await query.answer(digest_text(view)[:200])
    if isinstance(query.message, Message):
        await show_settings(query.message, actor, prefs, alerts, edit=True)


@router.callback_query(
    AlertsCb.filter(F.action.in_({"quiet", "digest_time"})), flags={"role": Role.VIEWER}
)
async def ask_for_time(
    query: CallbackQuery,
    callback_data: AlertsCb,
    actor: Actor,
    state: FSMContext,
    prefs: FromDishka[NotificationPreferences],
) -> None:
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if callback_data.action == "quiet":
        view = await prefs.view(actor)
        await state.set_state(AlertsForm.quiet)
        await query.message.answer(quiet_prompt(view.timezone))
    else:
        await state.set_state(AlertsForm.digest_time)
        await query.message.answer(digest_time_prompt())


@router.message(AlertsForm.quiet, F.text, ~F.text.startswith("/"), flags={"role": Role.VIEWER})
async def quiet_answer(
    message: Message, actor: Actor, state: FSMContext, prefs: FromDishka[NotificationPreferences]
) -> None:
    try:
        text = await _apply_quiet(actor, prefs, message.text or "")
    except ValidationFailed as exc:
        await message.answer(retry_text(exc.user_message))
        return
    await state.clear()
    await message.answer(text)


@router.message(
    AlertsForm.digest_time, F.text, ~F.text.startswith("/"), flags={"role": Role.VIEWER}
)
async def digest_time_answer(
    message: Message, actor: Actor, state: FSMContext, prefs: FromDishka[NotificationPreferences]
) -> None:
    try:
        text = await _apply_digest_time(actor, prefs, message.text or "")
    except ValidationFailed as exc:
        await message.answer(retry_text(exc.user_message))
        return
    await state.clear()
    await message.answer(text)


@router.callback_query(AlertsCb.filter(F.action == "test"), flags={"role": Role.VIEWER})
async def test_button(
    query: CallbackQuery, actor: Actor, notifications: FromDishka[NotificationService]
) -> None:
    await query.answer(_("A test notification is on its way."))
    await _send_test(actor, notifications)


@cache
def get_router() -> Router:
    """The feature's routers, for `bot/dispatcher.py`: the rules first (their `/alerts add`
    works on a deployment, and must be tried before the settings' catch-all `/alerts`)."""
    feature = Router(name="alerts_feature")
    feature.include_routers(rule_handlers.router, router)
    return feature
