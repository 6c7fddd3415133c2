"""Read one course folder (course.md, modules, steps) into a Course and its problems."""

from __future__ import annotations

import datetime
import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import MappingProxyType

from .blocks import Pieces, parse_step_body, warn_blocks_outside_steps
from .course import AUDIENCES, REVEALS, CertificateSpec, Course, HtmlBlock, Module, Step, review_due
from .frontmatter import Document, Fields
from .html_lint import unsafe_html_warnings
from .messages import _
from .org import OrgVariables, org_text
from .problems import Problems
from .reading import (
    Ref,
    Unit,
    check_review_dates,
    entries,
    guarded,
    hash_file,
    make_resolver,
    read_markdown,
    rel_path,
    too_slow_message,
    top_folder,
    walk_assets,
)
from .render import RenderTooSlow
from .render_cache import CachedReading
from .source import SLUG_HELP, SourceFile, id_in_words, is_slug, minutes_for_words, split_numbered
from .translations import TranslationFiles, new_reading, split_translation, translate_course
from .urls import ContentUrls

COURSE_KEYS = (
    "title", "summary", "audience", "minutes", "requires", "content_notes", "pass_mark", "certificate", "shuffle",
    "reviewed", "review_every_months",
)
CERTIFICATE_KEYS = ("title", "hours", "valid_months", "signatory", "sign_off")
STEP_KEYS = (
    "title", "minutes", "content_notes", "scenario", "assessment", "attempts", "optional", "pool", "reveal",
    "confirmation", "reviewed", "review_every_months",
)
CONFIRMATIONS = ("trainer",)
MODULE_KEYS = ("title", "summary")
EXAMPLES = {
    "title": "Active listening", "summary": "One or two sentences for the catalogue.", "endings": "{pass: [good-end]}",
}
DEFAULT_PASS_MARK = 80


#: A folder name that looks like a language code (cy, pt-br): translations put in a folder of their own.
_LANGUAGE_LIKE_RE = re.compile(r"[a-z]{2}(?:[-_][a-z]{2,4})?")


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


