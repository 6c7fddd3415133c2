"""Walk a content folder into a Catalog of valid courses and scenarios plus every problem.

Reading is pure: a path in, immutable objects and problems out. Each course
and scenario is read on its own (course_reader, scenario_reader), so one broken
file only leaves out its own course or scenario. Symlinks are never followed
and nothing outside the root is read.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from .contacts import listing_units, localise_contacts
from .course import Course
from .course_reader import course_units
from .messages import _, _n
from .org import OrgVariables, read_org_wording, read_org_yaml, untranslated_note
from .problems import Problem, Problems, sort_key
from .reading import Unit
from .render import RENDER_BUDGET_SECONDS
from .render_cache import CachedReading, UnitCache
from .scenario import Scenario
from .scenario_reader import scenario_units
from .snippets import Snippets
from .source import suggest
from .translations import split_translation
from .urls import DEFAULT_URLS, ContentUrls


@dataclass(frozen=True)
class ReviewDue:
    """A unit past its review date (FORMAT.md 7.6), for the trainers' content page."""

    kind: Literal["course", "step", "scenario"]
    id: str
    title: str
    due: datetime.date
    course_id: str | None  # the step's (or course's) course; None for a scenario


@dataclass(frozen=True)
class Catalog:
    """Everything valid in a content folder, and every problem found in it."""

    courses: Mapping[str, Course]
    scenarios: Mapping[str, Scenario]
    problems: tuple[Problem, ...]
    root: Path
    org_defaults: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # from org.yaml
    org_used: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))  # name -> files
    org_missing: tuple[str, ...] = ()  # used somewhere but with no value anywhere, or an empty one
    org_samples: frozenset[str] = frozenset()  # org.yaml values marked '# sample' (placeholders to replace)

    def org_still_samples(self, overrides: Mapping[str, str] | None) -> list[str]:
        """Variables the training uses that still have org.yaml's sample value: marked, and not overridden."""
        return sorted(name for name in self.org_used if name in self.org_samples and name not in (overrides or {}))

    def review_overdue(self, today: datetime.date) -> list[ReviewDue]:
        """Every valid course, step and scenario whose review date is past, soonest due first."""
        due: list[ReviewDue] = []
        for course in self.courses.values():
            if course.review_due is not None and course.review_due < today:
                due.append(ReviewDue("course", course.id, course.title, course.review_due, course.id))
            for step in course.steps:
                if step.review_due is not None and step.review_due < today:
                    due.append(ReviewDue("step", step.id, step.title, step.review_due, course.id))
        for scenario in self.scenarios.values():
            if scenario.review_due is not None and scenario.review_due < today:
                due.append(ReviewDue("scenario", scenario.id, scenario.title, scenario.review_due, None))
        return sorted(due, key=lambda item: (item.due, item.kind, item.id))

    def localised(self, language: str | None) -> Catalog:
        """This catalogue with every course and scenario in `language` where translated (FORMAT.md 8).

        The same ids, problems and structure: only the words differ. Kept per language.
        """
        if language is None:
            return self
        kept: dict[str, Catalog] = self.__dict__.setdefault("_localised", {})
        if language not in kept:
            kept[language] = replace(
                self, courses=MappingProxyType({cid: c.localised(language) for cid, c in self.courses.items()}),
                scenarios=MappingProxyType({sid: s.localised(language) for sid, s in self.scenarios.items()}),
            )
            kept[language].__dict__["_localised"] = {language: kept[language]}
        return kept[language]

    def course(self, course_id: str) -> Course | None:
        return self.courses.get(course_id)

    def scenario(self, scenario_id: str) -> Scenario | None:
        return self.scenarios.get(scenario_id)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def notes(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "note")


