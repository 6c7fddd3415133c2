"""Walk a content folder into a Catalog of valid courses and scenarios plus every problem.

Reading is pure: a path in, immutable objects and problems out. Each course
and scenario is read on its own, so one broken file only leaves out its own
course or scenario. Symlinks are never followed and nothing outside the root
is read.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from .blocks import Pieces, parse_step_body, warn_blocks_outside_steps
from .course import AUDIENCES, CertificateSpec, Course, Module, Step
from .frontmatter import Document, Fields, split_document
from .markdown import RENDER_BUDGET_SECONDS, LinkResolver, RenderTooSlow, unsafe_html_warnings, unwrap_paragraph
from .problems import Problem, Problems, sort_key
from .scenario import (
    OUTCOMES,
    Choice,
    Node,
    Scenario,
    best_score,
    check_graph,
    estimate_minutes,
    parse_scenario_body,
)
from .source import (
    SLUG_HELP,
    SourceFile,
    id_in_words,
    is_draft,
    is_slug,
    minutes_for_words,
    read_source,
    split_numbered,
    suggest,
)
from .urls import DEFAULT_URLS, ContentUrls

COURSE_KEYS = ("title", "summary", "audience", "minutes", "requires", "content_notes", "pass_mark", "certificate")
CERTIFICATE_KEYS = ("title", "hours", "valid_months", "signatory", "sign_off")
STEP_KEYS = ("title", "minutes", "content_notes", "scenario", "assessment", "attempts", "optional")
MODULE_KEYS = ("title", "summary")
SCENARIO_KEYS = ("title", "summary", "topic", "audience", "content_notes", "minutes", "start", "endings", "pass_score")
EXAMPLES = {"title": "Active listening", "summary": "One or two sentences for the catalogue.", "endings": "{pass: [good-end]}"}
DEFAULT_PASS_MARK = 80


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
    org_missing: tuple[str, ...] = ()  # used somewhere but with no value anywhere

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
        return tuple(p for p in self.problems if not p.is_error)


@dataclass
class _Ref:
    """A reference to check once everything is read."""

    rel: str
    line: int
    target: str


@dataclass
class _Unit:
    """One course or scenario being read: its problems and, if it parsed, the object."""

    id: str
    rel: str
    problems: Problems = field(default_factory=Problems)
    value: Course | Scenario | None = None
    requires: list[_Ref] = field(default_factory=list)
    scenario_refs: list[_Ref] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.value is not None and not self.problems.has_errors


# ---------------------------------------------------------------- walking


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _entries(folder: Path, rel: str, problems: Problems) -> Iterator[os.DirEntry[str]]:
    """Non-draft entries of a folder, sorted by name; symlinks are reported, never followed."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        problems.error(rel, 0, f"cannot read this folder: {exc.strerror or exc}")
        return
    for entry in entries:
        if is_draft(entry.name):
            continue
        if entry.is_symlink():
            problems.error(f"{rel}/{entry.name}", 0, "symbolic links are not allowed; replace the link with the real file or folder")
            continue
        yield entry


def _top_folder(root: Path, name: str, problems: Problems) -> Path | None:
    path = root / name
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        problems.error(name, 0, "symbolic links are not allowed; make this a real folder")
        return None
    if not stat.S_ISDIR(mode):
        problems.error(name, 0, f"'{name}' should be a folder")
        return None
    return path


def _walk_assets(folder: Path, rel: str, problems: Problems) -> Iterator[tuple[str, Path]]:
    """(path relative to the owner folder, path) of every asset file; symlinks are errors."""
    stack = [(folder, rel, "assets")]
    while stack:
        current, current_rel, inner = stack.pop()
        for entry in _entries(current, current_rel, problems):
            if entry.is_dir(follow_symlinks=False):
                stack.append((Path(entry.path), f"{current_rel}/{entry.name}", f"{inner}/{entry.name}"))
            elif entry.is_file(follow_symlinks=False):
                yield f"{inner}/{entry.name}", Path(entry.path)


def _hash_file(digest: hashlib._Hash, path: Path) -> None:
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)


# ---------------------------------------------------------------- shared file reading


