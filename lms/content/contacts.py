"""`{{ support.contacts }}` (FORMAT.md 7.5) in the reader's language, in translated and untranslated text alike.

The list is written into a unit's HTML when the content loads. A translation into LANG gets the contacts
as the app words them in LANG (`OrgVariables.for_language`). Text with no translation into LANG (a step
not translated yet, a course or role-play with no translation at all) is shown to a LANG reader in its
original words, but the support contacts are what someone in distress reads: `localise_contacts` gives
each unit, for every language the app gave contacts in, a copy whose original lists are replaced by that
language's list, marked with its `lang` (the text around it stays marked as the original's). Such a copy
keeps the original's `language` (None), so the page still says the text is untranslated. Only the list
the loader wrote is replaced: it is found by its exact HTML, as the sanitiser writes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

from .course import Course
from .org import contacts_html
from .reading import Unit
from .render import sanitise
from .scenario import Scenario
from .snippets import FOLDER as SNIPPETS

T = TypeVar("T")


_FIELDS: dict[type, tuple[str, ...]] = {}  # a read object's type -> the fields to look into


def _fields(kind: type) -> tuple[str, ...]:
    if kind not in _FIELDS:
        _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind) if f.init and f.name != "translations") \
            if dataclasses.is_dataclass(kind) else ()
    return _FIELDS[kind]


def _swap(value: Any, old: str, new: str) -> Any:
    """`value` with every `old` in its strings replaced by `new`; the same object where nothing changes."""
    kind = type(value)
    if kind is str:
        return value.replace(old, new) if old in value else value
    if kind is tuple:
        items = tuple(_swap(item, old, new) for item in value)
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if kind is MappingProxyType:
        swapped = {key: _swap(item, old, new) for key, item in value.items()}
        return MappingProxyType(swapped) if any(swapped[k] is not v for k, v in value.items()) else value
    names = _fields(kind)
    if not names:
        return value  # numbers, dates, paths: no HTML
    changed = {}
    for name in names:
        current = getattr(value, name)
        swapped = _swap(current, old, new)
        if swapped is not current:
            changed[name] = swapped
    return dataclasses.replace(value, **changed) if changed else value


def _localised(unit: T, language: str, old: str, new: str) -> T:
    """`unit` (a Course or Scenario) with its LANG copy's original contacts lists replaced by `new`."""
    translations: Mapping[str, Any] = unit.translations  # type: ignore[attr-defined]
    base = translations.get(language, unit)
    swapped = _swap(base, old, new)
    if swapped is base:
        return unit
    if base is unit:  # no translation: a copy in the original's words, with its contacts in LANG
        swapped = dataclasses.replace(swapped, translations=MappingProxyType({}))
    return dataclasses.replace(  # type: ignore[type-var]
        unit, translations=MappingProxyType({**translations, language: swapped}))


def localise_contacts(
    courses: Mapping[str, Course], scenarios: Mapping[str, Scenario], original: Sequence[Mapping[str, str]],
    by_language: Mapping[str, Sequence[Mapping[str, str]]], listing: Collection[tuple[str, str]] | None = None,
) -> tuple[dict[str, Course], dict[str, Scenario]]:
    """Courses and scenarios whose copies in each language of `by_language` list the contacts in it.

    `original`: the contacts as the originals list them. A language whose contacts read the same (a
    charity's own contacts, as written) changes nothing. `listing`: the ids of the units whose text
    lists the contacts (`listing_units`), so that the others are not searched; None searches all.
    """
    old = sanitise(contacts_html(original))
    changed_courses, changed_scenarios = dict(courses), dict(scenarios)
    if not old:
        return changed_courses, changed_scenarios
    for language, contacts in sorted(by_language.items()):
        if sanitise(contacts_html(contacts)) == old:
            continue
        new = sanitise(contacts_html(contacts, language))
        for cid, course in changed_courses.items():
            if listing is None or ("course", cid) in listing:
                changed_courses[cid] = _localised(course, language, old, new)
        for sid, scenario in changed_scenarios.items():
            if listing is None or ("scenario", sid) in listing:
                changed_scenarios[sid] = _localised(scenario, language, old, new)
    return changed_courses, changed_scenarios


def listing_units(units: Iterable[tuple[str, Unit]], files: Collection[str]) -> set[tuple[str, str]]:
    """(kind, id) of each unit with a file in `files` (those listing the contacts) or including a snippet in it.

    units: ("course" or "scenario", Unit) pairs; a course's files are under its folder, a scenario's is its file.
    """
    snippets = {name for rel in files if rel.startswith(f"{SNIPPETS}/")
                for name in [rel[len(SNIPPETS) + 1:].split(".", 1)[0]]}
    found = set()
    for kind, unit in units:
        if any(rel == unit.rel or rel.startswith(unit.rel + "/") for rel in files) \
                or any(use.name in snippets for use in unit.snippet_uses):
            found.add((kind, unit.id))
    return found
