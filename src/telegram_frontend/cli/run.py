"""`tgfront run`: the whole frontend (bot, HTTP API, workers) until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from telegram_frontend.core.deployments import DeploymentsConfig, load_deployments_or_exit
from telegram_frontend.core.fast_paths import loop_factory
from telegram_frontend.core.logging import configure_logging, get_logger
from telegram_frontend.core.settings import Settings, load_settings

SETUP_HINT = (
    "TELEGRAM_BOT_TOKEN is not set: set it to your bot's token from @BotFather, "
    "or run `tgfront sandbox` (what `make run` does) to try the frontend offline."
)


# After a clean stop the process leaves within this many seconds, even when a thread lingers.
EXIT_GRACE_S = 3.0
log = get_logger(__name__)


def setup_logging(settings: Settings, deployments: DeploymentsConfig | None = None) -> None:
    """Every command logs the same way, secrets (every deployment's too) redacted."""
    secrets = settings.secret_values()
    if deployments is not None:
        secrets += deployments.secret_values()
    configure_logging(settings.log_level, settings.log_format, settings.log_file, secrets)


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Start the whole frontend and run until `stop` is set."""
    from telegram_frontend.app import Frontend  # the app is heavy; other commands never need it

    frontend = Frontend(settings)
    await frontend.start()
    try:
        await stop.wait()
    finally:
        await frontend.stop()
        exit_if_stuck()


def exit_if_stuck(grace: float = EXIT_GRACE_S) -> None:
    """Leave within `grace` seconds once the frontend has stopped, whatever still runs.

    A stopped frontend has handed back its work; what can still hold the process is a thread:
    an SQLite connection whose query a cancelled task never returned (aiosqlite's thread is not a
    daemon), or an executor job. A loaded CI machine showed `run` alive 15 s after SIGTERM with
    `frontend_stopped` logged. An orchestrator would then SIGKILL it; we leave cleanly instead,
    naming the threads left.
    """

    def force() -> None:
        left = [
            t.name
            for t in threading.enumerate()
            if t is not threading.current_thread() and t is not threading.main_thread()
        ]
        log.warning("exit_forced", threads=left, grace_s=grace)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    timer = threading.Timer(grace, force)
    timer.daemon = True
    timer.start()


def run_until_signal(main: Callable[[asyncio.Event], object], event_loop: str = "auto") -> int:
    """Run `main(stop)` until SIGTERM or SIGINT, then let it finish its shutdown."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)  # type: ignore[misc]

    with asyncio.Runner(loop_factory=loop_factory(event_loop)) as runner_:
        runner_.run(runner())
    return 0


def cmd_run(_args: argparse.Namespace) -> int:
    settings = load_settings()
    setup_logging(settings, load_deployments_or_exit(settings))
    if settings.telegram_bot_token is None:
        print(SETUP_HINT, file=sys.stderr)
        return 2
    code = run_until_signal(lambda stop: serve(settings, stop), settings.event_loop)
    leave_now(code)
    return code  # not reached


def leave_now(code: int) -> None:
    """Exit without the interpreter's teardown once everything is closed and flushed.

    The frontend has stopped (pools closed, outbox handed back, logs written); tearing down the
    interpreter then only frees memory, and freeing a few hundred MB of objects took 1–2.5 s
    after `frontend_stopped` here and over 10 s on a loaded CI machine: SIGTERM should mean
    gone.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def register(subparsers: Any) -> None:
    """Add `run` to the `tgfront` parser."""
    subparsers.add_parser("run", help="run the bot, the HTTP API and the workers").set_defaults(
        func=cmd_run
    )