def _read_markdown(root: Path, path: Path, problems: Problems) -> tuple[SourceFile, Document] | None:
    rel = _rel(root, path)
    source = read_source(path, rel, problems)
    if source is None:
        return None
    return source, split_document(source.text, rel, problems)


def _resolver(
    root: Path, source: SourceFile, scope_rel: str | None, scope_name: str, problems: Problems,
    page_urls: Mapping[str, str], asset_url: Callable[[str], str],
) -> LinkResolver:
    return LinkResolver(
        root=root, file_rel=source.rel, scope_rel=scope_rel, scope_name=scope_name,
        text=source.text, problems=problems, page_urls=page_urls, asset_url=asset_url,
    )


def too_slow_message(budget: float) -> str:
    """What to say about a file whose Markdown did not render within the budget."""
    return (f"this file takes too long to render (more than {budget:g} s); split it into smaller files "
            "or break up its longest paragraphs (thousands of '[', '<' or footnotes in one paragraph are the usual cause)")


def _guarded(unit: _Unit, rel: str, read: Callable[[], object]) -> object | None:
    """Run one file's reader; a bug becomes an error on that file, not a crash."""
    try:
        return read()
    except RenderTooSlow as exc:
        unit.problems.error(rel, 0, too_slow_message(exc.budget))
    except RecursionError:
        unit.problems.error(rel, 0, "this file is nested too deeply to read (quotes or lists inside each other); simplify it")
    except Exception as exc:  # noqa: BLE001 - a broken file must never stop the app
        unit.problems.error(rel, 0, f"internal error reading this file: {type(exc).__name__}: {exc}")
    return None


# ---------------------------------------------------------------- courses


@dataclass
class _StepFile:
    number: int
    id: str
    path: Path
    module_id: str = ""


@dataclass
class _ModuleFolder:
    number: int
    id: str
    path: Path
    steps: list[_StepFile] = field(default_factory=list)
    module_md: Path | None = None


