"""/role: an admin gives a user a role on one deployment (trader on testnet, viewer on mainnet).

Confirmed like every role change (buttons, or the admin's TOTP code when two-factor is
required), applied and audited by `DeploymentAccess.grant`; the user is told and their command
menu follows. "default" clears the grant, so the user's own role applies there again.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.admin.texts import (
    deployment_role_question,
    deployment_role_set_text,
    deployment_role_usage_text,
    new_deployment_role_text,
    no_such_user_text,
)
from telegram_frontend.bot.ui.callbacks import DEPLOYMENT_ROLES_SCOPE, Confirm
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.command_menus import sync_user_menu
from telegram_frontend.bot.ui.confirmed_actions import (
    Outcome,
    code_needed,
    offer,
    settle_code,
    settle_press,
)
from telegram_frontend.bot.ui.deployment_texts import heading_line, single_deployment_text
from telegram_frontend.bot.ui.keyboards import confirm_keyboard
from telegram_frontend.bot.ui.outcomes import failed_text
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import ConfirmationExpired
from telegram_frontend.core.i18n import use_locale
from telegram_frontend.core.logging import get_logger
from telegram_frontend.models import User
from telegram_frontend.services.account.credentials import CredentialsService, TotpRequired
from telegram_frontend.services.admin.confirmations import ConfirmationService, Pending
from telegram_frontend.services.admin.deployment_access import DeploymentAccess
from telegram_frontend.services.admin.users import UserService
from telegram_frontend.services.deployments.registry import Deployment, Deployments

router = Router(name="admin_deployment_roles")


log = get_logger(__name__)
DEPLOYMENT_ROLE = "user.deployment_role"
CHOICES: dict[str, Role | None] = {
    "viewer": Role.VIEWER,
    "trader": Role.TRADER,
    "admin": Role.ADMIN,
    "default": None,
}


class DeploymentRoleCode(StatesGroup):
    """Waiting for the admin's TOTP code that confirms a deployment role (when required)."""

    code = State()


def parse_role_args(
    args: str | None, deployments: Deployments
) -> tuple[int, Deployment, Role | None] | None:
    """`USER_ID DEPLOYMENT viewer|trader|admin|default`, or None when it is not that."""
    words = (args or "").split()
    if len(words) != 3 or not words[0].isdigit() or words[2].lower() not in CHOICES:
        return None
    deployment = deployments.find(words[1])
    if deployment is None:
        return None
    return int(words[0]), deployment, CHOICES[words[2].lower()]


@router.message(
    Command("role"),
    flags={
        "role": Role.ADMIN,
        "command": CommandInfo(
            "role",
            "A user's role on one deployment",
            "USER_ID DEPLOYMENT viewer|trader|admin|default",
            order=52,
            several_only=True,
        ),
    },
)
async def role_command(
    message: Message,
    command: CommandObject,
    actor: Actor,
    state: FSMContext,
    users: FromDishka[UserService],
    deployments: FromDishka[Deployments],
    confirmations: FromDishka[ConfirmationService],
    credentials: FromDishka[CredentialsService],
) -> None:
    """Ask for confirmation; nothing changes yet."""
    if not deployments.several:
        await message.answer(single_deployment_text(deployments.default))
        return
    parsed = parse_role_args(command.args, deployments)
    if parsed is None:
        await message.answer(deployment_role_usage_text(deployments.names()))
        return
    user_id, deployment, role = parsed
    target = await users.get(user_id)
    if target is None:
        await message.answer(no_such_user_text())
        return
    try:
        by_code = await code_needed(credentials, actor)
    except TotpRequired as exc:
        await message.answer(failed_text(exc.user_message))
        return
    role_value = role.value if role is not None else ""
    payload = {"user_id": user_id, "deployment": deployment.name, "role": role_value}
    question = (
        heading_line(deployment, confirming=True)
        + "\n"
        + deployment_role_question(target, deployment.name, role, confirmations.ttl)
    )
    pending = await confirmations.issue(actor.label, DEPLOYMENT_ROLE, payload)
    keyboard = confirm_keyboard(DEPLOYMENT_ROLES_SCOPE, pending.token)
    code_state = DeploymentRoleCode.code if by_code else None
    await offer(message, question, pending.token, keyboard, state=state, code_state=code_state)


async def _apply(
    actor: Actor,
    pending: Pending,
    users: UserService,
    access: DeploymentAccess,
    bot: Bot | None,
    deployments: Deployments,
) -> Outcome:
    if pending.action != DEPLOYMENT_ROLE:
        raise ConfirmationExpired()
    payload = pending.payload
    role = Role(payload["role"]) if payload.get("role") else None
    user_id, deployment = int(payload["user_id"]), str(payload["deployment"])
    await access.grant(actor, user_id, deployment, role)
    target = await users.get(user_id)
    if target is None:
        raise ConfirmationExpired()

    async def tell() -> None:
        await _tell(bot, target, deployment, role, deployments)

    return Outcome(deployment_role_set_text(target, deployment, role), then=tell)


async def _tell(
    bot: Bot | None, target: User, deployment: str, role: Role | None, deployments: Deployments
) -> None:
    """Tell the user, and give them the menu of what they may do now."""
    if bot is None:
        return
    with use_locale(target.language):
        text = new_deployment_role_text(deployment, role)
    try:
        await bot.send_message(target.id, text)
    except TelegramAPIError as exc:
        log.warning("role_change_not_delivered", user_id=target.id, error=type(exc).__name__)
    await sync_user_menu(bot, target, deployments)


@router.message(
    DeploymentRoleCode.code, F.text, ~F.text.startswith("/"), flags={"role": Role.ADMIN}
)
async def role_code(
    message: Message,
    actor: Actor,
    state: FSMContext,
    users: FromDishka[UserService],
    access: FromDishka[DeploymentAccess],
    confirmations: FromDishka[ConfirmationService],
    credentials: FromDishka[CredentialsService],
    deployments: FromDishka[Deployments],
) -> None:
    """One attempt: a valid TOTP code applies the pending grant; anything else does not."""

    async def run(token: str, code: str) -> Outcome:
        pending = await confirmations.consume(actor.label, token)
        await credentials.check_second_factor(actor, code, DEPLOYMENT_ROLE)
        return await _apply(actor, pending, users, access, message.bot, deployments)

    await settle_code(message, state, run)


@router.callback_query(
    Confirm.filter(F.scope == DEPLOYMENT_ROLES_SCOPE), flags={"role": Role.ADMIN}
)
async def confirm_deployment_role(
    query: CallbackQuery,
    callback_data: Confirm,
    actor: Actor,
    users: FromDishka[UserService],
    access: FromDishka[DeploymentAccess],
    confirmations: FromDishka[ConfirmationService],
    deployments: FromDishka[Deployments],
) -> None:
    async def run() -> Outcome:
        pending = await confirmations.consume(actor.label, callback_data.token)
        return await _apply(actor, pending, users, access, query.bot, deployments)

    async def drop() -> bool:
        return await confirmations.cancel(actor.label, callback_data.token)

    await settle_press(query, yes=callback_data.yes, drop=drop, run=run)
