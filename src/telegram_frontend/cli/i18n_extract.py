"""Finds every translatable text in the source, for the catalogue check and for translators.

Texts are the string literals passed to `_()`/`__()` and the descriptions of `CommandInfo`.
`python -m telegram_frontend.cli.i18n_extract ru` prints the ones a language still lacks,
as ready-to-fill `.po` entries.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from telegram_frontend.core.i18n import LOCALES_DIR, merged_catalog

PACKAGE_DIR = Path(__file__).resolve().parent.parent
_PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _texts_in(tree: ast.AST) -> Iterator[tuple[str, int]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in ("_", "__") and node.args:
            text = _literal(node.args[0])
            if text:
                yield text, node.lineno
        if name == "CommandInfo" and len(node.args) >= 2:
            text = _literal(node.args[1])
            if text:
                yield text, node.lineno


def extract_messages(root: Path = PACKAGE_DIR) -> dict[str, list[str]]:
    """msgid → where it is used (`path:line`), over every module of the package."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for text, line in _texts_in(tree):
            found.setdefault(text, []).append(f"{path.relative_to(root)}:{line}")
    return found


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def missing(locale: str) -> dict[str, list[str]]:
    """Texts used in the code that the language's catalogue does not translate."""
    catalog = merged_catalog(LOCALES_DIR / locale, locale)
    return {k: v for k, v in extract_messages().items() if k not in catalog}


def _po_entry(msgid: str, where: list[str]) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    return f'#: {" ".join(where[:3])}\nmsgid {quote(msgid)}\nmsgstr ""\n'


if __name__ == "__main__":
    lang = sys.argv[1] if len(sys.argv) > 1 else "ru"
    for text, where in missing(lang).items():
        print(_po_entry(text, where))