class _CourseReader:
    """Read one course folder."""

    def __init__(self, root: Path, folder: Path, course_id: str, urls: ContentUrls, budget: float) -> None:
        self.root = root
        self.budget = budget
        self.folder = folder
        self.id = course_id
        self.urls = urls
        self.rel = _rel(root, folder)
        self.unit = _Unit(course_id, self.rel)
        self.problems = self.unit.problems
        self.digest = hashlib.sha256()
        self.question_ids: dict[str, str] = {}
        self.reflection_ids: dict[str, str] = {}
        self.page_urls: dict[str, str] = {}

    def asset_url(self, relpath: str) -> str:
        return self.urls.course_asset(self.id, relpath)

    def _numbered(self, entry: os.DirEntry[str], where: str) -> tuple[int, str] | None:
        """(number, id) of a step file or module folder name, reporting bad names."""
        name = entry.name[:-3] if entry.name.endswith(".md") else entry.name
        parts = split_numbered(name)
        rel = f"{where}/{entry.name}"
        kind = "step file" if entry.name.endswith(".md") else "module folder"
        if parts is None:
            example = f"01-{name}" + (".md" if entry.name.endswith(".md") else "")
            self.problems.error(rel, 0, f"{kind} '{entry.name}' has no number prefix; rename it like '{example}' (or start its name with '_' to keep it as a draft)")
            return None
        if not is_slug(parts[1]):
            self.problems.error(rel, 0, f"'{parts[1]}' in the name of {kind} '{entry.name}' is not a valid id; use {SLUG_HELP}")
            return None
        return parts

    def _scan_steps(self, folder: Path, rel: str, module_id: str, allow_modules: bool) -> tuple[list[_StepFile], list[_ModuleFolder], Path | None, Path | None]:
        steps: list[_StepFile] = []
        modules: list[_ModuleFolder] = []
        assets: Path | None = None
        index_md: Path | None = None
        index_name = "course.md" if allow_modules else "module.md"
        for entry in _entries(folder, rel, self.problems):
            path = Path(entry.path)
            if entry.name == index_name and entry.is_file(follow_symlinks=False):
                index_md = path
            elif entry.name == "assets" and allow_modules and entry.is_dir(follow_symlinks=False):
                assets = path
            elif entry.is_dir(follow_symlinks=False):
                if not allow_modules:
                    self.problems.warning(f"{rel}/{entry.name}", 0, "folders inside a module are ignored; steps go directly in the module, files for links in the course's assets/")  # noqa: E501
                elif (parts := self._numbered(entry, rel)) is not None:
                    modules.append(_ModuleFolder(parts[0], parts[1], path))
            elif entry.name.endswith(".md") and entry.is_file(follow_symlinks=False):
                if (parts := self._numbered(entry, rel)) is not None:
                    steps.append(_StepFile(parts[0], parts[1], path, module_id))
            else:
                self.problems.warning(f"{rel}/{entry.name}", 0, f"'{entry.name}' is ignored; only {index_name}, numbered steps{' and module folders' if allow_modules else ''} belong here; files for links go in assets/")  # noqa: E501
        steps.sort(key=lambda s: (s.number, s.path.name))
        modules.sort(key=lambda m: (m.number, m.path.name))
        return steps, modules, assets, index_md

    def read(self) -> _Unit:
        steps, modules, assets, course_md = self._scan_steps(self.folder, self.rel, "", allow_modules=True)
        if course_md is None:
            self.problems.error(f"{self.rel}/course.md", 0, "course.md is missing; every course folder needs one, with a title and a summary in its front matter")
        if steps and modules:
            self.problems.error(self.rel, 0, "this course has both step files and module folders at its top level; put every step inside a module folder, or use no module folders")  # noqa: E501
        for module in modules:
            module.steps, _, _, module.module_md = self._scan_steps(module.path, _rel(self.root, module.path), module.id, allow_modules=False)
            if not module.steps:
                self.problems.error(_rel(self.root, module.path), 0, "this module has no steps; add step files like '01-welcome.md'")
        all_steps = steps + [s for m in modules for s in m.steps]
        if not all_steps:
            self.problems.error(self.rel, 0, "this course has no steps; add step files like '01-welcome.md'")
        self._check_unique([(s.id, s.path) for s in all_steps], "step")
        self._check_unique([(m.id, m.path) for m in modules], "module")
        # Links between steps need every step's URL before any file is rendered.
        self.page_urls["course.md"] = self.urls.course(self.id)
        for step in all_steps:
            self.page_urls[step.path.relative_to(self.folder).as_posix()] = self.urls.step(self.id, step.id)
        for module in modules:
            self.page_urls[f"{module.path.name}/module.md"] = self.urls.course(self.id)

        head = _guarded(self.unit, f"{self.rel}/course.md", lambda: self._read_course_md(course_md)) if course_md else None
        built_modules: list[Module] = []
        if steps:
            built = self._read_steps(steps)
            title = head["title"] if isinstance(head, dict) else id_in_words(self.id)
            built_modules.append(Module("", title, "", "", tuple(built)))
        for module in modules:
            built_modules.append(self._read_module(module))
        if assets is not None:
            for inner, path in sorted(_walk_assets(assets, _rel(self.root, assets), self.problems)):
                self.digest.update(inner.encode() + b"\0")
                _hash_file(self.digest, path)
        if not isinstance(head, dict) or self.problems.has_errors:
            return self.unit
        minutes = head["minutes"] or sum(s.minutes for m in built_modules for s in m.steps)
        self.unit.value = Course(
            id=self.id, title=head["title"], summary=head["summary"], audience=head["audience"], minutes=minutes,
            requires=head["requires"], content_notes=head["content_notes"], pass_mark=head["pass_mark"],
            certificate=head["certificate"], intro_html=head["intro_html"], modules=tuple(built_modules),
            version=self.digest.hexdigest()[:12], path=self.folder, assets_dir=assets,
        )
        return self.unit

    def _check_unique(self, items: list[tuple[str, Path]], kind: str) -> None:
        seen: dict[str, Path] = {}
        for item_id, path in items:
            if item_id in seen:
                self.problems.error(_rel(self.root, path), 0, f"{kind} id '{item_id}' is already used by {_rel(self.root, seen[item_id])}; {kind} ids must be unique within a course")  # noqa: E501
            else:
                seen[item_id] = path

    def _hash(self, source: SourceFile) -> None:
        inner = source.rel[len(self.rel) + 1 :]
        self.digest.update(inner.encode() + b"\0" + source.data + b"\0")

    def _render_intro(self, source: SourceFile, doc: Document) -> str:
        lines = doc.body.split("\n")
        warn_blocks_outside_steps(doc.body, doc.body_line, source.rel, self.problems)
        unsafe_html_warnings(lines, doc.body_line, source.rel, self.problems)
        pieces = Pieces()
        pieces.add(doc.body)
        try:
            pieces.render(_resolver(self.root, source, self.rel, "course", self.problems, self.page_urls, self.asset_url), self.budget)
        except RenderTooSlow as exc:  # module.md is read outside _guarded
            self.problems.error(source.rel, 0, too_slow_message(exc.budget))
            return ""
        return pieces[0]

    def _read_course_md(self, path: Path) -> dict[str, object] | None:
        read = _read_markdown(self.root, path, self.problems)
        if read is None:
            return None
        source, doc = read
        self._hash(source)
        if not doc.meta.present:
            self.problems.error(source.rel, 1, "course.md has no front matter; start it with a '---' line, then 'title: ...' and 'summary: ...', then '---'")
        fields = Fields(doc.meta, doc.meta.data, source.rel, self.problems)
        fields.check_keys(COURSE_KEYS, ("title", "summary"), EXAMPLES)
        for ref in fields.slug_list("requires", "course ids"):
            self.unit.requires.append(_Ref(source.rel, fields.line("requires"), ref))
        certificate = None
        if (cert := fields.mapping("certificate", "a mapping with at least a 'title' (indented lines under 'certificate:')")) is not None:
            cert.check_keys(CERTIFICATE_KEYS, ("title",), {"title": "Volunteer Moderator"})
            spec = CertificateSpec(
                title=cert.text("title") or "", hours=cert.number("hours", "hours"),
                valid_months=cert.whole("valid_months", "months", minimum=1),
                signatory=cert.text("signatory"), sign_off=cert.flag("sign_off"),
            )
            certificate = spec if spec.title else None
        return {
            "title": fields.text("title") or id_in_words(self.id),
            "summary": fields.text("summary") or "",
            "audience": fields.choice("audience", AUDIENCES, "everyone"),
            "minutes": fields.whole("minutes", "minutes", minimum=1),
            "requires": tuple(r.target for r in self.unit.requires),
            "content_notes": fields.text_list("content_notes"),
            "pass_mark": (pm if (pm := fields.whole("pass_mark", "percent", 0, 100)) is not None else DEFAULT_PASS_MARK),
            "certificate": certificate,
            "intro_html": self._render_intro(source, doc),
        }

    def _read_module(self, module: _ModuleFolder) -> Module:
        title, summary, intro = id_in_words(module.id), "", ""
        if module.module_md is not None:
            read = _read_markdown(self.root, module.module_md, self.problems)
            if read is not None:
                source, doc = read
                self._hash(source)
                fields = Fields(doc.meta, doc.meta.data, source.rel, self.problems)
                fields.check_keys(MODULE_KEYS)
                title = fields.text("title") or title
                summary = fields.text("summary") or ""
                intro = self._render_intro(source, doc)
        return Module(module.id, title, summary, intro, tuple(self._read_steps(module.steps)))

    def _read_steps(self, files: list[_StepFile]) -> list[Step]:
        steps = []
        for step_file in files:
            rel = _rel(self.root, step_file.path)
            step = _guarded(self.unit, rel, lambda f=step_file: self._read_step(f))
            if isinstance(step, Step):
                steps.append(step)
        return steps

    def _read_step(self, step_file: _StepFile) -> Step | None:
        read = _read_markdown(self.root, step_file.path, self.problems)
        if read is None:
            return None
        source, doc = read
        self._hash(source)
        rel = source.rel
        fields = Fields(doc.meta, doc.meta.data, rel, self.problems)
        fields.check_keys(STEP_KEYS)
        title_key = fields.text("title")
        lines = doc.body.split("\n")
        pieces = Pieces()
        body = parse_step_body(doc.body, doc.body_line, step_file.id, rel, self.problems, pieces, title_key)
        unsafe_html_warnings(lines, doc.body_line, rel, self.problems)
        pieces.render(_resolver(self.root, source, self.rel, "course", self.problems, self.page_urls, self.asset_url), self.budget)
        blocks = body.blocks(pieces)
        scenario = fields.slug("scenario", "a scenario id")
        if scenario:
            self.unit.scenario_refs.append(_Ref(rel, fields.line("scenario"), scenario))
        assessment = fields.flag("assessment")
        optional = fields.flag("optional")
        attempts = fields.whole("attempts", "attempts", minimum=1)
        step = Step(
            id=step_file.id, course_id=self.id, module_id=step_file.module_id,
            title=title_key or body.title_heading or id_in_words(step_file.id),
            minutes=fields.whole("minutes", "minutes", minimum=1) or minutes_for_words(body.words),
            content_notes=fields.text_list("content_notes"), scenario=scenario, assessment=assessment,
            attempts=attempts, optional=optional,
            body_html="\n".join(b.html for b in blocks if b.kind == "html"),  # type: ignore[union-attr]
            blocks=blocks, path=step_file.path,
        )
        if attempts is not None and not assessment:
            self.problems.error(rel, fields.line("attempts"), "'attempts' only applies to assessments; add 'assessment: true' or remove 'attempts'")
        if assessment and not step.questions:
            self.problems.error(rel, fields.line("assessment"), "this assessment has no questions; add ```question blocks or remove 'assessment: true'")
        if assessment and optional:
            self.problems.error(rel, fields.line("optional"), "an assessment cannot be optional: every assessment must be passed to complete the course")
        for kind, seen, items in (("question", self.question_ids, step.questions), ("reflection", self.reflection_ids, step.reflections)):
            for item in items:
                if item.id in seen:
                    self.problems.error(rel, item.line, f"{kind} id '{item.id}' is already used in {seen[item.id]}; {kind} ids must be unique within a course (set one with ```{kind} id=...)")  # noqa: E501
                else:
                    seen[item.id] = f"{rel}:{item.line}"
        return step


