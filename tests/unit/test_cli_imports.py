"""`tgfront api-key` and `tgfront migrate` start without the Telegram library: every command
module used to load with the parser, so each operator command paid ~4 s of aiogram imports
(and the CLI tests paid it on every run)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from telegram_frontend.cli import COMMANDS, build_parser

PROBE = (
    "import sys\n"
    "from telegram_frontend.cli import build_parser\n"
    "build_parser(sys.argv[1:])\n"
    "print(sorted(m for m in ('aiogram', 'telegram_frontend.cli.doctor') if m in sys.modules))\n"
)


@pytest.mark.parametrize("command", ["api-key", "migrate"])
def test_an_operator_command_loads_only_its_own_module(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, command], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_without_a_command_every_command_is_offered() -> None:
    parser = build_parser([])
    help_text = parser.format_help()
    for name in COMMANDS:
        assert name in help_text


def test_the_chosen_command_keeps_its_own_options() -> None:
    args = build_parser(["migrate", "0003"]).parse_args(["migrate", "0003"])
    assert args.command == "migrate" and args.revision == "0003"
    with pytest.raises(SystemExit):
        build_parser(["doctor", "--no-such-flag"]).parse_args(["doctor", "--no-such-flag"])