def _check_references(courses: dict[str, Unit], scenarios: dict[str, Unit]) -> None:
    """Steps' scenarios and courses' requires must name valid things; requires must not loop."""
    for unit in courses.values():
        for ref in unit.scenario_refs:
            if ref.target not in scenarios:
                unit.problems.error(
                    ref.rel, ref.line, _("there is no scenario '{target}'{suggestion}",
                                         target=ref.target, suggestion=suggest(ref.target, scenarios)),
                )
            elif not scenarios[ref.target].valid:
                unit.problems.error(
                    ref.rel, ref.line,
                    _("scenario '{target}' has errors of its own, so this step cannot use it until they are fixed",
                      target=ref.target),
                )
        for ref in unit.requires:
            if ref.target not in courses:
                others = [c for c in courses if courses[c] is not unit]  # never "did you mean" the course itself
                unit.problems.error(
                    ref.rel, ref.line,
                    _("'requires' names course '{target}', which does not exist{suggestion}",
                      target=ref.target, suggestion=suggest(ref.target, others)),
                )
    graph = {cid: [r.target for r in u.requires if r.target in courses] for cid, u in courses.items()}
    for cid, unit in courses.items():
        loop = _find_loop(cid, graph)
        if loop:
            ref = unit.requires[0]
            unit.problems.error(
                ref.rel, ref.line,
                _("'requires' makes a loop: {items}; a course cannot (indirectly) require itself",
                  items=' -> '.join(loop)),
            )
    changed = True
    while changed:  # a course that requires a left-out course is left out too
        changed = False
        for unit in courses.values():
            if not unit.valid:
                continue
            for ref in unit.requires:
                if ref.target in courses and not courses[ref.target].valid:
                    unit.problems.error(
                        ref.rel, ref.line,
                        _("'requires' names course '{target}', which has errors of its own and is left out",
                          target=ref.target),
                    )
                    changed = True
                    break


def _find_loop(start: str, graph: Mapping[str, list[str]]) -> list[str] | None:
    """A path start -> ... -> start through `graph`, if there is one (breadth first: shortest)."""
    parents: dict[str, str] = {}
    queue = list(graph.get(start, ()))
    for node in queue:
        parents.setdefault(node, start)
    index = 0
    while index < len(queue):
        node = queue[index]
        index += 1
        if node == start:
            path = [start]
            current = parents[start]
            while current != start:
                path.append(current)
                current = parents[current]
            path.append(start)
            return path[::-1] if len(path) > 2 else [start, start]
        for nxt in graph.get(node, ()):
            if nxt not in parents:
                parents[nxt] = node
                queue.append(nxt)
    return None


def _note_untranslated_org(org: OrgVariables, general: Problems, root: Path) -> None:
    """A note per language whose translations show some organisation details in org.yaml's wording (saying to
    create org.LANG.yaml when there is none)."""
    by_language: dict[str, set[str]] = {}
    for files in org.used.values():
        for rel in files:
            if (translation := split_translation(rel.rsplit("/", 1)[-1])) is not None:
                by_language.setdefault(translation[1], set()).add(rel)
    for language, translated_files in sorted(by_language.items()):
        names = org.untranslated(language, sorted(translated_files))
        if names:
            general.note(f"org.{language}.yaml", 0,
                         untranslated_note(language, names, exists=(root / f"org.{language}.yaml").is_file()))


def _report_unserved_languages(root: Path, served: Sequence[str], general: Problems) -> None:
    """A warning at each translation (NAME.LANG.md, org.LANG.yaml) into a language the site does not serve:
    no one is ever shown it. 'cym' and 'cy-gb' for Welsh are the usual slips; the site serves 'cy'."""
    codes = [code.lower() for code in served]
    for folder, dirs, files in os.walk(root):  # symlinks are not followed, as everywhere in loading
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("org.") and name.endswith(".yaml") and name.count(".") == 2:
                language, fixed = name[4:-5], "org.{code}.yaml"
            elif (translation := split_translation(name)) is not None:
                language, fixed = translation[1], translation[0][:-3] + ".{code}.md"
            else:
                continue
            if language.lower() in codes:
                continue
            rel = (Path(folder) / name).relative_to(root).as_posix()
            close = next((code for code in codes if language.lower().startswith(code)), None)
            if close is not None:
                general.warning(rel, 0, _("'{language}' is not one of the site's languages ({languages}), so no one "
                                          "is shown this file; for '{code}', name it {name}", language=language,
                                          languages=", ".join(codes), code=close, name=fixed.format(code=close)))
            else:
                general.warning(rel, 0, _("'{language}' is not one of the site's languages ({languages}), so no one "
                                          "is shown this file; name it for one of them, or add '{language}' to the "
                                          "site's LANGUAGES setting", language=language, languages=", ".join(codes)))


def _report_empty_org(org: OrgVariables, general: Problems) -> None:
    """An error at the line of each empty value the content uses, in the file it comes from (org.yaml or
    org.LANG.yaml), once per value: each use is an error of its own too (OrgVariables), which leaves its unit out."""
    users: dict[tuple[str, str], set[str]] = {}  # (file, name) -> the files using that empty value
    for name, files in org.used.items():
        for rel in files:
            translation = split_translation(rel.rsplit("/", 1)[-1])
            file_name = org.empty_source(name, translation[1] if translation is not None else None)
            if file_name is not None:
                users.setdefault((file_name, name), set()).add(rel)
    for (file_name, name), using in sorted(users.items()):
        general.error(file_name, org.line_of(file_name, name), _n(
            "'{name}' is empty, and {count} file uses it; fill it in, or remove '{{{{ org.{name} }}}}' from that "
            "file",
            "'{name}' is empty, and {count} files use it; fill it in, or remove '{{{{ org.{name} }}}}' from those "
            "files",
            len(using), name=name))