# ---------------------------------------------------------------- scenarios


class _ScenarioReader:
    """Read one scenario: a single file, or a folder with scenario.md and assets/."""

    def __init__(self, root: Path, scenario_id: str, path: Path, folder: Path | None, urls: ContentUrls, budget: float) -> None:
        self.root = root
        self.budget = budget
        self.id = scenario_id
        self.path = path
        self.folder = folder
        self.urls = urls
        self.rel = _rel(root, path)
        self.unit = _Unit(scenario_id, self.rel)
        self.problems = self.unit.problems

    def asset_url(self, relpath: str) -> str:
        return self.urls.scenario_asset(self.id, relpath)

    def read(self) -> _Unit:
        assets = None
        if self.folder is not None:
            folder_rel = _rel(self.root, self.folder)
            for entry in _entries(self.folder, folder_rel, self.problems):
                if entry.name == "assets" and entry.is_dir(follow_symlinks=False):
                    assets = Path(entry.path)
                    list(_walk_assets(assets, f"{folder_rel}/assets", self.problems))  # reports symlinks
                elif entry.name != "scenario.md":
                    self.problems.warning(f"{folder_rel}/{entry.name}", 0, "ignored; a scenario folder holds scenario.md and assets/")
        _guarded(self.unit, self.rel, lambda: self._read(assets))
        return self.unit

    def _read(self, assets: Path | None) -> None:
        read = _read_markdown(self.root, self.path, self.problems)
        if read is None:
            return
        source, doc = read
        rel = source.rel
        if not doc.meta.present:
            self.problems.error(rel, 1, "scenario has no front matter; start it with '---', then 'title:', 'summary:' and 'endings:', then '---'")
        fields = Fields(doc.meta, doc.meta.data, rel, self.problems)
        fields.check_keys(SCENARIO_KEYS, ("title", "summary", "endings"), EXAMPLES)
        endings = self._endings(fields)
        lines = doc.body.split("\n")
        pieces = Pieces()
        body = parse_scenario_body(doc.body, doc.body_line, rel, self.problems, pieces)
        unsafe_html_warnings(lines, doc.body_line, rel, self.problems)
        scope = _rel(self.root, self.folder) if self.folder is not None else None
        pieces.render(_resolver(self.root, source, scope, "scenario", self.problems, {}, self.asset_url), self.budget)
        nodes: dict[str, Node] = {}
        for draft in body.nodes:
            choices = tuple(
                Choice(
                    index=i, text_html=unwrap_paragraph(pieces[c.text_piece]), target=c.target, score=c.score,
                    red_line=c.red_line, condition=c.condition,
                    feedback_html=pieces[c.feedback_piece] if c.feedback_piece >= 0 else "", line=c.line,
                )
                for i, c in enumerate(draft.choices)
            )
            nodes.setdefault(draft.id, Node(draft.id, draft.line, pieces[draft.body_piece], draft.content_note, choices))
        start = fields.slug("start", "a node id") or (body.nodes[0].id if body.nodes else "")
        if "start" in fields.data and start not in nodes:
            self.problems.error(rel, fields.line("start"), f"'start' names node '{start}', which does not exist{suggest(start, nodes)}")
        pass_score = fields.whole("pass_score", "points", minimum=None)
        check_graph(nodes, start, endings, pass_score, rel, doc.meta.lines, self.problems)
        if self.problems.has_errors:
            return
        minutes = fields.whole("minutes", "minutes", minimum=1) or estimate_minutes(
            body.briefing_words, {d.id: d.words for d in body.nodes}, nodes, start)
        self.unit.value = Scenario(
            id=self.id, title=fields.text("title") or "", summary=fields.text("summary") or "",
            topic=fields.text("topic"), audience=fields.choice("audience", AUDIENCES, "everyone"),
            content_notes=fields.text_list("content_notes"), minutes=minutes, start=start,
            endings=MappingProxyType(endings), pass_score=pass_score, briefing_html=pieces[body.briefing_piece],
            nodes=MappingProxyType(nodes), path=self.path, assets_dir=assets, max_score=best_score(nodes, start),
        )

    def _endings(self, fields: Fields) -> dict[str, tuple[str, ...]]:
        endings: dict[str, tuple[str, ...]] = dict.fromkeys(OUTCOMES, ())
        sub = fields.mapping("endings", "a mapping of outcomes to node ids, like 'pass: [good-end]'")
        if sub is None:
            return endings
        sub.check_keys(OUTCOMES)
        seen: dict[str, str] = {}
        for outcome in OUTCOMES:
            for node_id in sub.slug_list(outcome, "node ids"):
                if node_id in seen:
                    self.problems.error(fields.rel, sub.line(outcome), f"node '{node_id}' is listed under both '{seen[node_id]}' and '{outcome}'; an ending has one outcome")  # noqa: E501
                else:
                    seen[node_id] = outcome
                    endings[outcome] += (node_id,)
        return endings


