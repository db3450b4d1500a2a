"""/users and /audit for admins: who may use the bot and in what role, and what was done.

Role changes (approve, promote, demote, block, unblock) are confirmed with a one-time token kept
server-side; admins named in ADMIN_USER_IDS cannot be demoted here (the service refuses too).
The user is told about their new role.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.ui.callbacks import (
    ROLES_SCOPE,
    Confirm,
    Page,
    clamp_page,
    confirm_keyboard,
    keyboard,
    page_count,
    pager_row,
)
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.command_menus import sync_user_menu
from telegram_frontend.bot.ui.pages import edit_screen
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.errors import ConfirmationExpired, FrontendError
from telegram_frontend.core.formatters import b, code, esc, i, paginate, truncate, when
from telegram_frontend.core.i18n import _, use_locale
from telegram_frontend.core.logging import get_logger
from telegram_frontend.models import AuditLog, User
from telegram_frontend.services.admin.audit import AuditService
from telegram_frontend.services.admin.confirmations import ConfirmationService
from telegram_frontend.services.admin.users import UserService

router = Router(name="admin")
log = get_logger(__name__)
USERS_PAGE = 8
AUDIT_PAGE = 10
USERS_VIEW = "users"
AUDIT_VIEW = "audit"
ROLE_CHANGE = "user.role"


class UserCard(CallbackData, prefix="auc"):
    user_id: int
    page: int = 0


class RoleChange(CallbackData, prefix="aur"):
    user_id: int
    role: str


def _name(user: User) -> str:
    handle = f" @{user.username}" if user.username else ""
    return f"{user.full_name or '?'}{handle}"


def _role_name(role: str) -> str:
    return {
        "pending": _("pending"),
        "blocked": _("blocked"),
        "viewer": _("viewer"),
        "trader": _("trader"),
        "admin": _("admin"),
    }.get(role, role)


# -- /users --------------------------------------------------------------------------------------


async def _users_page(
    actor: Actor, admin: User, page: int, users: UserService
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    everyone = await users.list_users(actor)
    pages = page_count(len(everyone), USERS_PAGE)
    page = clamp_page(page, pages)
    shown = everyone[page * USERS_PAGE : (page + 1) * USERS_PAGE]
    lines = [
        "👥 "
        + b(_("Users"))
        + " · "
        + esc(_("page {page} of {pages}").format(page=page + 1, pages=pages))
    ]
    waiting = sum(1 for u in everyone if u.role == Role.PENDING.value)
    if waiting:
        lines.append(i(_("{count} waiting for approval.").format(count=waiting)))
    for user in shown:
        seen = when(user.last_seen_at, admin.timezone) if user.last_seen_at else "—"
        lines.append(
            f"{code(user.id)} {esc(truncate(_name(user), 60))} — {b(_role_name(user.role))}"
            + " · "
            + esc(_("seen {time}").format(time=seen))
        )
    rows = [
        [
            InlineKeyboardButton(
                text=truncate(_name(user), 40) + f" · {_role_name(user.role)}",
                callback_data=UserCard(user_id=user.id, page=page).pack(),
            )
        ]
        for user in shown
    ]
    rows.append(pager_row(USERS_VIEW, page, page < pages - 1))
    return "\n".join(lines), rows


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
    text, rows = await _users_page(actor, user, 0, users)
    await message.answer(text, reply_markup=keyboard(rows))


@router.callback_query(Page.filter(F.view == USERS_VIEW), flags={"role": Role.ADMIN})
async def users_page(
    query: CallbackQuery,
    callback_data: Page,
    actor: Actor,
    user: User,
    users: FromDishka[UserService],
) -> None:
    text, rows = await _users_page(actor, user, callback_data.page, users)
    await edit_screen(query, paginate([text]), keyboard(rows))


def _role_buttons(target: User, configured_admin: bool) -> list[list[InlineKeyboardButton]]:
    def button(text: str, role: Role) -> InlineKeyboardButton:
        data = RoleChange(user_id=target.id, role=role.value).pack()
        return InlineKeyboardButton(text=text, callback_data=data)

    if configured_admin:
        return []
    if target.role == Role.PENDING.value:
        return [
            [
                button(_("Approve as viewer"), Role.VIEWER),
                button(_("Approve as trader"), Role.TRADER),
            ],
            [button(_("Block"), Role.BLOCKED)],
        ]
    if target.role == Role.BLOCKED.value:
        return [[button(_("Unblock as viewer"), Role.VIEWER)]]
    labels = {
        Role.VIEWER: _("Make viewer"),
        Role.TRADER: _("Make trader"),
        Role.ADMIN: _("Make admin"),
    }
    row = [button(text, role) for role, text in labels.items() if role.value != target.role]
    return [row, [button(_("Block"), Role.BLOCKED)]]


@router.callback_query(UserCard.filter(), flags={"role": Role.ADMIN})
async def user_card(
    query: CallbackQuery,
    callback_data: UserCard,
    user: User,
    users: FromDishka[UserService],
) -> None:
    """One user with the role changes that make sense for them, edited in place."""
    target = await users.get(callback_data.user_id)
    if target is None or not isinstance(query.message, Message):
        await query.answer(_("There is no such user."), show_alert=True)
        return
    configured = target.id in users.admin_ids
    lines = [
        "👤 " + b(_name(target)) + f" ({code(target.id)})",
        _("Role: {role}").format(role=b(_role_name(target.role))),
        _("Language: {language} · time zone: {zone}").format(
            language=esc(target.language), zone=esc(target.timezone)
        ),
        _("Joined: {time}").format(time=esc(when(target.created_at, user.timezone))),
    ]
    if configured:
        lines.append(
            i(_("Admin by configuration (ADMIN_USER_IDS): the role cannot be changed here."))
        )
    rows = _role_buttons(target, configured)
    back = Page(view=USERS_VIEW, page=callback_data.page).pack()
    rows.append([InlineKeyboardButton(text="« " + _("All users"), callback_data=back)])
    await edit_screen(query, paginate(["\n".join(lines)]), keyboard(rows))


@router.callback_query(RoleChange.filter(), flags={"role": Role.ADMIN})
async def ask_role_change(
    query: CallbackQuery,
    callback_data: RoleChange,
    actor: Actor,
    users: FromDishka[UserService],
    confirmations: FromDishka[ConfirmationService],
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
    payload = {"user_id": target.id, "role": callback_data.role}
    pending = await confirmations.issue(actor.label, ROLE_CHANGE, payload)
    if isinstance(query.message, Message):
        await query.message.answer(
            "❓ "
            + _("Change the role of {user} from {old} to {new}?").format(
                user=b(_name(target)),
                old=b(_role_name(target.role)),
                new=b(_role_name(callback_data.role)),
            )
            + "\n"
            + esc(
                _("This confirmation expires in {seconds} s.").format(
                    seconds=int(confirmations.ttl)
                )
            ),
            reply_markup=confirm_keyboard(ROLES_SCOPE, pending.token),
        )
    await query.answer()


@router.callback_query(Confirm.filter(F.scope == ROLES_SCOPE), flags={"role": Role.ADMIN})
async def confirm_role_change(
    query: CallbackQuery,
    callback_data: Confirm,
    actor: Actor,
    users: FromDishka[UserService],
    confirmations: FromDishka[ConfirmationService],
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    if not callback_data.yes:
        await confirmations.cancel(actor.label, callback_data.token)
        if message is not None:
            await message.edit_text(esc(_("Nothing was done.")))
        await query.answer(_("Nothing was done."))
        return
    try:
        pending = await confirmations.consume(actor.label, callback_data.token)
        if pending.action != ROLE_CHANGE:
            raise ConfirmationExpired()
        role = Role(pending.payload["role"])
        target = await users.set_role(actor, int(pending.payload["user_id"]), role)
    except ConfirmationExpired:
        if message is not None and message.reply_markup is not None:
            await message.edit_reply_markup(reply_markup=None)
        await query.answer(
            _("This confirmation expired. Please start the action again."), show_alert=True
        )
        return
    except FrontendError as exc:
        if message is not None:
            await message.edit_text("❌ " + esc(exc.user_message))
        await query.answer(truncate(exc.user_message, 200), show_alert=True)
        return
    if message is not None:
        await message.edit_text(
            "✅ "
            + _("{user} is now {role}.").format(user=b(_name(target)), role=b(_role_name(role)))
        )
    await query.answer(_("Done."))
    await _tell_user(query, target, role)
    if query.bot is not None:
        await sync_user_menu(query.bot, target)


async def _tell_user(query: CallbackQuery, target: User, role: Role) -> None:
    if query.bot is None:
        return
    with use_locale(target.language):
        if role == Role.BLOCKED:
            text = _("Your access to this bot was withdrawn.")
        else:
            text = _("Your role is now {role}. Send /help to see what you can do.").format(
                role=b(_role_name(role.value))
            )
    try:
        await query.bot.send_message(target.id, text)
    except TelegramAPIError as exc:
        log.warning("role_change_not_delivered", user_id=target.id, error=type(exc).__name__)


# -- /audit --------------------------------------------------------------------------------------


def _audit_line(row: AuditLog, names: dict[str, str], tz: str) -> str:
    who = names.get(row.actor, row.actor)
    icon = {"ok": "✅", "denied": "⛔", "failed": "❌", "partial": "⚠️"}.get(row.result, "•")
    line = (
        f"{icon} {esc(when(row.at, tz))} · {esc(truncate(who, 40))} · "
        f"{code(row.action)} {esc(truncate(row.target, 60))} → {esc(row.result)}"
    )
    reason = row.details.get("reason") if isinstance(row.details, dict) else None
    if reason:
        line += "\n    " + i(truncate(str(reason), 160))
    return line


async def _audit_page(
    actor: Actor, admin: User, page: int, audit: AuditService, users: UserService
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    page = max(page, 0)
    rows = list(await audit.recent(actor, limit=AUDIT_PAGE + 1, offset=page * AUDIT_PAGE))
    has_next = len(rows) > AUDIT_PAGE
    names = {f"tg:{u.id}": _name(u) for u in await users.list_users(actor)}
    lines = [
        "🧾 "
        + b(_("Audit log"))
        + " · "
        + esc(_("page {page}").format(page=page + 1))
        + " · "
        + esc(admin.timezone)
    ]
    lines += [_audit_line(row, names, admin.timezone) for row in rows[:AUDIT_PAGE]] or [
        esc(_("Nothing was recorded yet."))
    ]
    return "\n".join(lines), [pager_row(AUDIT_VIEW, page, has_next)]


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
) -> None:
    text, rows = await _audit_page(actor, user, 0, audit, users)
    await message.answer(text, reply_markup=keyboard(rows))


@router.callback_query(Page.filter(F.view == AUDIT_VIEW), flags={"role": Role.ADMIN})
async def audit_page(
    query: CallbackQuery,
    callback_data: Page,
    actor: Actor,
    user: User,
    audit: FromDishka[AuditService],
    users: FromDishka[UserService],
) -> None:
    text, rows = await _audit_page(actor, user, callback_data.page, audit, users)
    await edit_screen(query, paginate([text]), keyboard(rows))


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router
