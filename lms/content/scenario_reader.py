"""Read one scenario (a file, or a folder with scenario.md and assets/) into a Scenario and its problems."""

from __future__ import annotations

import copy
import datetime
import os
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import MappingProxyType

from .blocks import Pieces
from .course import AUDIENCES, review_due
from .frontmatter import Fields
from .html_lint import unsafe_html_warnings
from .messages import _
from .org import OrgVariables, org_text
from .problems import Problems
from .reading import (
    Unit,
    check_review_dates,
    entries,
    guarded,
    make_resolver,
    read_markdown,
    rel_path,
    top_folder,
    walk_assets,
)
from .render import unwrap_paragraph, without_links
from .render_cache import CachedReading
from .scenario import (
    OUTCOMES,
    Choice,
    ConditionalHtml,
    Node,
    PartDraft,
    Scenario,
    ScenarioBody,
    best_score,
    check_can_pass,
    check_graph,
    estimate_minutes,
    parse_scenario_body,
)
from .source import SLUG_HELP, id_in_words, is_slug, suggest, suggest_inline
from .translations import new_reading, split_translation, translate_scenario
from .urls import ContentUrls

SCENARIO_KEYS = (
    "title", "summary", "topic", "audience", "content_notes", "minutes", "start", "endings", "pass_score", "shuffle",
    "pass_requires", "pass_forbids", "skills", "reviewed", "review_every_months",
)
EXAMPLES = {
    "title": "Active listening", "summary": "One or two sentences for the catalogue.", "endings": "{pass: [good-end]}",
}


