"""`tgfront doctor [--json]`: check every configured backend once, read-only, and show the
latest trade and positions as the bot would. Exit 0 when every configured part answers.

With several deployments (`DEPLOYMENTS_FILE`) every deployment gets its own section, checked side
by side; `--json` is then keyed by deployment. A bad deployments file exits 2, one line per
problem, as bad settings do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from dataclasses import replace
from typing import Any

from telegram_frontend.clients.binance.client import BinanceClient
from telegram_frontend.clients.binance.transport import BinanceCredentials
from telegram_frontend.clients.telegram_probe import bot_username
from telegram_frontend.clients.trading.backends import BackendClients
from telegram_frontend.core.deployments import (
    DeploymentsConfig,
    load_deployments_or_exit,
    settings_for,
)
from telegram_frontend.core.settings import Settings, load_settings
from telegram_frontend.services.monitoring.doctor import (
    CheckState,
    DeploymentSection,
    Doctor,
    DoctorReport,
    FleetReport,
    in_deployments_file,
)

MARKS = {CheckState.OK: "✓", CheckState.NOT_CONFIGURED: "-", CheckState.FAILED: "✗"}


async def diagnose(settings: Settings, include_telegram: bool = True) -> DoctorReport:
    clients = BackendClients.from_settings(settings)
    credentials = BinanceCredentials.from_settings(settings)
    binance = BinanceClient.from_settings(settings, credentials) if credentials else None
    try:
        doctor = Doctor(settings, clients, binance, bot_username)
        return await doctor.run(include_telegram)
    finally:
        await clients.aclose()
        if binance is not None:
            await binance.aclose()


async def diagnose_deployments(settings: Settings, config: DeploymentsConfig) -> FleetReport:
    """Each deployment on its own settings, all at once; Telegram once."""

    async def one(index: int) -> DeploymentSection:
        spec = config.specs[index]
        report = await diagnose(settings_for(settings, spec), include_telegram=False)
        if config.from_file:
            report = replace(
                report, checks=[in_deployments_file(c, spec.name) for c in report.checks]
            )
        return DeploymentSection(spec, spec.name == config.default, report)

    sections = await asyncio.gather(*(one(i) for i in range(len(config.specs))))
    telegram = await Doctor(settings, BackendClients(), None, bot_username).telegram_check()
    return FleetReport(list(sections), telegram)


def render(report: DoctorReport, verdict: bool = True) -> str:
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
    if verdict:
        lines.append("all configured parts answer" if report.ok else "some configured part failed")
    return "\n".join(lines)


def render_fleet(report: FleetReport) -> str:
    """One section per deployment, then the shared Telegram check and the verdict."""
    lines: list[str] = []
    for section in report.sections:
        lines += [f"== {section.heading} ==", render(section.report, verdict=False)]
    lines.append(f"{MARKS[report.telegram.state]} {report.telegram.line()}")
    lines.append("")
    failed = [s.spec.name for s in report.sections if not s.report.ok]
    if report.ok:
        lines.append("all configured parts of every deployment answer")
    else:
        where = f" (in {', '.join(failed)})" if failed else ""
        lines.append(f"some configured part failed{where}")
    return "\n".join(lines)


def cmd_doctor(args: argparse.Namespace) -> int:
    settings = load_settings()
    config = load_deployments_or_exit(settings)
    logging.basicConfig(level=logging.ERROR)  # the report is the output; warnings are noise
    if config.several:
        fleet = asyncio.run(diagnose_deployments(settings, config))
        as_json = json.dumps(fleet.as_dict(), ensure_ascii=False, indent=2)
        print(as_json if args.json else render_fleet(fleet))
        return 0 if fleet.ok else 1
    own = settings_for(settings, config.specs[0]) if config.from_file else settings
    report = asyncio.run(diagnose(own))
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
