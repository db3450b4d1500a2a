"""What /users and /audit say: the users list, a user's card, role changes, the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from telegram_frontend.core.access import Role
from telegram_frontend.core.formatters import b, code, esc, i, truncate, when
from telegram_frontend.core.i18n import _
from telegram_frontend.models import AuditLog, User


def user_name(user: User) -> str:
    handle = f" @{user.username}" if user.username else ""
    return f"{user.full_name or '?'}{handle}"


def role_name(role: str) -> str:
    return {
        "pending": _("pending"),
        "blocked": _("blocked"),
        "viewer": _("viewer"),
        "trader": _("trader"),
        "admin": _("admin"),
    }.get(role, role)


# -- /users --------------------------------------------------------------------------------------


def users_page_text(
    everyone: Sequence[User], shown: Sequence[User], page: int, pages: int, tz: str
) -> str:
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
        seen = when(user.last_seen_at, tz) if user.last_seen_at else "—"
        lines.append(
            f"{code(user.id)} {esc(truncate(user_name(user), 60))} — {b(role_name(user.role))}"
            + " · "
            + esc(_("seen {time}").format(time=seen))
        )
    return "\n".join(lines)


def user_button_label(user: User) -> str:
    return truncate(user_name(user), 40) + f" · {role_name(user.role)}"


def user_card_text(
    target: User, configured_admin: bool, tz: str, grants: Iterable[tuple[str, Role]] = ()
) -> str:
    """The user's card; `grants` are roles given on single deployments (shown when several)."""
    lines = [
        "👤 " + b(user_name(target)) + f" ({code(target.id)})",
        _("Role: {role}").format(role=b(role_name(target.role))),
        _("Language: {language} · time zone: {zone}").format(
            language=esc(target.language), zone=esc(target.timezone)
        ),
        _("Joined: {time}").format(time=esc(when(target.created_at, tz))),
    ]
    granted = ", ".join(f"{esc(name)} {b(role_name(role.value))}" for name, role in grants)
    if granted:
        lines.append(_("On single deployments: {roles}").format(roles=granted))
    if configured_admin:
        lines.append(
            i(_("Admin by configuration (ADMIN_USER_IDS): the role cannot be changed here."))
        )
    return "\n".join(lines)


def role_change_question(target: User, new_role: str, ttl_seconds: float) -> str:
    return (
        "❓ "
        + _("Change the role of {user} from {old} to {new}?").format(
            user=b(user_name(target)),
            old=b(role_name(target.role)),
            new=b(role_name(new_role)),
        )
        + "\n"
        + esc(_("This confirmation expires in {seconds} s.").format(seconds=int(ttl_seconds)))
    )


def role_changed_text(target: User, role: Role) -> str:
    return "✅ " + _("{user} is now {role}.").format(
        user=b(user_name(target)), role=b(role_name(role))
    )


def new_role_text(role: Role) -> str:
    """What the user is told of their new role (in their own language)."""
    if role == Role.BLOCKED:
        return _("Your access to this bot was withdrawn.")
    return _("Your role is now {role}. Send /help to see what you can do.").format(
        role=b(role_name(role.value))
    )


# -- /role: a role on one deployment ------------------------------------------------------------


def deployment_role_usage_text(names: Sequence[str]) -> str:
    return "\n".join(
        [
            esc(_("Usage: /role USER_ID DEPLOYMENT viewer|trader|admin|default")),
            esc(_("“default” clears the grant: the user's own role applies there again.")),
            esc(_("Deployments: {names}").format(names=", ".join(names))),
        ]
    )


def no_such_user_text() -> str:
    return esc(_("There is no such user."))


def _deployment_role_name(role: Role | None) -> str:
    return role_name(role.value) if role is not None else _("their own role")


def deployment_role_question(
    target: User, deployment: str, role: Role | None, ttl_seconds: float
) -> str:
    return (
        "❓ "
        + _("Set the role of {user} on {deployment} to {role}?").format(
            user=b(user_name(target)), deployment=b(deployment), role=b(_deployment_role_name(role))
        )
        + "\n"
        + esc(_("This confirmation expires in {seconds} s.").format(seconds=int(ttl_seconds)))
    )


def deployment_role_set_text(target: User, deployment: str, role: Role | None) -> str:
    return "✅ " + _("{user} on {deployment}: {role}.").format(
        user=b(user_name(target)), deployment=b(deployment), role=b(_deployment_role_name(role))
    )


def new_deployment_role_text(deployment: str, role: Role | None) -> str:
    """What the user is told (in their own language)."""
    return _("Your role on {deployment} is now {role}. Send /help to see what you can do.").format(
        deployment=b(deployment), role=b(_deployment_role_name(role))
    )


# -- /audit --------------------------------------------------------------------------------------


def _audit_line(
    row: AuditLog, names: Mapping[str, str], tz: str, titles: Mapping[str, str] | None
) -> str:
    who = names.get(row.actor, row.actor)
    icon = {"ok": "✅", "denied": "⛔", "failed": "❌", "partial": "⚠️"}.get(row.result, "•")
    where = ""
    if titles is not None and row.deployment:
        where = esc(titles.get(row.deployment, row.deployment)) + " · "
    line = (
        f"{icon} {esc(when(row.at, tz))} · {esc(truncate(who, 40))} · {where}"
        f"{code(row.action)} {esc(truncate(row.target, 60))} → {esc(row.result)}"
    )
    reason = row.details.get("reason") if isinstance(row.details, dict) else None
    if reason:
        line += "\n    " + i(truncate(str(reason), 160))
    return line


def audit_page_text(
    rows: Sequence[AuditLog],
    names: Mapping[str, str],
    page: int,
    tz: str,
    titles: Mapping[str, str] | None = None,
) -> str:
    """A page of audited actions, newest first, with who did them by name where known, and
    (`titles`: deployment name → title, given when there are several) where they acted."""
    lines = [
        "🧾 "
        + b(_("Audit log"))
        + " · "
        + esc(_("page {page}").format(page=page + 1))
        + " · "
        + esc(tz)
    ]
    lines += [_audit_line(row, names, tz, titles) for row in rows] or [
        esc(_("Nothing was recorded yet."))
    ]
    return "\n".join(lines)
