"""The buttons of the system screens: Refresh, and the links to the Grafana dashboards."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from telegram_frontend.bot.features.system.callbacks import Screen, ScreenRefresh
from telegram_frontend.bot.ui.keyboards import markup, refresh_row, url_button
from telegram_frontend.core.i18n import __

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


def refresh_keyboard(screen: Screen, dep: str = "") -> InlineKeyboardMarkup | None:
    return markup([refresh_row(ScreenRefresh(screen=screen, dep=dep).pack())])


def dashboards_keyboard(
    grafana_url: str, unprovisioned: frozenset[str] = frozenset()
) -> InlineKeyboardMarkup | None:
    """A link per dashboard, two a row; ⚠️ marks one this deployment does not provision."""
    base = grafana_url.rstrip("/")
    buttons = [
        url_button(("⚠️ " if uid in unprovisioned else "") + str(label), f"{base}/d/{uid}")
        for uid, label in GRAFANA_DASHBOARDS.items()
    ]
    return markup([buttons[n : n + 2] for n in range(0, len(buttons), 2)])
