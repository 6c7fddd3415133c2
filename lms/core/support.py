"""The support contacts and the support page's introduction, in the reader's language.

The defaults shipped in lms/core/config.py are marked for the catalogue there and translated here, so a
Welsh reader in need of help reads the "Get support" page in Welsh. Contacts and words a charity
configured or wrote itself are shown as written: nobody else can translate them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from babel import Locale
from flask import Flask, current_app
from flask_babel import force_locale, gettext

from lms.core.config import DEFAULT_SUPPORT_CONTACTS, Defaults

_WORDS = ("name", "contact", "when")
#: The shipped English words a reader may see translated.
SHIPPED = frozenset([c[key] for c in DEFAULT_SUPPORT_CONTACTS for key in _WORDS if key in c]
                    + [Defaults.SUPPORT_INTRO])


def in_reader_language(text: str) -> str:
    """`text` translated if it is one of the shipped defaults, else as written."""
    return gettext(text) if text in SHIPPED else text


def contacts() -> list[dict[str, str]]:
    """This site's support contacts (SUPPORT_CONTACTS), in their order, with the shipped defaults' words translated."""
    return _for_reader(current_app.config["SUPPORT_CONTACTS"])


#: Each shipped contact's words: a configured contact is translated only when it is one of these, whole.
_SHIPPED_CONTACTS = [{key: c[key] for key in _WORDS if key in c} for c in DEFAULT_SUPPORT_CONTACTS]


def _for_reader(configured: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """A shipped contact in the reader's words; a charity's own (even one named like a shipped one, with its
    own hours, say) as written, all of it: never half translated."""
    shown = []
    for contact in configured:
        shipped = {key: contact[key] for key in _WORDS if key in contact} in _SHIPPED_CONTACTS
        shown.append({key: gettext(value) if shipped and key in _WORDS and isinstance(value, str) else value
                      for key, value in contact.items()})
    return shown


def contacts_by_language(app: Flask, languages: Sequence[str]) -> dict[str, list[dict[str, str]]]:
    """`contacts()` as a page in each of `languages` shows them, for content rendered once at load time.

    `{{ support.contacts }}` in a course or role-play is written into its HTML when the content loads
    (lms.content, which has no translations of its own): the loader gives each translation the contacts
    in its language, so the list in a Welsh step reads as the Welsh "Get support" page does.
    """
    with app.app_context():
        by_language = {}
        for language in languages:
            with force_locale(str(Locale.parse(language, sep="-"))):  # 'pt-br' is Babel's 'pt_BR'
                by_language[language] = contacts()
        return by_language
