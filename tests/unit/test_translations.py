"""Every user-facing text has a Russian translation with the same placeholders."""

from __future__ import annotations

from telegram_frontend.cli.i18n_extract import extract_messages, missing, placeholders
from telegram_frontend.core.i18n import LOCALES_DIR, _, merged_catalog, translate, use_locale
from telegram_frontend.models import AlertRule
from telegram_frontend.services.notifications.alert_rules import RuleKind
from telegram_frontend.services.notifications.alert_texts import describe_rule


def test_every_text_in_the_code_is_translated_to_russian() -> None:
    gaps = missing("ru")
    assert not gaps, "untranslated (run `python -m telegram_frontend.cli.i18n_extract ru`):\n" + (
        "\n".join(f"{text!r} at {where[0]}" for text, where in gaps.items())
    )


def test_translations_keep_the_placeholders() -> None:
    catalog = merged_catalog(LOCALES_DIR / "ru", "ru")
    wrong = [
        message.id
        for message in catalog
        if message.id and placeholders(str(message.id)) != placeholders(str(message.string))
    ]
    assert wrong == []


def test_extraction_finds_texts_and_translation_follows_the_locale() -> None:
    texts = extract_messages()
    assert "Commands you can use" in texts
    assert translate("Commands you can use", "ru") == "Доступные вам команды"
    assert translate("Commands you can use", "xx") == "Commands you can use"
    with use_locale("ru"):
        assert _("Reject") == "Отклонить"
    assert _("Reject") == "Reject"


def test_a_service_rule_names_the_service_in_the_readers_language() -> None:
    """ "MACD trader" stayed English inside a Russian alert ("MACD trader перестаёт работать")."""
    rule = AlertRule(kind=RuleKind.SERVICE_DOWN.value, target="macd_trader", threshold=None)
    with use_locale("ru"):
        russian = describe_rule(rule)
    with use_locale("en"):
        english = describe_rule(rule)
    assert "MACD-трейдер" in russian and "перестаёт работать" in russian
    assert "MACD trader" in english and "goes down" in english
