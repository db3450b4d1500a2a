"""What /panic says: what it will do and which code to type, then the report of every item."""

from __future__ import annotations

from telegram_frontend.bot.ui.account import account_label
from telegram_frontend.core.formatters import Block, b, code, esc, money, qty, text_block
from telegram_frontend.core.i18n import _
from telegram_frontend.services.account.actions import PanicChallenge, PanicItem, PanicReport


def prompt_text(challenge: PanicChallenge, own_keys: bool) -> str:
    """What will happen on which account, and the code to type (or: the authenticator's)."""
    seconds = int(challenge.ttl_seconds)
    lines = [
        "🛑 "
        + b(_("Panic"))
        + ": "
        + esc(
            _(
                "this stops every strategy that can be stopped and cancels every open order "
                "on {account}."
            ).format(account=account_label(own_keys))
        )
    ]
    if challenge.totp:
        lines.append(
            esc(
                _(
                    "To go ahead, type the current code from your authenticator app "
                    "within {seconds} s."
                ).format(seconds=seconds)
            )
        )
    else:
        lines.append(
            _("To go ahead, type this code within {seconds} s: {code}").format(
                seconds=seconds, code=code(challenge.code)
            )
        )
    lines.append(esc(_("A wrong code does nothing. /cancel leaves.")))
    return "\n".join(lines)


def expired_text() -> str:
    return esc(_("This confirmation expired. Send /panic to start again."))


def wrong_code_text() -> str:
    return "❌ " + esc(_("The code did not match; nothing was done. Send /panic to try again."))


_ICON = {"stopped": "✅", "cancelled": "✅", "unsupported": "⚠️", "failed": "❌"}


def _panic_strategy_line(item: PanicItem) -> str:
    name = item.strategy.name if item.strategy is not None else item.ref
    label = f"{name} ({item.ref})" if name != item.ref else item.ref
    if item.outcome == "stopped":
        outcome = _("stopped")
    elif item.outcome == "unsupported":
        outcome = _("cannot be stopped by this backend")
    else:
        outcome = _("could not be stopped: {reason}").format(reason=item.reason)
    return f"{_ICON[item.outcome]} {esc(label)} — {esc(outcome)}"


def _panic_order_line(item: PanicItem) -> str:
    order = item.order
    what = item.ref
    if order is not None:
        price = f" @ {money(order.price)}" if order.price > 0 else ""
        what = f"#{order.order_id} {order.symbol} {order.side} {qty(order.orig_qty)}{price}"
    if item.outcome == "cancelled":
        outcome = _("cancelled")
    else:
        outcome = _("not cancelled: {reason}").format(reason=item.reason)
    return f"{_ICON[item.outcome]} {esc(what)} — {esc(outcome)}"


def panic_report_blocks(report: PanicReport) -> list[Block]:
    if report.complete:
        head = "🛑 " + b(_("Panic done: everything that can be stopped was stopped."))
    else:
        head = "🛑 " + b(_("Panic finished, but not everything could be done: see below."))
    blocks = [text_block(head)]
    strategy_lines = [b(_("Strategies"))]
    strategy_lines += [_panic_strategy_line(s) for s in report.strategies] or [
        esc(_("No active strategy."))
    ]
    blocks.append(text_block("\n".join(strategy_lines)))
    order_lines = [b(_("Orders on {account}").format(account=esc(account_label(report.own_keys))))]
    order_lines += [_panic_order_line(o) for o in report.orders] or [esc(_("No open orders."))]
    blocks.append(text_block("\n".join(order_lines)))
    if report.notes:
        notes = [b(_("Could not check"))] + ["⚠️ " + esc(note) for note in report.notes]
        blocks.append(text_block("\n".join(notes)))
    return blocks
