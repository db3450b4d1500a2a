"""The `tgfront` command line: one module per subcommand, each with its own `register`."""

from __future__ import annotations

import argparse

from telegram_frontend.cli import api_key, doctor, migrate, rotate_secret, run, sandbox

COMMANDS = (run, migrate, sandbox, api_key, rotate_secret, doctor)


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand, registered from one list (an import error is an error, not a skip)."""
    parser = argparse.ArgumentParser(
        prog="tgfront", description="Run the frontend, migrate its database, operator tools."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser
