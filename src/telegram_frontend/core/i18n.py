"""Per-user language (English and Russian) through aiogram's i18n, from gettext catalogues.

Each feature keeps its own `locales/<lang>/LC_MESSAGES/<feature>.po`; they are merged and
compiled in memory at start, so there is no build step and no shared file to fight over.
Write `_("Text {name}").format(name=...)`: translate first, then fill in escaped values.
`__()` is the lazy form for module-level constants (evaluated in the reader's language).
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path
from typing import Any

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n.lazy_proxy import LazyProxy
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("en", "ru")


def merged_catalog(locale_dir: Path, locale: str) -> Catalog:
    """Every `*.po` of one language merged into one catalogue (first definition wins)."""
    merged = Catalog(locale=locale)
    for po_file in sorted((locale_dir / "LC_MESSAGES").glob("*.po")):
        with po_file.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        for message in catalog:
            if message.id and message.string and message.id not in merged:
                merged.add(message.id, message.string)
    return merged


class CatalogI18n(I18n):
    """aiogram's I18n, loading merged `.po` catalogues instead of compiled `.mo` files."""

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        if not self.path.is_dir():
            return translations
        for locale_dir in sorted(p for p in self.path.iterdir() if p.is_dir()):
            buffer = io.BytesIO()
            write_mo(buffer, merged_catalog(locale_dir, locale_dir.name))
            buffer.seek(0)
            translations[locale_dir.name] = gettext.GNUTranslations(buffer)
        return translations


I18N = CatalogI18n(path=LOCALES_DIR, default_locale="en", domain="messages")


def _(text: str) -> str:
    """Translate into the language of the user being answered (the current locale)."""
    return I18N.gettext(text)


def __(text: str) -> Any:
    """Lazy translation for module-level texts: resolved when shown, in the reader's language."""
    proxy: LazyProxy = I18N.lazy_gettext(text)
    return proxy


def translate(text: str, locale: str | None) -> str:
    """Translate for a given user (notifications are rendered per recipient, outside updates)."""
    return I18N.gettext(text, locale=locale if locale in LANGUAGES else "en")


def use_locale(locale: str | None) -> Any:
    """Context manager: answer in `locale` (unknown languages fall back to English)."""
    return I18N.use_locale(locale if locale in LANGUAGES else "en")
