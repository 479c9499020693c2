"""UX-1: every user-facing string of the product has its Hebrew translation."""

import shutil
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command

PO = Path(settings.BASE_DIR) / "locale" / "he" / "LC_MESSAGES" / "django.po"


def test_the_hebrew_catalog_covers_every_string_in_the_code(settings, tmp_path, monkeypatch):
    shutil.copytree(PO.parents[2], tmp_path / "locale")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(settings.BASE_DIR)

    call_command(
        "makemessages",
        locale=["he"],
        ignore_patterns=[".venv/*", "static/*", "var/*", "tests/*"],
        no_obsolete=True,
        verbosity=0,
    )

    catalog = polib.pofile(str(tmp_path / "locale" / "he" / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert not untranslated, f"Strings without a Hebrew translation: {untranslated}"
    assert not fuzzy, f"Fuzzy Hebrew translations to review: {fuzzy}"


def test_placeholders_survive_translation():
    for entry in polib.pofile(str(PO)).translated_entries():
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for token in ("%(", "{"):
            for text in translations:
                assert set(_tokens(entry.msgid, token)) == set(_tokens(text, token)), entry.msgid


def _tokens(text: str, token: str) -> list[str]:
    import re

    pattern = r"%\((\w+)\)" if token == "%(" else r"\{(\w*)\}"
    return re.findall(pattern, text)
