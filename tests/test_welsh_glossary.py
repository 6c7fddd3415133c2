"""The Welsh catalogue keeps its key terms and its placeholders (docs/welsh-glossary.md).

Not a substitute for a first-language review: a guard that a term translated one way
on one page is not another word on the next, and that no translation drops or renames
a value the code fills in.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parent.parent / "lms" / "translations" / "cy" / "LC_MESSAGES" / "messages.po"

_SOFT = {"c": "g", "p": "b", "t": "d", "g": "", "b": "f", "d": "dd", "m": "f", "ll": "l", "rh": "r"}
_NASAL = {"c": "ngh", "p": "mh", "t": "nh", "g": "ng", "b": "m", "d": "n"}
_ASPIRATE = {"c": "ch", "p": "ph", "t": "th"}


def mutated(*words: str) -> set[str]:
    """Each word with its soft, nasal and aspirate mutations (a Welsh word changes its first letter)."""
    forms = set()
    for word in words:
        forms.add(word)
        for table in (_SOFT, _NASAL, _ASPIRATE):
            for start, becomes in table.items():
                if word.startswith(start):
                    forms.add(becomes + word[len(start):])
    return forms


#: English term (as a pattern) -> the glossary's Welsh words, any of which (mutated or not) must appear.
GLOSSARY = {
    r"\bcertificates?\b": mutated("tystysgrif"),
    r"\bcohorts?\b": mutated("carfan", "grŵp"),  # "group" on invitation pages, as the English says there
    r"\bcourses?\b": mutated("cwrs", "cyrsiau"),
    r"\brole-plays?\b": mutated("chwarae rôl"),
    r"\breflections?\b": mutated("myfyrdod", "myfyrio"),
    r"\bpasswords?\b": mutated("cyfrinair", "cyfrineiriau"),
    r"\btrainers?\b": mutated("hyfforddwr", "hyfforddwyr"),
    r"\btrainees?\b": mutated("hyfforddai", "hyfforddeion"),
    r"\bsteps?\b": mutated("cam", "camau"),
    r"\bscenarios?\b": mutated("senario"),
    r"\bassessments?\b": mutated("asesiad", "asesu"),
    r"\bdebrief\b": mutated("ôl-drafodaeth"),
    r"\bcontent notes?\b": mutated("nodyn cynnwys", "nodiadau cynnwys"),
    r"\bcheck-ins?\b": mutated("gwiriad lles", "gwiriadau lles"),
    r"\bred lines?\b": mutated("llinell goch", "llinellau coch"),
}

_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
_MARKUP = re.compile(r"%\(\w+\)[sd]|\{\w+\}|<[^>]+>|--[a-z][a-z-]*|`[^`]*`")  # placeholders, tags, options, code


def _entries() -> list[tuple[str, list[str]]]:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    entries = []
    for message in catalogue:
        if not message.id:
            continue
        english = " ".join(message.id) if isinstance(message.id, tuple) else message.id
        welsh = list(message.string) if isinstance(message.string, tuple) else [message.string]
        entries.append((english, welsh))
    return entries


ENTRIES = _entries()


def test_the_catalogue_is_complete():
    assert [english for english, welsh in ENTRIES if not all(welsh)] == []


@pytest.mark.parametrize("term", GLOSSARY)
def test_each_key_term_is_translated_as_the_glossary_says(term):
    words = {word.lower() for word in GLOSSARY[term]}
    checked = [(english, welsh) for english, welsh in ENTRIES if re.search(term, _MARKUP.sub(" ", english), re.I)]
    assert checked, f"no message uses {term}: the glossary entry is stale"
    astray = [english for english, welsh in checked
              if not any(word in " ".join(welsh).lower() for word in words)]
    assert astray == [], f"translated without the glossary's word for {term}"


#: Placeholders a translation may leave out: a plural form can write the number as a word ("un").
OPTIONAL = {"%(num)s", "%(num)d"}
#: Placeholders a translation may use instead of the original's: the audit log offers {person}
#: where English needs the possessive {persons} (lms.admin.audit.describe).
ALTERNATIVES = {"{persons}": "{person}"}


def test_every_translation_keeps_the_placeholders_of_its_original():
    changed = []
    for english, welsh in ENTRIES:
        expected = set(_PLACEHOLDER.findall(english))
        allowed = expected | {ALTERNATIVES[name] for name in expected if name in ALTERNATIVES}
        for form in welsh:
            found = set(_PLACEHOLDER.findall(form))
            missing = {name for name in expected - found if ALTERNATIVES.get(name) not in found}
            if not found <= allowed or not missing <= OPTIONAL:
                changed.append((english, form))
    assert changed == []


def test_the_glossary_has_a_row_for_every_term_checked_here():
    glossary = (CATALOGUE.parents[4] / "docs" / "welsh-glossary.md").read_text(encoding="utf-8")
    for term in GLOSSARY:
        english = re.sub(r"\\b|s\?", "", term)
        assert re.search(rf"^\| {re.escape(english)}\b", glossary, re.M), f"no row for {english!r}"
