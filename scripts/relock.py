"""Re-resolve dependencies with Poetry and export the hash-pinned install list.

Where Poetry's own PyPI client cannot be used (a registry mirror without the per-version JSON
API), set LOCK_INDEX_URL to a PEP 503 simple index: it is added as a temporary source for the
resolution only and stripped from the lock, so the committed files name no index.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POETRY = ROOT / ".poetry-venv" / "bin" / "poetry"
TEMP_SOURCE = "lock-index"


def main() -> int:
    pyproject = ROOT / "pyproject.toml"
    original = pyproject.read_text()
    index = os.environ.get("LOCK_INDEX_URL")
    try:
        if index:
            pyproject.write_text(
                original
                + f'\n[[tool.poetry.source]]\nname = "{TEMP_SOURCE}"\nurl = "{index}"\n'
                + 'priority = "primary"\n'
            )
        subprocess.run([str(POETRY), "lock"], cwd=ROOT, check=True)
    finally:
        pyproject.write_text(original)
    lock = ROOT / "poetry.lock"
    text = re.sub(
        r'\n\[package\.source\]\ntype = "legacy"\nurl = "[^"]*"\nreference = "'
        + TEMP_SOURCE
        + '"\n',
        "\n",
        lock.read_text(),
    )
    lock.write_text(text)
    content_hash = subprocess.run(
        [
            str(POETRY.parent / "python"),
            "-c",
            "from pathlib import Path; from poetry.factory import Factory; "
            "print(Factory().create_poetry(Path('.')).locker._get_content_hash())",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    lock.write_text(re.sub(r'content-hash = "[0-9a-f]+"', f'content-hash = "{content_hash}"', text))
    subprocess.run(
        [
            str(POETRY),
            "export",
            "--with",
            "dev",
            "-f",
            "requirements.txt",
            "-o",
            "requirements.lock",
        ],
        cwd=ROOT,
        check=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
