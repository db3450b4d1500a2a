"""What the bot says about deployments: the heading of a screen, the picker, a wrong name.

Shared by every feature that reads or acts on a deployment, so the target of a screen or a
confirmation is named the same way everywhere (and only when the bot serves several).
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram_frontend.core.formatters import b, esc, quoted
from telegram_frontend.core.i18n import _
from telegram_frontend.services.deployments.registry import Deployment


def heading_line(deployment: Deployment, *, confirming: bool = False) -> str:
    """`🧪 <b>Testnet</b>`; a mainnet confirmation adds a bold warning."""
    line = b(deployment.title)
    if confirming and deployment.is_mainnet:
        line += " · ⚠️ " + b(_("MAINNET: real money"))
    return line


def unknown_deployment_text(given: str, names: Sequence[str]) -> str:
    """Plain text (also a button's alert): the wrong name and the known ones."""
    return _("There is no deployment called {name}. Known: {names}.").format(
        name=quoted(given, 24), names=", ".join(names)
    )


def pick_question_text() -> str:
    return "🧭 " + esc(
        _("Which deployment? Pick one: I will remember it (change it later with /deployment).")
    )


def current_text(current: Deployment, names: Sequence[str]) -> str:
    return (
        "🧭 "
        + _("You work on {deployment}.").format(deployment=heading_line(current))
        + "\n"
        + esc(
            _("Commands act on it unless you name another first, e.g. /status {name}.").format(
                name=names[-1]
            )
        )
        + "\n"
        + esc(_("Switch:"))
    )


def single_deployment_text(current: Deployment) -> str:
    return esc(_("This bot serves one deployment: {label}.").format(label=current.title))


def switched_text(chosen: Deployment) -> str:
    return "✅ " + _("You work on {deployment} from now on.").format(
        deployment=heading_line(chosen)
    )


def send_again_text() -> str:
    """Plain text (also a button's alert)."""
    return _("This screen does not say which deployment it is for; send the command again.")


def picked_answer() -> str:
    return _("Remembered")
