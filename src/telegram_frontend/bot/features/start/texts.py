"""What /start, /help and the access requests say, to the newcomer and to the admins."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.core.access import Role
from telegram_frontend.core.formatters import b, code, esc
from telegram_frontend.core.i18n import _, __
from telegram_frontend.core.text_safety import clean_name
from telegram_frontend.models import User

PENDING_TEXT = __(
    "Your access request has been sent to the administrators.\n"
    "You will get a message here as soon as it is decided."
)


# -- /start and /help ----------------------------------------------------------------------------


def _next_steps(role: Role) -> str:
    if role == Role.VIEWER:
        return _("Try /status for the system overview, /portfolio and /strategy.")
    if role == Role.TRADER:
        return _("Try /status, /strategy to start or stop strategies, /orders and /alerts.")
    return _("Try /status, /users for access requests and /config for system settings.")


def welcome_text(user: User, role: Role) -> str:
    name = user.full_name or user.username or str(user.id)
    return (
        _("Welcome, {name}! You are signed in as {role}.").format(name=b(name), role=b(role.value))
        + "\n"
        + esc(_next_steps(role))
        + "\n"
        + esc(_("Send /help for every command you can use."))
    )


def no_access_text() -> str:
    return _("You have no access to this bot.")


def ask_for_access_text() -> str:
    return _("Send /start to ask an administrator for access.")


def help_lines(
    commands: Iterable[CommandInfo],
    role: Role,
    deployments: Sequence[str] | None = None,
    grants: Iterable[tuple[str, Role]] = (),
) -> list[str]:
    """The commands `role` may use, one a line, and the role itself; ready for `paginate`.

    `deployments` (their names, when there are several) adds how to name one; `grants` are
    the roles the user holds on single deployments.
    """
    lines = [b(_("Commands you can use"))]
    for info in commands:
        usage = f" {esc(info.usage)}" if info.usage else ""
        lines.append(f"/{info.name}{usage} — {esc(_(info.description))}")
    if deployments:
        names = ", ".join(code(name) for name in deployments)
        lines.append(
            "\n"
            + _("Deployments: {names}. Name one first to act on it, e.g. {example}.").format(
                names=names, example=code(f"/status {deployments[-1]}")
            )
        )
    lines.append("\n" + _("Your role: {role}").format(role=code(role.value)))
    granted = ", ".join(f"{esc(name)} {code(held.value)}" for name, held in grants)
    if granted:
        lines.append(_("On single deployments: {roles}").format(roles=granted))
    return lines


# -- access requests -----------------------------------------------------------------------------


def admin_welcome_text(full_name: str) -> str:
    return _("Welcome, {name}! You are an admin. Send /help.").format(name=b(full_name))


def describe_user(user: User) -> str:
    """A requester as admins see it: no control or bidi-override characters in the name."""
    handle = f" @{esc(clean_name(user.username, 64))}" if user.username else ""
    return f"{b(clean_name(user.full_name) or '?')}{handle} (id {code(user.id)})"


def outcome_word(role: Role) -> str:
    return (
        _("rejected") if role == Role.BLOCKED else _("approved as {role}").format(role=role.value)
    )


def decided_text(user: User, role: Role, admin_name: str) -> str:
    """The access request, once decided: who decided what."""
    return _("Access request from {user}: {outcome} by {admin}.").format(
        user=describe_user(user), outcome=b(outcome_word(role)), admin=esc(clean_name(admin_name))
    )


def too_many_requests_text() -> str:
    return _("Too many new access requests right now. Please send /start again in a few minutes.")


def already_decided_text(role: str) -> str:
    return _("This request was already decided: the user is {role} now.").format(role=role)


def decision_text(role: Role) -> str:
    """What the user is told of the decision (in their own language)."""
    if role == Role.BLOCKED:
        return _("Your access request was declined.")
    return _("Your access was approved: you are a {role}. Send /help to begin.").format(
        role=b(role.value)
    )
