"""/users and /audit for admins: who may use the bot and in what role, and what was done.

Role changes (approve, promote, demote, block, unblock) are confirmed with a one-time token kept
server-side; admins named in ADMIN_USER_IDS cannot be demoted here (the service refuses too).
The user is told about their new role.
"""

from __future__ import annotations

from functools import cache

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.admin import deployment_roles as role_per_deployment
from telegram_frontend.bot.features.admin.callbacks import (
    AUDIT_VIEW,
    USERS_VIEW,
    RoleChange,
    UserCard,
)
from telegram_frontend.bot.features.admin.keyboards import (
    audit_keyboard,
    user_card_keyboard,
    users_keyboard,
)
from telegram_frontend.bot.features.admin.texts import (
    audit_page_text,
    new_role_text,
    role_change_question,
    role_changed_text,
    user_card_text,
    user_name,
    users_page_text,
)
from telegram_frontend.bot.ui.callbacks import ROLES_SCOPE, Confirm, Page
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.command_menus import sync_user_menu
from telegram_frontend.bot.ui.confirmed_actions import (
    Outcome,
    code_needed,
    offer,
    settle_code,
    settle_press,
)
from telegram_frontend.bot.ui.keyboards import clamp_page, confirm_keyboard, page_count
from telegram_frontend.bot.ui.pages import edit_screen
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import ConfirmationExpired
from telegram_frontend.core.formatters import paginate
from telegram_frontend.core.i18n import _, use_locale
from telegram_frontend.core.logging import get_logger
from telegram_frontend.models import User
from telegram_frontend.services.account.credentials import CredentialsService, TotpRequired
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.confirmations import ConfirmationService, Pending
from telegram_frontend.services.admin.deployment_access import deployment_roles
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.deployments.registry import Deployments

router = Router(name="admin")
log = get_logger(__name__)
USERS_PAGE = 8
AUDIT_PAGE = 10
ROLE_CHANGE = "user.role"


class RoleCode(StatesGroup):
    """Waiting for the admin's TOTP code that confirms a role change (when it is required)."""

    code = State()


# -- /users --------------------------------------------------------------------------------------


async def _users_page(
    actor: Actor, admin: User, page: int, users: UserService
) -> tuple[str, InlineKeyboardMarkup | None]:
    everyone = await users.list_users(actor)
    pages = page_count(len(everyone), USERS_PAGE)
    page = clamp_page(page, pages)
    shown = everyone[page * USERS_PAGE : (page + 1) * USERS_PAGE]
    text = users_page_text(everyone, shown, page, pages, admin.timezone)
    return text, users_keyboard(shown, page, pages)


@router.message(
    Command("users"),
    flags={
        "role": Role.ADMIN,
        "command": CommandInfo("users", "Users, access requests and roles", order=50),
    },
)
async def users_command(
    message: Message, actor: Actor, user: User, users: FromDishka[UserService]
) -> None:
    text, keyboard = await _users_page(actor, user, 0, users)
    await message.answer(text, reply_markup=keyboard)


@router.callback_query(Page.filter(F.view == USERS_VIEW), flags={"role": Role.ADMIN})
async def users_page(
    query: CallbackQuery,
    callback_data: Page,
    actor: Actor,
    user: User,
    users: FromDishka[UserService],
) -> None:
    text, keyboard = await _users_page(actor, user, callback_data.page, users)
    await edit_screen(query, paginate([text]), keyboard)


@router.callback_query(UserCard.filter(), flags={"role": Role.ADMIN})
async def user_card(
    query: CallbackQuery,
    callback_data: UserCard,
    user: User,
    users: FromDishka[UserService],
    deployments: FromDishka[Deployments],
) -> None:
    """One user with the role changes that make sense for them, edited in place."""
    target = await users.get(callback_data.user_id)
    if target is None or not isinstance(query.message, Message):
        await query.answer(_("There is no such user."), show_alert=True)
        return
    configured = target.id in users.admin_ids
    grants = deployment_roles(target.deployment_roles) if deployments.several else ()
    text = user_card_text(target, configured, user.timezone, grants)
    keyboard = user_card_keyboard(target, configured, callback_data.page)
    await edit_screen(query, paginate([text]), keyboard)


@router.callback_query(RoleChange.filter(), flags={"role": Role.ADMIN})
async def ask_role_change(
    query: CallbackQuery,
    callback_data: RoleChange,
    actor: Actor,
    state: FSMContext,
    users: FromDishka[UserService],
    confirmations: FromDishka[ConfirmationService],
    credentials: FromDishka[CredentialsService],
) -> None:
    target = await users.get(callback_data.user_id)
    if target is None or callback_data.role not in Role._value2member_map_:
        await query.answer(_("This button is no longer valid."), show_alert=True)
        return
    if target.id in users.admin_ids and callback_data.role != Role.ADMIN.value:
        await query.answer(
            _("This user is an admin by configuration (ADMIN_USER_IDS)."), show_alert=True
        )
        return
    try:
        by_code = await code_needed(credentials, actor)
    except TotpRequired as exc:
        await query.answer(exc.user_message, show_alert=True)
        return
    payload = {"user_id": target.id, "role": callback_data.role}
    pending = await confirmations.issue(actor.label, ROLE_CHANGE, payload)
    if isinstance(query.message, Message):
        question = role_change_question(target, callback_data.role, confirmations.ttl)
        keyboard = confirm_keyboard(ROLES_SCOPE, pending.token)
        code_state = RoleCode.code if by_code else None
        await offer(
            query.message, question, pending.token, keyboard, state=state, code_state=code_state
        )
    await query.answer()


