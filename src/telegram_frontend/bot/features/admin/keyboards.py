"""The buttons of /users and /audit: a user per row, the role changes that fit, paging."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from telegram_frontend.bot.features.admin.callbacks import (
    AUDIT_VIEW,
    USERS_VIEW,
    RoleChange,
    UserCard,
)
from telegram_frontend.bot.features.admin.texts import user_button_label
from telegram_frontend.bot.ui.callbacks import Page
from telegram_frontend.bot.ui.keyboards import Row, button, markup, prev_next_row
from telegram_frontend.core.access import Role
from telegram_frontend.core.i18n import _
from telegram_frontend.models import User


def _users_page_data(page: int) -> str:
    return Page(view=USERS_VIEW, page=page).pack()


def _audit_page_data(page: int) -> str:
    return Page(view=AUDIT_VIEW, page=page).pack()


def users_keyboard(shown: Sequence[User], page: int, pages: int) -> InlineKeyboardMarkup | None:
    rows: list[Row] = [
        [button(user_button_label(user), UserCard(user_id=user.id, page=page).pack())]
        for user in shown
    ]
    rows.append(prev_next_row(page, page < pages - 1, _users_page_data))
    return markup(rows)


def _role_rows(target: User, configured_admin: bool) -> list[Row]:
    def role_button(text: str, role: Role) -> InlineKeyboardButton:
        return button(text, RoleChange(user_id=target.id, role=role.value).pack())

    if configured_admin:
        return []
    if target.role == Role.PENDING.value:
        return [
            [
                role_button(_("Approve as viewer"), Role.VIEWER),
                role_button(_("Approve as trader"), Role.TRADER),
            ],
            [role_button(_("Block"), Role.BLOCKED)],
        ]
    if target.role == Role.BLOCKED.value:
        return [[role_button(_("Unblock as viewer"), Role.VIEWER)]]
    labels = {
        Role.VIEWER: _("Make viewer"),
        Role.TRADER: _("Make trader"),
        Role.ADMIN: _("Make admin"),
    }
    row = [role_button(text, role) for role, text in labels.items() if role.value != target.role]
    return [row, [role_button(_("Block"), Role.BLOCKED)]]


def user_card_keyboard(
    target: User, configured_admin: bool, back_page: int
) -> InlineKeyboardMarkup | None:
    """The role changes that make sense for `target`, then back to the list's page."""
    rows = _role_rows(target, configured_admin)
    rows.append([button("« " + _("All users"), _users_page_data(back_page))])
    return markup(rows)


def audit_keyboard(page: int, has_next: bool) -> InlineKeyboardMarkup | None:
    return markup([prev_next_row(page, has_next, _audit_page_data)])