def load_catalog(
    root: Path, urls: ContentUrls | None = None, *, render_budget: float = RENDER_BUDGET_SECONDS,
    org: Mapping[str, str] | None = None, support_contacts: Sequence[Mapping[str, str]] | None = None,
    today: datetime.date | None = None, cache: UnitCache | None = None,
    support_contacts_by_language: Mapping[str, Sequence[Mapping[str, str]]] | None = None,
    language: str | None = None, served: Sequence[str] | None = None,
) -> Catalog:
    """Read every course and scenario under root; never raises for bad content.

    render_budget: seconds each file's Markdown may take to render; a file
    that needs longer is an error at its path, and its course or scenario is
    left out (see markdown.RENDER_BUDGET_SECONDS).
    today: when given, units past their review date (FORMAT.md 7.6) get a warning.
    org: the site's organisation variables, overriding org.yaml (7.5);
    support_contacts: the site's contacts for {{ support.contacts }}, as the originals show them;
    support_contacts_by_language: language -> the contacts as a translation into it shows them
    (the app translates its shipped defaults; a language not given shows support_contacts), and
    as text not translated into it shows them to its readers (contacts.py).
    language: the language the originals are written in (the site's CONTENT_LANGUAGE), for the
    words Markdown adds (footnote links) and to mark an original snippet shown in a translation.
    Snippets (_snippets/NAME.md) are checked once each, included or not.
    served: the site's languages (LANGUAGES); when given, a translation into any other is a warning.
    cache: where read courses and scenarios are kept between loads (render_cache.py);
    a unit whose files, settings and renderer are unchanged is not read again.
    """
    root = Path(root)
    urls = urls or DEFAULT_URLS
    general = Problems()
    if not root.is_dir():
        general.error(".", 0, _("content folder '{root}' does not exist or is not a folder", root=root))
        return Catalog(MappingProxyType({}), MappingProxyType({}), tuple(general.items), root)
    org_file = read_org_yaml(root, general)
    lines: dict[str, Mapping[str, int]] = {"org.yaml": org_file.lines}
    wording = read_org_wording(root, general, org_file.values, lines, defaults_read=not org_file.unreadable)
    org_vars = OrgVariables(org_file.values, org, support_contacts, org_file.samples, wording,
                            support_contacts_by_language, language, lines)
    org_vars.unreadable = org_file.unreadable
    org_vars.snippets = snippets = Snippets(root, general, org_vars, render_budget)
    cached = None
    if cache is not None:
        context = (f"{type(urls).__module__}.{type(urls).__qualname__}:{getattr(urls, 'prefix', '')}"
                   f":{render_budget}:{today}")
        cached = CachedReading(cache, root, org_vars, context)
    scenarios = scenario_units(root, urls, general, render_budget, today, org_vars, cached)
    courses = course_units(root, urls, general, render_budget, today, org_vars, cached)
    snippets.render_all()
    _check_references(courses, scenarios)
    _note_untranslated_org(org_vars, general, root)
    _report_empty_org(org_vars, general)
    if served:
        _report_unserved_languages(root, served, general)
    problems = list(general.items)
    for unit in (*scenarios.values(), *courses.values()):
        problems.extend(unit.problems.items)
        problems.extend(unit.translation_problems.items)
    valid_courses, valid_scenarios = localise_contacts(
        {cid: u.value for cid, u in courses.items() if u.valid},  # type: ignore[misc]
        {sid: u.value for sid, u in scenarios.items() if u.valid},  # type: ignore[misc]
        org_vars.contacts, org_vars.contacts_wording,
        listing_units([*(("course", u) for u in courses.values()), *(("scenario", u) for u in scenarios.values())],
                      org_vars.contacts_used),
    )
    return Catalog(
        courses=MappingProxyType(valid_courses),
        scenarios=MappingProxyType(valid_scenarios),
        problems=tuple(sorted(problems, key=sort_key)),
        root=root,
        org_defaults=MappingProxyType(org_vars.defaults),
        org_used=MappingProxyType({name: tuple(files) for name, files in org_vars.used.items()}),
        org_missing=tuple(org_vars.missing),
        org_samples=org_vars.samples,
    )