async def _change_role(
    actor: Actor, users: UserService, pending: Pending, bot: Bot | None, deployments: Deployments
) -> Outcome:
    if pending.action != ROLE_CHANGE:
        raise ConfirmationExpired()
    role = Role(pending.payload["role"])
    target = await users.set_role(actor, int(pending.payload["user_id"]), role)

    async def tell() -> None:
        await _tell(bot, target, role, deployments)

    return Outcome(role_changed_text(target, role), then=tell)


@router.message(RoleCode.code, F.text, ~F.text.startswith("/"), flags={"role": Role.ADMIN})
async def role_change_code(
    message: Message,
    actor: Actor,
    state: FSMContext,
    users: FromDishka[UserService],
    confirmations: FromDishka[ConfirmationService],
    credentials: FromDishka[CredentialsService],
    deployments: FromDishka[Deployments],
) -> None:
    """One attempt: a valid TOTP code applies the pending role change; anything else does not."""

    async def run(token: str, code: str) -> Outcome:
        pending = await confirmations.consume(actor.label, token)
        if pending.action != ROLE_CHANGE:
            raise ConfirmationExpired()
        await credentials.check_second_factor(actor, code, ROLE_CHANGE)
        return await _change_role(actor, users, pending, message.bot, deployments)

    await settle_code(message, state, run)


@router.callback_query(Confirm.filter(F.scope == ROLES_SCOPE), flags={"role": Role.ADMIN})
async def confirm_role_change(
    query: CallbackQuery,
    callback_data: Confirm,
    actor: Actor,
    users: FromDishka[UserService],
    confirmations: FromDishka[ConfirmationService],
    deployments: FromDishka[Deployments],
) -> None:
    async def run() -> Outcome:
        pending = await confirmations.consume(actor.label, callback_data.token)
        return await _change_role(actor, users, pending, query.bot, deployments)

    async def drop() -> bool:
        return await confirmations.cancel(actor.label, callback_data.token)

    await settle_press(query, yes=callback_data.yes, drop=drop, run=run)


async def _tell(bot: Bot | None, target: User, role: Role, deployments: Deployments) -> None:
    """Tell the user their new role, and give them the menu of what they may do now."""
    if bot is None:
        return
    with use_locale(target.language):
        text = new_role_text(role)
    try:
        await bot.send_message(target.id, text)
    except TelegramAPIError as exc:
        log.warning("role_change_not_delivered", user_id=target.id, error=type(exc).__name__)
    await sync_user_menu(bot, target, deployments)


# -- /audit --------------------------------------------------------------------------------------


async def _audit_page(
    actor: Actor,
    admin: User,
    page: int,
    audit: AuditService,
    users: UserService,
    deployments: Deployments,
) -> tuple[str, InlineKeyboardMarkup | None]:
    page = max(page, 0)
    rows = list(await audit.recent(actor, limit=AUDIT_PAGE + 1, offset=page * AUDIT_PAGE))
    has_next = len(rows) > AUDIT_PAGE
    names = {f"tg:{u.id}": user_name(u) for u in await users.list_users(actor)}
    # Rows name their deployment only when there are several (one: the screen is as before)
    titles = {d.name: d.title for d in deployments} if deployments.several else None
    text = audit_page_text(rows[:AUDIT_PAGE], names, page, admin.timezone, titles)
    return text, audit_keyboard(page, has_next)


@router.message(
    Command("audit"),
    flags={
        "role": Role.ADMIN,
        "command": CommandInfo("audit", "Recent audited actions", order=51),
    },
)
async def audit_command(
    message: Message,
    actor: Actor,
    user: User,
    audit: FromDishka[AuditService],
    users: FromDishka[UserService],
    deployments: FromDishka[Deployments],
) -> None:
    text, keyboard = await _audit_page(actor, user, 0, audit, users, deployments)
    await message.answer(text, reply_markup=keyboard)


@router.callback_query(Page.filter(F.view == AUDIT_VIEW), flags={"role": Role.ADMIN})
async def audit_page(
    query: CallbackQuery,
    callback_data: Page,
    actor: Actor,
    user: User,
    audit: FromDishka[AuditService],
    users: FromDishka[UserService],
    deployments: FromDishka[Deployments],
) -> None:
    text, keyboard = await _audit_page(actor, user, callback_data.page, audit, users, deployments)
    await edit_screen(query, paginate([text]), keyboard)


@cache
def get_router() -> Router:
    """/users, /audit and /role, for the one router list in `bot/dispatcher.py`."""
    feature = Router(name="admin_feature")
    feature.include_routers(router, role_per_deployment.router)
    return feature
