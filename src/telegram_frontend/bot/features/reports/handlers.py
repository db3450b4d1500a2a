"""`/report trades|orders [period]`: the strategies' record as a CSV file (sendDocument)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from telegram_frontend.bot.features.reports.texts import caption_text, usage_text
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.deployment_choice import DEPLOYMENT_FLAG, Scope, Target
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.models import User

router = Router(name="reports")


@router.message(
    Command("report"),
    flags={
        "role": Role.VIEWER,
        "chat_action": "upload_document",
        DEPLOYMENT_FLAG: Scope.ONE,
        "command": CommandInfo(
            "report", "Trades or orders of a period as a CSV file", "trades|orders [7d]", order=45
        ),
    },
)
async def report_command(
    message: Message,
    command: CommandObject,
    user: User,
    actor: Actor,
    target: Target,
) -> None:
    parts = (command.args or "").split(maxsplit=1)
    if not parts:
        await message.answer(usage_text())
        return
    kind, period = parts[0].lower(), (parts[1] if len(parts) > 1 else "7d")
    report = await target.deployment.exporter.export(actor, kind, period, user.timezone)
    await message.answer_document(
        BufferedInputFile(report.content, filename=report.filename),
        caption=target.headed(caption_text(report.rows, period)),
    )


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router