# ---------------------------------------------------------------- the catalogue


def _scenario_units(root: Path, urls: ContentUrls, problems: Problems, budget: float) -> dict[str, _Unit]:
    units: dict[str, _Unit] = {}
    folder = _top_folder(root, "scenarios", problems)
    if folder is None:
        return units
    for entry in _entries(folder, "scenarios", problems):
        rel = f"scenarios/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            scenario_id, path, own = entry.name, Path(entry.path) / "scenario.md", Path(entry.path)
            if not os.path.lexists(path):
                problems.error(rel, 0, "this scenario folder has no scenario.md")
                continue
        elif entry.name.endswith(".md") and entry.is_file(follow_symlinks=False):
            scenario_id, path, own = entry.name[:-3], Path(entry.path), None
        else:
            problems.warning(rel, 0, "ignored; scenarios/ holds '<id>.md' files and '<id>/' folders")
            continue
        if not is_slug(scenario_id):
            problems.error(rel, 0, f"scenario id '{scenario_id}' (from the name) is not valid; use {SLUG_HELP}")
            continue
        if scenario_id in units:
            problems.error(rel, 0, f"there are two scenarios with the id '{scenario_id}' (a file and a folder); keep one")
            units[scenario_id].problems.error(units[scenario_id].rel, 0, f"there are two scenarios with the id '{scenario_id}'; keep one")
            continue
        units[scenario_id] = _ScenarioReader(root, scenario_id, path, own, urls, budget).read()
    return units


