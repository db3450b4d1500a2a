"""The `tgfront` entry point (`python -m telegram_frontend.main` works the same)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from telegram_frontend.cli import build_parser


def cli(argv: Sequence[str] | None = None) -> None:
    args = build_parser(argv).parse_args(argv)
    sys.exit(args.func(args))


if __name__ == "__main__":
    cli()
