"""`tgfront doctor [--json]`: check every configured backend once, read-only, and show the
latest trade and positions as the bot would. Exit 0 when every configured part answers."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from typing import Any

from telegram_frontend.clients.binance.client import BinanceClient
from telegram_frontend.clients.binance.transport import BinanceCredentials
from telegram_frontend.clients.telegram_probe import bot_username
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core.settings import Settings, load_settings
from telegram_frontend.services.monitoring.doctor import (
    CheckState,
    Doctor,
    DoctorReport,
)

MARKS = {CheckState.OK: "✓", CheckState.NOT_CONFIGURED: "-", CheckState.FAILED: "✗"}


async def diagnose(settings: Settings) -> DoctorReport:
    clients = BackendClients.from_settings(settings)
    credentials = BinanceCredentials.from_settings(settings)
    binance = BinanceClient.from_settings(settings, credentials) if credentials else None
    try:
        return await Doctor(settings, clients, binance, bot_username).run()
    finally:
        await clients.aclose()
        if binance is not None:
            await binance.aclose()


def render(report: DoctorReport) -> str:
    lines = [f"{MARKS[c.state]} {c.line()}" for c in report.checks]
    lines.append("")
    if report.latest_trade is not None:
        lines += ["Latest executed trade, as its alert reads:", report.latest_trade, ""]
    elif any(c.name == "trading database" and c.state is CheckState.OK for c in report.checks):
        lines += ["No executed trade in the trading database yet.", ""]
    if report.snapshots:
        lines.append("Latest snapshot per instance:")
        lines += [f"  {line}" for line in report.snapshots]
        lines.append("")
    lines.append("all configured parts answer" if report.ok else "some configured part failed")
    return "\n".join(lines)


def cmd_doctor(args: argparse.Namespace) -> int:
    settings = load_settings()
    logging.basicConfig(level=logging.ERROR)  # the report is the output; warnings are noise
    report = asyncio.run(diagnose(settings))
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(report))
    return 0 if report.ok else 1


def register(subparsers: Any) -> None:
    """Add `doctor` to the `tgfront` parser."""
    doctor = subparsers.add_parser(
        "doctor", help="check every configured backend (read-only) and show what the bot would"
    )
    doctor.add_argument("--json", action="store_true", help="machine-readable output")
    doctor.set_defaults(func=cmd_doctor)