def _course_units(root: Path, urls: ContentUrls, problems: Problems, budget: float) -> dict[str, _Unit]:
    units: dict[str, _Unit] = {}
    folder = _top_folder(root, "courses", problems)
    if folder is None:
        return units
    for entry in _entries(folder, "courses", problems):
        rel = f"courses/{entry.name}"
        if not entry.is_dir(follow_symlinks=False):
            problems.warning(rel, 0, "ignored; courses/ holds one folder per course")
        elif not is_slug(entry.name):
            problems.error(rel, 0, f"course folder name '{entry.name}' is not a valid course id; use {SLUG_HELP}")
        else:
            reader = _CourseReader(root, Path(entry.path), entry.name, urls, budget)
            unit = reader.unit
            _guarded(unit, rel, reader.read)
            units[entry.name] = unit
    return units


def _check_references(courses: dict[str, _Unit], scenarios: dict[str, _Unit]) -> None:
    """Steps' scenarios and courses' requires must name valid things; requires must not loop."""
    for unit in courses.values():
        for ref in unit.scenario_refs:
            if ref.target not in scenarios:
                unit.problems.error(ref.rel, ref.line, f"there is no scenario '{ref.target}'{suggest(ref.target, scenarios)}")
            elif not scenarios[ref.target].valid:
                unit.problems.error(ref.rel, ref.line, f"scenario '{ref.target}' has errors of its own, so this step cannot use it until they are fixed")
        for ref in unit.requires:
            if ref.target not in courses:
                unit.problems.error(ref.rel, ref.line, f"'requires' names course '{ref.target}', which does not exist{suggest(ref.target, courses)}")
    graph = {cid: [r.target for r in u.requires if r.target in courses] for cid, u in courses.items()}
    for cid, unit in courses.items():
        loop = _find_loop(cid, graph)
        if loop:
            ref = unit.requires[0]
            unit.problems.error(ref.rel, ref.line, f"'requires' makes a loop: {' -> '.join(loop)}; a course cannot (indirectly) require itself")
    changed = True
    while changed:  # a course that requires a left-out course is left out too
        changed = False
        for unit in courses.values():
            if not unit.valid:
                continue
            for ref in unit.requires:
                if ref.target in courses and not courses[ref.target].valid:
                    unit.problems.error(ref.rel, ref.line, f"'requires' names course '{ref.target}', which has errors of its own and is left out")
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


