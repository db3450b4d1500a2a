"""What /panic says: what it will do and which code to type, then the report of every item."""

from __future__ import annotations

from telegram_frontend.bot.ui.account import account_label
from telegram_frontend.core.formatters import Block, b, code, esc, price_text, qty, text_block
from telegram_frontend.core.i18n import _
from telegram_frontend.services.account.actions import PanicChallenge, PanicItem, PanicReport


def prompt_text(challenge: PanicChallenge, own_keys: bool, name: str | None = None) -> str:
    """What will happen on which account, and the code to type (or: the authenticator's).

    With `name` (a mainnet deployment among several) the name is typed before the code.
    """
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
    if name is not None:
        example = f"{name} {challenge.code}" if challenge.code else f"{name} 123456"
        lines.append(
            b(_("This is a MAINNET deployment."))
            + " "
            + _("Type its name, a space, then the code: {example}").format(example=code(example))
        )
    lines.append(esc(_("A wrong code does nothing. /cancel leaves.")))
    return "\n".join(lines)


def expired_text() -> str:
    return esc(_("This confirmation expired. Send /panic to start again."))


def wrong_name_text(name: str) -> str:
    return "❌ " + esc(
        _(
            "That is not the deployment's name ({name}); nothing was done. Send /panic {name} "
            "to start again."
        ).format(name=name)
    )


def wrong_code_text() -> str:
    return "❌ " + esc(_("The code did not match; nothing was done. Send /panic to try again."))


_ICON = {"stopped": "✅", "cancelled": "✅", "unsupported": "⚠️", "failed": "❌"}


def _panic_strategy_line(item: PanicItem) -> str:
    name = item.strategy.name if item.strategy is not None else item.ref
    label = f"{name} ({item.ref})" if name != item.ref else item.ref
    if item.outcome == "stopped":
        return f"{_ICON[item.outcome]} {esc(label)} — {esc(_('stopped'))}"
    if item.outcome == "unsupported":
        outcome = _("still running: it cannot be stopped through its API")
    else:
        outcome = _("still running: it could not be stopped")
    line = f"{_ICON[item.outcome]} {b(label)} — {esc(outcome)}"
    if item.reason:
        line += "\n    " + esc(_("Why: {reason}").format(reason=item.reason))
    return line


def _panic_order_line(item: PanicItem) -> str:
    order = item.order
    what = item.ref
    if order is not None:
        price = f" @ {price_text(order.price)}" if order.price > 0 else ""
        what = f"#{order.order_id} {order.symbol} {order.side} {qty(order.orig_qty)}{price}"
    if item.outcome == "cancelled":
        outcome = _("cancelled")
    else:
        outcome = _("not cancelled: {reason}").format(reason=item.reason)
    return f"{_ICON[item.outcome]} {esc(what)} — {esc(outcome)}"


def _headline(report: PanicReport) -> str:
    """What is still running leads; success is claimed only when it is the whole truth."""
    items = report.strategies + report.orders
    left = [i for i in items if not i.done]
    if not items and not report.notes:
        return "🛑 " + b(_("Panic done: nothing was running (no active strategy, no open order)."))
    if not left and not report.notes:
        return "🛑 " + b(
            _("Panic done: every strategy was stopped and every open order cancelled.")
        )
    if not any(i.done for i in items):
        head = "⚠️ " + b(_("Nothing could be stopped."))
    else:
        head = "⚠️ " + b(_("Panic finished, but not everything is stopped."))
    if left:
        head += "\n" + b(_("Still running:"))
        head += "\n" + "\n".join(
            _panic_strategy_line(i) if i.kind == "strategy" else _panic_order_line(i) for i in left
        )
    if any(i.outcome == "unsupported" for i in left):
        head += "\n" + esc(
            _(
                "What you can do: stop that service on its server (or set it inactive in its "
                "configuration and restart it), and close its position on Binance if it holds one."
            )
        )
    return head


def panic_report_blocks(report: PanicReport) -> list[Block]:
    blocks = [text_block(_headline(report))]
    stopped = [s for s in report.strategies if s.done]
    if stopped:
        lines = [b(_("Stopped"))] + [_panic_strategy_line(s) for s in stopped]
        blocks.append(text_block("\n".join(lines)))
    done_orders = [o for o in report.orders if o.done]
    if done_orders:
        account = esc(account_label(report.own_keys))
        order_lines = [b(_("Orders cancelled on {account}").format(account=account))]
        order_lines += [_panic_order_line(o) for o in done_orders]
        blocks.append(text_block("\n".join(order_lines)))
    if report.notes:
        notes = [b(_("Could not check"))] + ["⚠️ " + esc(note) for note in report.notes]
        blocks.append(text_block("\n".join(notes)))
    return blocks