class ScenarioReader:
    """Read one scenario: a single file, or a folder with scenario.md and assets/."""

    def __init__(
        self, root: Path, scenario_id: str, path: Path, folder: Path | None, urls: ContentUrls, budget: float,
        today: datetime.date | None = None, org: OrgVariables | None = None,
        translations: Mapping[str, Path] | None = None,
    ) -> None:
        self.root = root
        self.translations: dict[str, Path] = dict(translations or {})  # language -> NAME.LANG.md (FORMAT.md 8)
        self.today = today
        self.org = org
        self.budget = budget
        self.id = scenario_id
        self.path = path
        self.folder = folder
        self.urls = urls
        self.rel = rel_path(root, path)
        self.unit = Unit(scenario_id, self.rel)
        self.problems = self.unit.problems

    def asset_url(self, relpath: str) -> str:
        return self.urls.scenario_asset(self.id, relpath)

    def read(self) -> Unit:
        assets = None
        if self.folder is not None:
            folder_rel = rel_path(self.root, self.folder)
            for entry in entries(self.folder, folder_rel, self.problems):
                if entry.name == "assets" and entry.is_dir(follow_symlinks=False):
                    assets = Path(entry.path)
                    list(walk_assets(assets, f"{folder_rel}/assets", self.problems))  # reports symlinks
                elif (translation := split_translation(entry.name)) is not None and translation[0] == "scenario.md":
                    self.translations[translation[1]] = Path(entry.path)
                elif entry.name != "scenario.md":
                    self.problems.warning(
                        f"{folder_rel}/{entry.name}", 0, _("ignored; a scenario folder holds scenario.md and assets/"),
                    )
        guarded(self.unit, self.rel, lambda: self._read(assets))
        if isinstance(self.unit.value, Scenario) and self.unit.valid and self.translations:
            self._read_translations(self.unit.value)
        return self.unit

    def _read_translations(self, scenario: Scenario) -> None:
        """Pair NAME.LANG.md with the scenario (FORMAT.md 8); problems go to translation_problems."""
        problems = self.unit.translation_problems
        scope = rel_path(self.root, self.folder) if self.folder is not None else None
        translated: dict[str, Scenario] = {}
        for lang, path in sorted(self.translations.items()):
            reading = new_reading(
                self.root, lang, problems, self.org, self.budget, scope, "scenario", {}, self.asset_url,
            )
            result = guarded(
                Unit(self.id, self.rel, problems), rel_path(self.root, path),
                partial(translate_scenario, scenario, path, reading),
            )
            if isinstance(result, Scenario):
                translated[lang] = result
        if translated:
            self.unit.value = replace(scenario, translations=MappingProxyType(translated))

    def _read(self, assets: Path | None) -> None:
        read = read_markdown(self.root, self.path, self.problems, self.org, self.unit.snippet_uses)
        if read is None:
            return
        source, doc = read
        rel = source.rel
        if not doc.meta.present:
            self.problems.error(
                rel, 1,
                _("scenario has no front matter; start it with '---', "
                "then 'title:', 'summary:' and 'endings:', then '---'"),
            )
        fields = Fields(doc.meta, doc.meta.data, rel, self.problems)
        if doc.meta.unreadable:
            # Its endings, skills and the map's checks all depend on the front matter: they would only repeat
            # its one problem many times over. The body's own problems are still said.
            parse_scenario_body(doc.body, doc.body_line, rel, self.problems, Pieces())
            return
        fields.check_keys(SCENARIO_KEYS, ("title", "summary", "endings"), EXAMPLES)
        endings = self._endings(fields)
        lines = doc.body.split("\n")
        pieces = Pieces()
        body = parse_scenario_body(doc.body, doc.body_line, rel, self.problems, pieces)
        unsafe_html_warnings(lines, doc.body_line, rel, self.problems)
        scope = rel_path(self.root, self.folder) if self.folder is not None else None
        pieces.render(
            make_resolver(self.root, source, scope, "scenario", self.problems, {}, self.asset_url), self.budget,
            self.org.text_language if self.org is not None else None,
        )
        nodes = build_nodes(body, pieces)
        for draft in body.nodes:
            for part in draft.body_parts + [p for c in draft.choices for p in c.feedback_parts]:
                if part.condition is not None and part.condition.node and part.condition.node not in nodes:
                    name = part.condition.node
                    self.problems.error(rel, part.line, _("'::: if {negation}{name}' names a node that does not exist{suggestion}", negation="not " if part.condition.negate else "", name=name, suggestion=suggest(name, nodes)))  # noqa: E501
        start = fields.slug("start", _("a node id")) or (body.nodes[0].id if body.nodes else "")
        if "start" in fields.data and start not in nodes:
            self.problems.error(
                rel, fields.line("start"), _("'start' names node '{start}', which does not exist{suggestion}",
                                             start=start, suggestion=suggest(start, nodes)),
            )
        pass_score = fields.whole("pass_score", _("points"), minimum=None)
        pass_requires = self._node_list(fields, "pass_requires", nodes)
        pass_forbids = self._node_list(fields, "pass_forbids", nodes)
        for node_id in set(pass_requires) & set(pass_forbids):
            self.problems.error(
                rel, fields.line("pass_forbids"),
                _("node '{node_id}' is under both 'pass_requires' and 'pass_forbids', so no run can pass",
                  node_id=node_id),
            )
        skills = self._skills(fields, nodes)
        reviewed = fields.date("reviewed")
        every = fields.whole("review_every_months", _("months"), minimum=1)
        check_review_dates(fields, reviewed, self.today)
        due = review_due(reviewed, every)
        if self.today is not None and due is not None and due < self.today:
            self.problems.warning(rel, fields.line("reviewed"), _("this scenario was due for review on {due} (reviewed {reviewed}, every {every} months); check it is still true, then update 'reviewed'", due=due.isoformat(), reviewed=reviewed, every=every))  # noqa: E501
        check_graph(nodes, start, endings, pass_score, rel, doc.meta.lines, self.problems)
        if not self.problems.has_errors:  # a broken link or annotation would make its verdict misleading
            check_can_pass(nodes, start, endings, pass_score, pass_requires, pass_forbids, rel, doc.meta.lines,
                           self.problems)
        # Every key is read before deciding, so that one pass of `lms check` says every problem in the file.
        minutes = fields.whole("minutes", _("minutes"), minimum=1)
        title, summary = org_text(fields, "title", self.org) or "", org_text(fields, "summary", self.org) or ""
        topic, audience = fields.text("topic"), fields.choice("audience", AUDIENCES, "everyone")
        content_notes, shuffle = fields.text_list("content_notes"), fields.flag("shuffle", default=True)
        if self.problems.has_errors:
            return
        self.unit.value = Scenario(
            id=self.id, title=title, summary=summary, topic=topic, audience=audience, content_notes=content_notes,
            minutes=minutes or estimate_minutes(body.briefing_words, {d.id: d.words for d in body.nodes}, nodes, start),
            start=start, endings=MappingProxyType(endings), pass_score=pass_score,
            briefing_html=pieces[body.briefing_piece], nodes=MappingProxyType(nodes), path=self.path,
            assets_dir=assets, max_score=best_score(nodes, start), shuffle=shuffle, pass_requires=pass_requires,
            pass_forbids=pass_forbids, skills=MappingProxyType(skills), reviewed=reviewed, review_every_months=every,
        )

    def _node_list(self, fields: Fields, key: str, nodes: Mapping[str, Node]) -> tuple[str, ...]:
        """pass_requires / pass_forbids: node ids that must exist."""
        found = fields.slug_list(key, _("node ids"))
        for node_id in found:
            if node_id not in nodes:
                self.problems.error(
                    fields.rel, fields.line(key),
                    _("'{key}' names node '{node_id}', which does not exist{suggestion}",
                      key=key, node_id=node_id, suggestion=suggest(node_id, nodes)),
                )
        return found

    def _skills(self, fields: Fields, nodes: Mapping[str, Node]) -> dict[str, str]:
        """The declared skills (name -> label); undeclared skills on choices are errors, unused ones warnings."""
        skills: dict[str, str] = {}
        sub = fields.mapping("skills", _("a mapping of skill names to labels, like '{{escalation: Escalating risk}}'"))
        if sub is not None:
            for name in sub.data:
                if not is_slug(str(name)):
                    self.problems.error(
                        fields.rel, sub.line(str(name)), _("skill name '{name}' is not valid; use {slug_help}",
                                                           name=name, slug_help=SLUG_HELP),
                    )
                elif (text := sub.text(str(name))) is None:
                    self.problems.error(
                        fields.rel, sub.line(str(name)),
                        _("skill '{name}' needs a label, like '{name}: {id_in_words}'",
                          name=name, id_in_words=id_in_words(str(name))),
                    )
                else:
                    skills[str(name)] = text
        used: set[str] = set()
        for node in nodes.values():
            for choice in node.choices:
                for name in choice.skills:
                    used.add(name)
                    if name not in skills:
                        where = _("declare it under 'skills:' in the front matter") if skills else _("declare it in the front matter, like 'skills: {{{name}: {label}}}'", name=name, label=id_in_words(name))  # noqa: E501
                        self.problems.error(
                            fields.rel, choice.line, _("skill '{name}' is not declared{suggestion}; {where}",
                                                       name=name, suggestion=suggest_inline(name, skills),
                                                       where=where),
                        )
        for name in skills:
            if name not in used:
                self.problems.warning(fields.rel, sub.line(name) if sub else 1, _("skill '{name}' is declared but no choice uses it; tag choices with '(skill {name})' or remove it", name=name))  # noqa: E501
        return skills

    def _endings(self, fields: Fields) -> dict[str, tuple[str, ...]]:
        endings: dict[str, tuple[str, ...]] = dict.fromkeys(OUTCOMES, ())
        sub = fields.mapping("endings", _("a mapping of outcomes to node ids, like 'pass: [good-end]'"))
        if sub is None:
            return endings
        sub.check_keys(OUTCOMES)
        seen: dict[str, str] = {}
        for outcome in OUTCOMES:
            for node_id in sub.slug_list(outcome, _("node ids")):
                if node_id in seen:
                    self.problems.error(fields.rel, sub.line(outcome), _("node '{node_id}' is listed under both '{first_outcome}' and '{outcome}'; an ending has one outcome", node_id=node_id, first_outcome=seen[node_id], outcome=outcome))  # noqa: E501
                else:
                    seen[node_id] = outcome
                    endings[outcome] += (node_id,)
        return endings