class CourseReader:
    """Read one course folder."""

    def __init__(
        self, root: Path, folder: Path, course_id: str, urls: ContentUrls, budget: float,
        today: datetime.date | None = None, org: OrgVariables | None = None,
    ) -> None:
        self.root = root
        self.today = today
        self.org = org
        self.budget = budget
        self.folder = folder
        self.id = course_id
        self.urls = urls
        self.rel = rel_path(root, folder)
        self.unit = Unit(course_id, self.rel)
        self.problems = self.unit.problems
        self.digest = hashlib.sha256()
        self.question_ids: dict[str, str] = {}
        self.response_ids: dict[str, str] = {}
        self.shuffle = True  # course.md's 'shuffle:', which its steps inherit
        self.reviewed: datetime.date | None = None
        self.review_every_months: int | None = None  # course.md's, which its steps inherit
        self.reflection_ids: dict[str, str] = {}
        self.page_urls: dict[str, str] = {}
        self.translations = TranslationFiles()  # NAME.LANG.md files (FORMAT.md 8)

    def asset_url(self, relpath: str) -> str:
        return self.urls.course_asset(self.id, relpath)

    def _numbered(self, entry: os.DirEntry[str], where: str) -> tuple[int, str] | None:
        """(number, id) of a step file or module folder name, reporting bad names."""
        name = entry.name[:-3] if entry.name.endswith(".md") else entry.name
        parts = split_numbered(name)
        rel = f"{where}/{entry.name}"
        kind = _("step file") if entry.name.endswith(".md") else _("module folder")
        if parts is None and not entry.name.endswith(".md") and _LANGUAGE_LIKE_RE.fullmatch(name):
            self.problems.error(rel, 0, _(
                "module folder '{entry_name}' has no number prefix; if it holds translations, put each beside its "
                "original instead, named like '1-welcome.{entry_name}.md' (FORMAT.md 8)", entry_name=entry.name))
            return None
        if parts is None:
            example = f"01-{name}" + (".md" if entry.name.endswith(".md") else "")
            self.problems.error(
                rel, 0,
                _("{kind} '{entry_name}' has no number prefix; rename it like '{example}' "
                "(or start its name with '_' to keep it as a draft)",
                kind=kind, entry_name=entry.name, example=example),
            )
            return None
        if not is_slug(parts[1]):
            self.problems.error(
                rel, 0, _("'{name_part}' in the name of {kind} '{entry_name}' is not a valid id; use {slug_help}",
                          name_part=parts[1], kind=kind, entry_name=entry.name, slug_help=SLUG_HELP),
            )
            return None
        return parts

    def _scan_steps(
        self, folder: Path, rel: str, module_id: str, allow_modules: bool,
    ) -> tuple[list[_StepFile], list[_ModuleFolder], Path | None, Path | None]:
        steps: list[_StepFile] = []
        modules: list[_ModuleFolder] = []
        assets: Path | None = None
        index_md: Path | None = None
        index_name = "course.md" if allow_modules else "module.md"
        for entry in entries(folder, rel, self.problems):
            path = Path(entry.path)
            if (translation := split_translation(entry.name)) is not None and entry.is_file(follow_symlinks=False):
                self.translations.add(folder / translation[0], translation[1], path)
            elif entry.name == index_name and entry.is_file(follow_symlinks=False):
                index_md = path
            elif entry.name == "assets" and allow_modules and entry.is_dir(follow_symlinks=False):
                assets = path
            elif entry.is_dir(follow_symlinks=False):
                if not allow_modules:
                    self.problems.warning(f"{rel}/{entry.name}", 0, _("folders inside a module are ignored; steps go directly in the module, files for links in the course's assets/"))  # noqa: E501
                elif (parts := self._numbered(entry, rel)) is not None:
                    modules.append(_ModuleFolder(parts[0], parts[1], path))
            elif entry.name.endswith(".md") and entry.is_file(follow_symlinks=False):
                if (parts := self._numbered(entry, rel)) is not None:
                    steps.append(_StepFile(parts[0], parts[1], path, module_id))
            elif entry.name.lower().endswith(".md") and entry.is_file(follow_symlinks=False):
                # '1-welcome.MD': a step the trainer wrote, which would be left out of the course without a word.
                self.problems.error(f"{rel}/{entry.name}", 0, _("'{entry_name}' ends in '{ending}': steps must end in lowercase '.md'; rename it to '{fixed}'", entry_name=entry.name, ending=entry.name[-3:], fixed=entry.name[:-3] + ".md"))  # noqa: E501
            else:
                if allow_modules:
                    ignored = _("'{entry_name}' is ignored; only {index_name}, numbered steps and module folders belong here; files for links go in assets/", entry_name=entry.name, index_name=index_name)  # noqa: E501
                else:
                    ignored = _("'{entry_name}' is ignored; only {index_name}, numbered steps belong here; files for links go in assets/", entry_name=entry.name, index_name=index_name)  # noqa: E501
                self.problems.warning(f"{rel}/{entry.name}", 0, ignored)
        steps.sort(key=lambda s: (s.number, s.path.name))
        modules.sort(key=lambda m: (m.number, m.path.name))
        ids = {s.id for s in steps}
        for step in steps:  # '4-shadow-cy.md' beside '4-shadow.md': a translation named with '-', read as a step
            base, dash, language = step.id.rpartition("-")
            if dash and base in ids and _LANGUAGE_LIKE_RE.fullmatch(language):
                self.problems.warning(f"{rel}/{step.path.name}", 0, _("'{entry_name}' looks like a translation of the step '{base}', but it is read as a step of its own; name it '{fixed}' (FORMAT.md 8)", entry_name=step.path.name, base=base, fixed=step.path.name[:-len(dash + language + '.md')] + f".{language}.md"))  # noqa: E501
        return steps, modules, assets, index_md

    def read(self) -> Unit:
        steps, modules, assets, course_md = self._scan_steps(self.folder, self.rel, "", allow_modules=True)
        if course_md is None:
            self.problems.error(
                f"{self.rel}/course.md", 0,
                _("course.md is missing; every course folder needs one, with a title and a summary in its front matter"),  # noqa: E501
            )
        if steps and modules:
            self.problems.error(self.rel, 0, _("this course has both step files and module folders at its top level; put every step inside a module folder, or use no module folders"))  # noqa: E501
        for module in modules:
            module.steps, _assets, _index, module.module_md = self._scan_steps(
                module.path, rel_path(self.root, module.path), module.id, allow_modules=False,
            )
            if not module.steps:
                self.problems.error(
                    rel_path(self.root, module.path), 0,
                    _("this module has no steps; add step files like '01-welcome.md'"),
                )
        all_steps = steps + [s for m in modules for s in m.steps]
        if not all_steps:
            self.problems.error(self.rel, 0, _("this course has no steps; add step files like '01-welcome.md'"))
        self._check_unique([(s.id, s.path) for s in all_steps], "step")
        self._check_unique([(m.id, m.path) for m in modules], "module")
        # Links between steps need every step's URL before any file is rendered.
        self.page_urls["course.md"] = self.urls.course(self.id)
        for step in all_steps:
            self.page_urls[step.path.relative_to(self.folder).as_posix()] = self.urls.step(self.id, step.id)
        for module in modules:
            self.page_urls[f"{module.path.name}/module.md"] = self.urls.course(self.id)

        head = (
            guarded(self.unit, f"{self.rel}/course.md", lambda: self._read_course_md(course_md)) if course_md else None
        )
        built_modules: list[Module] = []
        if steps:
            built = self._read_steps(steps)
            title = head["title"] if isinstance(head, dict) else id_in_words(self.id)
            built_modules.append(Module("", title, "", "", tuple(built)))
        for module in modules:
            built_modules.append(self._read_module(module))
        if assets is not None:
            for inner, path in sorted(walk_assets(assets, rel_path(self.root, assets), self.problems)):
                self.digest.update(inner.encode() + b"\0")
                hash_file(self.digest, path)
        self._hash_snippets()
        if not isinstance(head, dict) or self.problems.has_errors:
            return self.unit
        minutes = head["minutes"] or sum(s.minutes for m in built_modules for s in m.steps)
        self.unit.value = Course(
            id=self.id, title=head["title"], summary=head["summary"], audience=head["audience"], minutes=minutes,
            requires=head["requires"], content_notes=head["content_notes"], pass_mark=head["pass_mark"],
            certificate=head["certificate"], intro_html=head["intro_html"], modules=tuple(built_modules),
            version=self.digest.hexdigest()[:12], path=self.folder, assets_dir=assets, shuffle=self.shuffle,
            reviewed=self.reviewed, review_every_months=self.review_every_months,
        )
        self._read_translations(self.unit.value, course_md, {m.id: m.module_md for m in modules})
        return self.unit

    def _read_translations(self, course: Course, course_md: Path | None, module_files: dict[str, Path | None]) -> None:
        """Pair NAME.LANG.md files with their originals (FORMAT.md 8); problems go to translation_problems."""
        problems = self.unit.translation_problems
        step_files = {step.id: step.path for step in course.steps if step.path is not None}
        known = [p for p in (course_md, *module_files.values(), *step_files.values()) if p is not None]
        self.translations.report_orphans(known, self.root, problems)
        translated: dict[str, Course] = {}
        for lang in self.translations.languages:
            reading = new_reading(
                self.root, lang, problems, self.org, self.budget, self.rel, "course", self.page_urls, self.asset_url,
            )
            read = partial(translate_course, course, self.translations, module_files, step_files, course_md, reading)
            outcome = guarded(Unit(self.id, self.rel, problems), self.rel, read)  # a bug leaves out this language only
            result, untranslated = outcome if isinstance(outcome, tuple) else (None, [])
            if result is not None:
                translated[lang] = result
            if untranslated:
                names = ", ".join(path.relative_to(self.folder).as_posix() for path in untranslated)
                problems.note(self.rel, 0, _("not yet translated into '{lang}' (shown in the original): {names}",
                                             lang=lang, names=names))
        if translated:
            self.unit.value = replace(course, translations=MappingProxyType(translated))

    def _warn_overdue(
        self, rel: str, fields: Fields, reviewed: datetime.date | None, every: int | None, what: str,
    ) -> None:
        """FORMAT.md 7.6: warn when a "course" or "step" is past its review date (only when told what today is),
        or its dates cannot work (check_review_dates)."""
        check_review_dates(fields, reviewed, self.today)
        due = review_due(reviewed, every)
        if self.today is not None and due is not None and due < self.today:
            about = {"due": due.isoformat(), "reviewed": reviewed, "every": every}
            if what == "course":
                message = _("this course was due for review on {due} (reviewed {reviewed}, every {every} months); check it is still true, then update 'reviewed'", **about)  # noqa: E501
            else:
                message = _("this step was due for review on {due} (reviewed {reviewed}, every {every} months); check it is still true, then update 'reviewed'", **about)  # noqa: E501
            self.problems.warning(rel, fields.line("reviewed"), message)

    def _check_pool(self, rel: str, line: int, pool: int, step: Step) -> None:
        count, critical = len(step.questions), len(step.critical_questions)
        if pool > count:
            self.problems.error(
                rel, line,
                _("'pool: {pool}' draws more questions than this assessment has ({count}); lower it or add questions",
                  pool=pool, count=count),
            )
        elif pool < critical:
            self.problems.error(rel, line, _("'pool: {pool}' is smaller than the number of critical questions ({critical}), which every attempt includes; raise it to at least {critical}", pool=pool, critical=critical))  # noqa: E501

    def _check_unique(self, items: list[tuple[str, Path]], kind: str) -> None:
        seen: dict[str, Path] = {}
        for item_id, path in items:
            if item_id in seen:
                about = {"item_id": item_id, "path": rel_path(self.root, seen[item_id])}
                if kind == "step":
                    message = _("step id '{item_id}' is already used by {path}; step ids must be unique within a course", **about)  # noqa: E501
                else:
                    message = _("module id '{item_id}' is already used by {path}; module ids must be unique within a course", **about)  # noqa: E501
                self.problems.error(rel_path(self.root, path), 0, message)
            else:
                seen[item_id] = path

    def _hash(self, source: SourceFile) -> None:
        inner = source.rel[len(self.rel) + 1 :]
        self.digest.update(inner.encode() + b"\0" + source.data + b"\0")

    def _hash_snippets(self) -> None:
        """Included snippets count in the version: a certificate names what the trainee really read (7.5)."""
        snippets = self.org.snippets if self.org is not None else None
        if snippets is None:
            return
        for name in sorted({use.name for use in self.unit.snippet_uses}):
            source = snippets.source(name)
            if source is not None:
                self.digest.update(source.rel.encode() + b"\0" + source.data + b"\0")

    def _render_intro(self, source: SourceFile, doc: Document) -> str:
        lines = doc.body.split("\n")
        warn_blocks_outside_steps(doc.body, doc.body_line, source.rel, self.problems)
        unsafe_html_warnings(lines, doc.body_line, source.rel, self.problems)
        pieces = Pieces()
        pieces.add(doc.body)
        try:
            pieces.render(
                make_resolver(self.root, source, self.rel, "course", self.problems, self.page_urls, self.asset_url),
                self.budget, self.org.text_language if self.org is not None else None,
            )
        except RenderTooSlow as exc:  # module.md is read outside guarded
            self.problems.error(source.rel, 0, too_slow_message(exc.budget))
            return ""
        return pieces[0]

    def _read_course_md(self, path: Path) -> dict[str, object] | None:
        read = read_markdown(self.root, path, self.problems, self.org, self.unit.snippet_uses)
        if read is None:
            return None
        source, doc = read
        self._hash(source)
        if not doc.meta.present:
            self.problems.error(
                source.rel, 1,
                _("course.md has no front matter; start it with a '---' line, "
                "then 'title: ...' and 'summary: ...', then '---'"),
            )
        fields = Fields(doc.meta, doc.meta.data, source.rel, self.problems)
        fields.check_keys(COURSE_KEYS, ("title", "summary"), EXAMPLES)
        self.shuffle = fields.flag("shuffle", default=True)
        self.reviewed = fields.date("reviewed")
        self.review_every_months = fields.whole("review_every_months", _("months"), minimum=1)
        self._warn_overdue(source.rel, fields, self.reviewed, self.review_every_months, "course")
        for ref in fields.slug_list("requires", _("course ids")):
            self.unit.requires.append(Ref(source.rel, fields.line("requires"), ref))
        certificate = None
        if (cert := fields.mapping(
            "certificate", _("a mapping with at least a 'title' (indented lines under 'certificate:')"),
        )) is not None:
            cert.check_keys(CERTIFICATE_KEYS, ("title",), {"title": "Volunteer Moderator"})
            spec = CertificateSpec(
                title=cert.text("title") or "", hours=cert.number("hours", _("hours")),
                valid_months=cert.whole("valid_months", _("months"), minimum=1),
                signatory=cert.text("signatory"), sign_off=cert.flag("sign_off"),
            )
            certificate = spec if spec.title else None
        return {
            "title": org_text(fields, "title", self.org) or id_in_words(self.id),
            "summary": org_text(fields, "summary", self.org) or "",
            "audience": fields.choice("audience", AUDIENCES, "everyone"),
            "minutes": fields.whole("minutes", _("minutes"), minimum=1),
            "requires": tuple(r.target for r in self.unit.requires),
            "content_notes": fields.text_list("content_notes"),
            "pass_mark": (
                pm if (pm := fields.whole("pass_mark", _("percent"), 0, 100)) is not None else DEFAULT_PASS_MARK
            ),
            "certificate": certificate,
            "intro_html": self._render_intro(source, doc),
        }

    def _read_module(self, module: _ModuleFolder) -> Module:
        title, summary, intro = id_in_words(module.id), "", ""
        if module.module_md is not None:
            read = read_markdown(self.root, module.module_md, self.problems, self.org, self.unit.snippet_uses)
            if read is not None:
                source, doc = read
                self._hash(source)
                fields = Fields(doc.meta, doc.meta.data, source.rel, self.problems)
                fields.check_keys(MODULE_KEYS)
                title = org_text(fields, "title", self.org) or title
                summary = org_text(fields, "summary", self.org) or ""
                intro = self._render_intro(source, doc)
        return Module(module.id, title, summary, intro, tuple(self._read_steps(module.steps)))

    def _read_steps(self, files: list[_StepFile]) -> list[Step]:
        steps = []
        for step_file in files:
            rel = rel_path(self.root, step_file.path)
            step = guarded(self.unit, rel, partial(self._read_step, step_file))
            if isinstance(step, Step):
                steps.append(step)
        return steps

    def _read_step(self, step_file: _StepFile) -> Step | None:
        read = read_markdown(self.root, step_file.path, self.problems, self.org, self.unit.snippet_uses)
        if read is None:
            return None
        source, doc = read
        self._hash(source)
        rel = source.rel
        fields = Fields(doc.meta, doc.meta.data, rel, self.problems)
        fields.check_keys(STEP_KEYS)
        title_key = org_text(fields, "title", self.org)
        lines = doc.body.split("\n")
        pieces = Pieces()
        body = parse_step_body(doc.body, doc.body_line, step_file.id, rel, self.problems, pieces, title_key)
        unsafe_html_warnings(lines, doc.body_line, rel, self.problems)
        for number, row in enumerate(lines, start=doc.body_line):
            if row.lstrip().startswith(":::"):  # FORMAT.md 7.4: a role-play's node text only
                self.problems.warning(rel, number, _("':::' conditional text works only in role-play scenarios; in a course step it would show as typed"))  # noqa: E501
        pieces.render(
            make_resolver(self.root, source, self.rel, "course", self.problems, self.page_urls, self.asset_url),
            self.budget, self.org.text_language if self.org is not None else None,
        )
        blocks = body.blocks(pieces)
        scenario = fields.slug("scenario", _("a scenario id"))
        if scenario:
            self.unit.scenario_refs.append(Ref(rel, fields.line("scenario"), scenario))
        assessment = fields.flag("assessment")
        optional = fields.flag("optional")
        attempts = fields.whole("attempts", _("attempts"), minimum=1)
        pool = fields.whole("pool", _("questions"), minimum=1)
        confirmation = fields.choice("confirmation", CONFIRMATIONS, "") or None
        reviewed = fields.date("reviewed")
        every = fields.whole("review_every_months", _("months"), minimum=1) or self.review_every_months
        self._warn_overdue(rel, fields, reviewed, every, "step")
        reveal = fields.choice("reveal", REVEALS, "mistakes")
        step = Step(
            id=step_file.id, course_id=self.id, module_id=step_file.module_id,
            title=title_key or body.title_heading or id_in_words(step_file.id),
            minutes=fields.whole("minutes", _("minutes"), minimum=1) or minutes_for_words(body.words),
            content_notes=fields.text_list("content_notes"), scenario=scenario, assessment=assessment,
            attempts=attempts, optional=optional,
            body_html="\n".join(b.html for b in blocks if isinstance(b, HtmlBlock)),
            blocks=blocks, path=step_file.path, shuffle=self.shuffle, pool=pool,
            reveal="answers" if reveal == "answers" else "mistakes",
            confirmation="trainer" if confirmation == "trainer" else None, reviewed=reviewed, review_every_months=every,
        )
        if confirmation and (assessment or scenario):
            self.problems.error(rel, fields.line("confirmation"), _("a step a trainer confirms cannot also be an assessment or a scenario; make it its own step"))  # noqa: E501
        if attempts is not None and not assessment:
            self.problems.error(
                rel, fields.line("attempts"),
                _("'attempts' only applies to assessments; add 'assessment: true' or remove 'attempts'"),
            )
        for key in ("pool", "reveal"):
            if key in fields.data and not assessment:
                self.problems.error(
                    rel, fields.line(key),
                    _("'{key}' only applies to assessments; add 'assessment: true' or remove '{key}'", key=key),
                )
        if assessment and pool is not None:
            self._check_pool(rel, fields.line("pool"), pool, step)
        if not assessment:
            for question in step.critical_questions:
                self.problems.warning(rel, question.line, _("question '{question_id}' is marked critical, but 'critical' only counts in an assessment step; add 'assessment: true' to the front matter or remove 'critical'", question_id=question.id))  # noqa: E501
        if assessment and not step.questions:
            self.problems.error(
                rel, fields.line("assessment"),
                _("this assessment has no questions; add ```question blocks or remove 'assessment: true'"),
            )
        if assessment and optional:
            self.problems.error(
                rel, fields.line("optional"),
                _("an assessment cannot be optional: every assessment must be passed to complete the course"),
            )
        for kind, seen, items in (
            ("question", self.question_ids, step.questions), ("reflection", self.reflection_ids, step.reflections),
            ("response", self.response_ids, step.responses),
        ):
            for item in items:
                if item.id in seen:
                    self.problems.error(rel, item.line, _("{kind} id '{item_id}' is already used in {first_use}; {kind} ids must be unique within a course (set one with ```{kind} id=...)", kind=kind, item_id=item.id, first_use=seen[item.id]))  # noqa: E501
                else:
                    seen[item.id] = f"{rel}:{item.line}"
        return step


def course_units(
    root: Path, urls: ContentUrls, problems: Problems, budget: float, today: datetime.date | None = None,
    org: OrgVariables | None = None, cached: CachedReading | None = None,
) -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    folder = top_folder(root, "courses", problems)
    if folder is None:
        return units
    for entry in entries(folder, "courses", problems):
        rel = f"courses/{entry.name}"
        if not entry.is_dir(follow_symlinks=False):
            problems.warning(rel, 0, _("ignored; courses/ holds one folder per course"))
        elif not is_slug(entry.name):
            problems.error(rel, 0, _("course folder name '{entry_name}' is not a valid course id; use {slug_help}",
                                     entry_name=entry.name, slug_help=SLUG_HELP))
        else:
            def read(path: Path = Path(entry.path), course_id: str = entry.name, rel: str = rel) -> Unit:
                reader = CourseReader(root, path, course_id, urls, budget, today, org)
                guarded(reader.unit, rel, reader.read)
                return reader.unit

            units[entry.name] = read() if cached is None else \
                cached.read(cached.key("course", entry.name, [Path(entry.path)]), read)
    return units