def load_catalog(
    root: Path, urls: ContentUrls | None = None, *, render_budget: float = RENDER_BUDGET_SECONDS,
    org: Mapping[str, str] | None = None, support_contacts: Sequence[Mapping[str, str]] | None = None,
    today: datetime.date | None = None,
) -> Catalog:
    """Read every course and scenario under root; never raises for bad content.

    render_budget: seconds each file's Markdown may take to render; a file
    that needs longer is an error at its path, and its course or scenario is
    left out (see markdown.RENDER_BUDGET_SECONDS).
    """
    root = Path(root)
    urls = urls or DEFAULT_URLS
    general = Problems()
    if not root.is_dir():
        general.error(".", 0, f"content folder '{root}' does not exist or is not a folder")
        return Catalog(MappingProxyType({}), MappingProxyType({}), tuple(general.items), root)
    scenarios = _scenario_units(root, urls, general, render_budget)
    courses = _course_units(root, urls, general, render_budget)
    _check_references(courses, scenarios)
    problems = list(general.items)
    for unit in (*scenarios.values(), *courses.values()):
        problems.extend(unit.problems.items)
    return Catalog(
        courses=MappingProxyType({cid: u.value for cid, u in courses.items() if u.valid}),  # type: ignore[misc]
        scenarios=MappingProxyType({sid: u.value for sid, u in scenarios.items() if u.valid}),  # type: ignore[misc]
        problems=tuple(sorted(problems, key=sort_key)),
        root=root,
    )
