"""The support contacts and the support page's introduction, in the reader's language.

The defaults shipped in lms/core/config.py are marked for the catalogue there and translated here, so a
Welsh reader in need of help reads the "Get support" page in Welsh. Contacts and words a charity
configured or wrote itself are shown as written: nobody else can translate them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import current_app
from flask_babel import gettext

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


def _for_reader(configured: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    return [{key: in_reader_language(value) if key in _WORDS and isinstance(value, str) else value
             for key, value in contact.items()} for contact in configured]
