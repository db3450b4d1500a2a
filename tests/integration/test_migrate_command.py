"""`tgfront migrate [revision]` goes forward to head and back to an older revision."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from telegram_frontend.core.migrator import head_revision


def _migrate(tmp_path: Path, *args: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'm.db'}",
        "LOG_LEVEL": "WARNING",
    }
    result = subprocess.run(
        [sys.executable, "-m", "telegram_frontend.main", "migrate", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_migrate_up_then_back_to_the_first_revision_then_to_base(tmp_path: Path) -> None:
    assert _migrate(tmp_path) == f"database at revision {head_revision()}"
    assert _migrate(tmp_path, "0001") == "database at revision 0001"
    assert _migrate(tmp_path, "base") == "database at revision base"
    assert _migrate(tmp_path, "head") == f"database at revision {head_revision()}"