def build_nodes(body: ScenarioBody, pieces: Pieces) -> dict[str, Node]:
    """The nodes of a parsed and rendered scenario body, in file order (the first of a repeated id wins)."""
    nodes: dict[str, Node] = {}
    for draft in body.nodes:
        choices = tuple(
            Choice(
                index=i, text_html=without_links(unwrap_paragraph(pieces[c.text_piece])), target=c.target,
                score=c.score, red_line=c.red_line, condition=c.condition,
                feedback_html=_unconditional(c.feedback_parts, pieces), line=c.line,
                pin=c.pin, skills=tuple(c.skills), feedback_parts=_conditional(c.feedback_parts, pieces),
            )
            for i, c in enumerate(draft.choices)
        )
        nodes.setdefault(draft.id, Node(
            draft.id, draft.line, _unconditional(draft.body_parts, pieces), draft.content_note, choices,
            body_parts=_conditional(draft.body_parts, pieces)))
    return nodes


def _unconditional(parts: list[PartDraft], pieces: Pieces) -> str:
    """The parts shown on every route, joined: body_html / feedback_html for places without a run."""
    return "\n".join(pieces[p.piece] for p in parts if p.condition is None and pieces[p.piece])


def _conditional(parts: list[PartDraft], pieces: Pieces) -> tuple[ConditionalHtml, ...]:
    """Every part with its condition; () when there is no condition, so body_for falls back to body_html."""
    if all(p.condition is None for p in parts):
        return ()
    return tuple(ConditionalHtml(pieces[p.piece], p.condition) for p in parts if pieces[p.piece])


