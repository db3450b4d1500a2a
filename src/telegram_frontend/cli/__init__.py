"""The `tgfront` command line: one module per subcommand, each with its own `register`.

Only the module of the command being run is imported: `doctor` and `rotate-secret` load the
Telegram library and the exchange client (~4 s of imports), which `api-key` or `migrate` never
need. Without a known command (`tgfront --help`, a typo) every module is loaded, so the help
lists them all and a wrong name gets argparse's list of choices.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMANDS = {
    "run": "telegram_frontend.cli.run",
    "migrate": "telegram_frontend.cli.migrate",
    "sandbox": "telegram_frontend.cli.sandbox",
    "api-key": "telegram_frontend.cli.api_key",
    "rotate-secret": "telegram_frontend.cli.rotate_secret",
    "doctor": "telegram_frontend.cli.doctor",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv` (an import error is an error, not a skip)."""
    words = list(sys.argv[1:] if argv is None else argv)
    chosen = words[0] if words and words[0] in COMMANDS else None
    parser = argparse.ArgumentParser(
        prog="tgfront", description="Run the frontend, migrate its database, operator tools."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        if chosen is None or name == chosen:
            importlib.import_module(module).register(sub)
        else:
            sub.add_parser(name)  # a known choice; its options load when it is the command
    return parser
