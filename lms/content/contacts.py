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
import html
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

from .course import Course
from .render import sanitise
from .scenario import Scenario

T = TypeVar("T")


def contacts_html(contacts: Sequence[Mapping[str, str]], language: str | None = None) -> str:
    """The support contacts as one line of HTML (a list), so no line numbers move; '' for none.

    `language`: marks the list as being in that language (a list put into text in another).
    """
    items = "".join(
        f"<li><strong>{html.escape(c.get('name', ''))}</strong>: {html.escape(c.get('contact', ''))}"
        + (f" ({html.escape(c['when'])})" if c.get("when") else "") + "</li>"
        for c in contacts
    )
    if not items:
        return ""
    lang = f' lang="{html.escape(language)}"' if language else ""
    return f'<ul class="support-contacts"{lang}>{items}</ul>'


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
    by_language: Mapping[str, Sequence[Mapping[str, str]]],
) -> tuple[dict[str, Course], dict[str, Scenario]]:
    """Courses and scenarios whose copies in each language of `by_language` list the contacts in it.

    `original`: the contacts as the originals list them. A language whose contacts read the same (a
    charity's own contacts, as written) changes nothing.
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
            changed_courses[cid] = _localised(course, language, old, new)
        for sid, scenario in changed_scenarios.items():
            changed_scenarios[sid] = _localised(scenario, language, old, new)
    return changed_courses, changed_scenarios
