"""/status, /health, /metrics, /logs and /dashboard: how the system is doing, in one tap.

Thin door: each handler asks one service and renders with `system_texts`; a backend that is
down shows up as a line and a note on the screen, never as silence.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from dishka.integrations.aiogram import FromDishka

from telegram_frontend.bot.features.system.texts import (
    dashboard_missing_text,
    dashboard_text,
    health_blocks,
    metrics_blocks,
    status_blocks,
)
from telegram_frontend.bot.middlewares import chat_action
from telegram_frontend.bot.ui.command_catalog import CommandInfo
from telegram_frontend.bot.ui.keyboards import markup, prev_next_row, refresh_row, url_button
from telegram_frontend.bot.ui.pages import answer_pages, edit_screen
from telegram_frontend.bot.ui.screen_callbacks import (
    LogsPage,
    Screen,
    ScreenRefresh,
    logs_query_key,
)
from telegram_frontend.core.access import Actor, Role
from telegram_frontend.core.cache import Cache
from telegram_frontend.core.formatters import Block, b, code, esc, paginate, pre_block, text_block
from telegram_frontend.core.formatters import zone as time_zone
from telegram_frontend.core.i18n import _, __
from telegram_frontend.core.settings import Settings
from telegram_frontend.models import LogRecord, User
from telegram_frontend.services.admin.logs import LEVELS, LogService
from telegram_frontend.services.monitoring.health_report import (
    HealthReportService,
    delivery_figures,
)
from telegram_frontend.services.monitoring.overview import StatusOverviewService

router = Router(name="system")
chat_action.install(router.message, router.callback_query)

LOGS_PAGE_SIZE = 10
LOGS_QUERY_MAX = 100
LOGS_QUERY_TTL_S = 86_400
GRAFANA_DASHBOARDS = {
    "system-health-overview": __("System health"),
    "kline-data-monitoring": __("Kline data"),
    "order-profitability-dashboard": __("Order profitability"),
    "strategy-observability": __("Strategy observability"),
    "security-monitoring": __("Security"),
    "risk-monitoring": __("Risk"),
    "strategy-comparison": __("Strategy comparison"),
    "binance-comprehensive-metrics": __("Binance metrics"),
    "macd-overlay": __("MACD overlay"),
}
SLOW = "typing"


def _refresh(screen: Screen) -> InlineKeyboardMarkup | None:
    return markup([refresh_row(ScreenRefresh(screen=screen).pack())])


async def _screen_pages(
    screen: Screen,
    actor: Actor,
    user: User,
    overview: StatusOverviewService,
    health: HealthReportService,
) -> list[str]:
    if screen is Screen.STATUS:
        return paginate(status_blocks(await overview.overview(actor), user.timezone))
    if screen is Screen.HEALTH:
        return paginate(health_blocks(await health.report(actor), user.timezone))
    figures = delivery_figures()
    result = await overview.overview(actor, with_orders=True)
    return paginate(metrics_blocks(result, figures, user.timezone))


@router.message(
    Command("status"),
    flags={
        "role": Role.VIEWER,
        "chat_action": SLOW,
        "command": CommandInfo("status", "System overview: services, data, trading", order=10),
    },
)
async def status_command(
    message: Message,
    actor: Actor,
    user: User,
    overview: FromDishka[StatusOverviewService],
    health: FromDishka[HealthReportService],
) -> None:
    pages = await _screen_pages(Screen.STATUS, actor, user, overview, health)
    await answer_pages(message, pages, _refresh(Screen.STATUS))


@router.message(
    Command("health"),
    flags={
        "role": Role.VIEWER,
        "chat_action": SLOW,
        "command": CommandInfo(
            "health", "Health of every component, Binance and this bot", order=11
        ),
    },
)
async def health_command(
    message: Message,
    actor: Actor,
    user: User,
    overview: FromDishka[StatusOverviewService],
    health: FromDishka[HealthReportService],
) -> None:
    pages = await _screen_pages(Screen.HEALTH, actor, user, overview, health)
    await answer_pages(message, pages, _refresh(Screen.HEALTH))


@router.message(
    Command("metrics"),
    flags={
        "role": Role.VIEWER,
        "chat_action": SLOW,
        "command": CommandInfo("metrics", "Key figures: signals, P&L, data, deliveries", order=12),
    },
)
async def metrics_command(
    message: Message,
    actor: Actor,
    user: User,
    overview: FromDishka[StatusOverviewService],
    health: FromDishka[HealthReportService],
) -> None:
    pages = await _screen_pages(Screen.METRICS, actor, user, overview, health)
    await answer_pages(message, pages, _refresh(Screen.METRICS))


@router.callback_query(ScreenRefresh.filter(), flags={"role": Role.VIEWER, "chat_action": SLOW})
async def refresh_screen(
    query: CallbackQuery,
    callback_data: ScreenRefresh,
    actor: Actor,
    user: User,
    overview: FromDishka[StatusOverviewService],
    health: FromDishka[HealthReportService],
) -> None:
    """Edit the screen in place with fresh figures."""
    screen = callback_data.screen
    pages = await _screen_pages(screen, actor, user, overview, health)
    await edit_screen(query, pages, _refresh(screen))


@router.message(
    Command("dashboard"),
    flags={
        "role": Role.VIEWER,
        "command": CommandInfo("dashboard", "Links to the Grafana dashboards", order=13),
    },
)
async def dashboard_command(message: Message, settings: FromDishka[Settings]) -> None:
    if not settings.grafana_url:
        await message.answer(dashboard_missing_text())
        return
    base = settings.grafana_url.rstrip("/")
    missing = set(settings.grafana_unprovisioned)
    buttons = [
        url_button(("⚠️ " if uid in missing else "") + str(label), f"{base}/d/{uid}")
        for uid, label in GRAFANA_DASHBOARDS.items()
    ]
    rows = [buttons[n : n + 2] for n in range(0, len(buttons), 2)]
    text = dashboard_text()
    absent = [str(label) for uid, label in GRAFANA_DASHBOARDS.items() if uid in missing]
    if absent:
        note = _("⚠️ Not provisioned by this deployment: {names}.")
        text += "\n" + esc(note.format(names=", ".join(absent)))
    await message.answer(text, reply_markup=markup(rows))


# -- /logs -------------------------------------------------------------------------------------


def parse_logs_args(args: str | None) -> tuple[str, str]:
    """`/logs [level] [text]` → (LEVEL or "", text); a first word that is a level is the level."""
    words = (args or "").split(maxsplit=1)
    if words and words[0].upper() in LEVELS:
        return words[0].upper(), words[1].strip() if len(words) > 1 else ""
    return "", (args or "").strip()


def _record_blocks(record: LogRecord, tz: str) -> list[Block]:
    moment = record.at.astimezone(time_zone(tz)).strftime("%Y-%m-%d %H:%M:%S")
    header = f"{code(moment)} {b(record.level)} {esc(record.logger)}"
    return [text_block(header), pre_block(record.event or "—")]


def _logs_header(level: str, text: str, page: int) -> str:
    parts = [_("level {level} and above").format(level=level)] if level else []
    if text:
        parts.append(_("containing “{text}”").format(text=text))
    parts.append(_("page {page}").format(page=page + 1))
    return "📜 " + b(_("Logs")) + " — " + esc(", ".join(parts))


async def _logs_screen(
    actor: Actor, user: User, logs: LogService, level: str, text: str, page: int
) -> tuple[list[str], bool]:
    records = await logs.recent(
        actor, level or None, text or None, limit=LOGS_PAGE_SIZE + 1, offset=page * LOGS_PAGE_SIZE
    )
    has_next = len(records) > LOGS_PAGE_SIZE
    blocks: list[Block] = [text_block(_logs_header(level, text, page))]
    if not records:
        blocks.append(text_block(esc(_("No log records match."))))
    for record in records[:LOGS_PAGE_SIZE]:
        blocks += _record_blocks(record, user.timezone)
    return paginate(blocks), has_next


def _logs_keyboard(page: int, has_next: bool, level: str, key: str) -> InlineKeyboardMarkup | None:
    def data_for(target: int) -> str:
        return LogsPage(page=target, level=level, query=key).pack()

    return markup([prev_next_row(page, has_next, data_for)])


@router.message(
    Command("logs"),
    flags={
        "role": Role.ADMIN,
        "chat_action": SLOW,
        "command": CommandInfo(
            "logs", "Latest log records of this bot", "[level] [text]", order=90
        ),
    },
)
async def logs_command(
    message: Message,
    command: CommandObject,
    actor: Actor,
    user: User,
    logs: FromDishka[LogService],
    cache: FromDishka[Cache],
) -> None:
    level, text = parse_logs_args(command.args)
    if len(text) > LOGS_QUERY_MAX:
        await message.answer(
            esc(
                _("The filter text is too long (at most {limit} characters).").format(
                    limit=LOGS_QUERY_MAX
                )
            )
        )
        return
    key = logs_query_key(text)
    if key:
        await cache.set(f"logs-query:{key}", text, ttl=LOGS_QUERY_TTL_S)
    pages, has_next = await _logs_screen(actor, user, logs, level, text, 0)
    await answer_pages(message, pages, _logs_keyboard(0, has_next, level, key))


@router.callback_query(LogsPage.filter(), flags={"role": Role.ADMIN, "chat_action": SLOW})
async def logs_page(
    query: CallbackQuery,
    callback_data: LogsPage,
    actor: Actor,
    user: User,
    logs: FromDishka[LogService],
    cache: FromDishka[Cache],
) -> None:
    text = ""
    if callback_data.query:
        stored = await cache.get(f"logs-query:{callback_data.query}")
        if stored is None:
            await query.answer(_("This list expired; send /logs again."), show_alert=True)
            return
        text = stored
    page = max(0, callback_data.page)
    level = callback_data.level.upper()
    pages, has_next = await _logs_screen(actor, user, logs, level, text, page)
    keyboard = _logs_keyboard(page, has_next, level, callback_data.query)
    await edit_screen(query, pages, keyboard, done_text=_("Page {page}").format(page=page + 1))


def get_router() -> Router:
    """This feature's handlers, for the one router list in `bot/dispatcher.py`."""
    return router