def scenario_units(
    root: Path, urls: ContentUrls, problems: Problems, budget: float, today: datetime.date | None = None,
    org: OrgVariables | None = None, cached: CachedReading | None = None,
) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    folder = top_folder(root, "scenarios", problems)
    if folder is None:
        return units
    file_translations: dict[str, dict[str, Path]] = {}  # scenario id -> language -> NAME.LANG.md
    found: list[tuple[str, Path, Path | None]] = []
    for entry in entries(folder, "scenarios", problems):
        rel = f"scenarios/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            scenario_id, path, own = entry.name, Path(entry.path) / "scenario.md", Path(entry.path)
            if not os.path.lexists(path):
                problems.error(rel, 0, _("this scenario folder has no scenario.md"))
                continue
        elif entry.name.endswith(".md") and entry.is_file(follow_symlinks=False):
            scenario_id, path, own = entry.name[:-3], Path(entry.path), None
        else:
            problems.warning(rel, 0, _("ignored; scenarios/ holds '<id>.md' files and '<id>/' folders"))
            continue
        if own is None and (translation := split_translation(entry.name)) is not None:
            file_translations.setdefault(translation[0][:-3], {})[translation[1]] = path
            continue
        if not is_slug(scenario_id):
            problems.error(rel, 0, _("scenario id '{scenario_id}' (from the name) is not valid; use {slug_help}",
                                     scenario_id=scenario_id, slug_help=SLUG_HELP))
            continue
        if scenario_id in units:
            problems.error(
                rel, 0, _("there are two scenarios with the id '{scenario_id}' (a file and a folder); keep one",
                          scenario_id=scenario_id),
            )
            units[scenario_id].problems.error(
                units[scenario_id].rel, 0, _("there are two scenarios with the id '{scenario_id}'; keep one",
                                             scenario_id=scenario_id),
            )
            continue
        found.append((scenario_id, path, own))
        units[scenario_id] = Unit(scenario_id, rel)  # replaced below: here to catch a file and a folder with one id
    for scenario_id, path, own in found:
        translations = file_translations.pop(scenario_id, {}) if own is None else {}

        def read(scenario_id: str = scenario_id, path: Path = path, own: Path | None = own,
                 translations: dict[str, Path] = translations) -> Unit:
            return ScenarioReader(root, scenario_id, path, own, urls, budget, today, org, translations).read()

        sources = [own if own is not None else path, *sorted(translations.values())]
        placeholder = units[scenario_id]
        units[scenario_id] = (
            read() if cached is None else cached.read(cached.key("scenario", scenario_id, sources), read)
        )
        if placeholder.problems.items:  # a file and a folder with this id, found while walking
            unit = copy.copy(units[scenario_id])
            unit.problems = merged = Problems()
            merged.extend(units[scenario_id].problems)
            merged.extend(placeholder.problems)
            units[scenario_id] = unit
    for scenario_id, files in sorted(file_translations.items()):
        for path in files.values():
            problems.warning(rel_path(root, path), 0, _("this looks like a translation of scenario '{scenario_id}', which does not exist; rename it to match its original (NAME.LANG.md beside NAME.md)", scenario_id=scenario_id))  # noqa: E501
    return units
