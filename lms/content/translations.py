"""Translations of courses and scenarios (FORMAT.md 8): `NAME.LANG.md` beside `NAME.md`.

A translation replaces words, never structure. It is read into a copy of its
original with the text swapped in: same ids, same scores and targets, same
version, so progress, runs and certificates are shared across languages. Every
structural difference from the original is an error at the translated file and
line, and that language of the unit is left out (the original is unaffected).
Files with no translation yet are listed in one note per unit and language; a
trainee sees those parts in the original.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from .blocks import Pieces, list_item, parse_step_body
from .course import Block, CertificateSpec, Course, HtmlBlock, Module, Question, Response, Step, TextPart
from .frontmatter import Document, Fields
from .links import LinkResolver
from .messages import Message, _, untranslated
from .org import OrgVariables, org_text
from .problems import Problems
from .reading import make_resolver, read_markdown, rel_path
from .render import RenderTooSlow
from .scenario import Choice, ConditionalHtml, Node, Scenario, parse_scenario_body
from .source import SourceFile

# 'cy', 'pa', 'pt-BR', 'zh-Hant': a BCP 47 language with an optional region or script.
_TRANSLATION_RE = re.compile(r"^(?P<base>.+)\.(?P<lang>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)\.md$")
COURSE_TEXT_KEYS = ("title", "summary", "content_notes", "certificate")
MODULE_TEXT_KEYS = ("title", "summary")
STEP_TEXT_KEYS = ("title", "content_notes")
SCENARIO_TEXT_KEYS = ("title", "summary", "topic", "content_notes", "skills")
COURSE_PARTS: tuple[TextPart, ...] = ("title", "summary", "intro", "content_notes", "certificate")
MODULE_PARTS: tuple[TextPart, ...] = ("title", "summary", "intro")
STEP_PARTS: tuple[TextPart, ...] = ("title", "content_notes")
SCENARIO_PARTS: tuple[TextPart, ...] = ("title", "summary", "topic", "content_notes")
_T = TypeVar("_T")


def split_translation(name: str) -> tuple[str, str] | None:
    """('NAME.md', 'cy') for 'NAME.cy.md'; None when the file name is not a translation's."""
    match = _TRANSLATION_RE.match(name)
    return (f"{match['base']}.md", match["lang"]) if match else None


@dataclass
class TranslationFiles:
    """The translation files found beside a unit's originals: original path -> language -> file."""

    by_original: dict[Path, dict[str, Path]] = field(default_factory=dict)

    def add(self, original: Path, language: str, path: Path) -> None:
        self.by_original.setdefault(original, {})[language] = path

    @property
    def languages(self) -> list[str]:
        return sorted({lang for files in self.by_original.values() for lang in files})

    def get(self, original: Path | None, language: str) -> Path | None:
        return None if original is None else self.by_original.get(original, {}).get(language)

    def report_orphans(self, known: Sequence[Path], root: Path, problems: Problems) -> None:
        """A translation whose original does not exist (renamed, or a typo) is a warning."""
        for original, files in sorted(self.by_original.items()):
            if original not in known:
                for path in files.values():
                    problems.warning(rel_path(root, path), 0, _("this looks like a translation of '{original_name}', which does not exist here; rename it to match its original (NAME.LANG.md beside NAME.md)", original_name=original.name))  # noqa: E501


class _Reading:
    """What reading one translated file needs from the unit's reader."""

    def __init__(
        self, root: Path, language: str, problems: Problems, org: OrgVariables | None, budget: float,
        resolver: Callable[[SourceFile], LinkResolver],
    ) -> None:
        self.root, self.language, self.problems, self.org, self.budget = root, language, problems, org, budget
        self.resolver = resolver
        self.ok = True  # False once any error is found: this language of the unit is left out

    def error(self, rel: str, line: int, message: Message | str) -> None:
        self.problems.error(rel, line, message)
        self.ok = False

    def read(self, path: Path, allowed: Sequence[str], original: str) -> tuple[SourceFile, Document, Fields] | None:
        before = len(self.problems.items)
        read = read_markdown(self.root, path, self.problems, self.org, [])
        if read is None:
            self.ok = False
            return None
        source, doc = read
        fields = Fields(doc.meta, doc.meta.data, source.rel, self.problems)
        for key in doc.meta.data:
            if key not in allowed:
                self.error(source.rel, fields.line(key), _("'{key}' belongs in the original ({original}) only; a translation's front matter may set only these keys: {items} (everything else comes from the original)", key=key, original=original, items=', '.join(allowed)))  # noqa: E501
        self._note_errors(before)
        return source, doc, fields

    def render(self, pieces: Pieces, source: SourceFile) -> bool:
        try:
            pieces.render(self.resolver(source), self.budget, self.language)
        except RenderTooSlow:
            self.error(source.rel, 0, _("this translation takes too long to render; split it or simplify its Markdown"))
            return False
        return True

    def _note_errors(self, before: int) -> None:
        if any(p.is_error for p in self.problems.items[before:]):
            self.ok = False


# ---------------------------------------------------------------- courses


def translate_course(
    course: Course, files: TranslationFiles, module_files: Mapping[str, Path | None], step_files: Mapping[str, Path],
    course_md: Path | None, reading: _Reading,
) -> tuple[Course | None, list[Path]]:
    """The course in reading.language, or None when the translation has errors; and the files not translated.

    module_files: module id -> its module.md (None when it has none); step_files: step id -> its file.
    """
    lang = reading.language
    untranslated: list[Path] = []
    title, summary, notes, intro, certificate = (
        course.title, course.summary, course.content_notes, course.intro_html, course.certificate
    )
    # Each part the translation gives is taken from it; the rest stay in the original, and say so (original_parts).
    translated: set[TextPart] = set()
    if (path := files.get(course_md, lang)) is not None:
        before = len(reading.problems.items)
        read = reading.read(path, COURSE_TEXT_KEYS, "course.md")
        if read is not None:
            source, doc, fields = read
            title = _part(translated, "title", org_text(fields, "title", reading.org)) or title
            summary = _part(translated, "summary", org_text(fields, "summary", reading.org)) or summary
            notes = _part(translated, "content_notes", fields.text_list("content_notes")) or notes
            intro = _part(translated, "intro", _intro(doc, source, reading)) or intro
            certificate = _certificate(fields, certificate, reading)
            if certificate is not course.certificate:
                translated.add("certificate")
        reading._note_errors(before)
    elif course_md is not None:
        untranslated.append(course_md)
    modules: list[Module] = []
    for module in course.modules:
        m_title, m_summary, m_intro = module.title, module.summary, module.intro_html
        m_translated: set[TextPart] = set()
        original = module_files.get(module.id)
        if (path := files.get(original, lang)) is not None:
            before = len(reading.problems.items)
            read = reading.read(path, MODULE_TEXT_KEYS, "module.md")
            if read is not None:
                source, doc, fields = read
                m_title = _part(m_translated, "title", org_text(fields, "title", reading.org)) or m_title
                m_summary = _part(m_translated, "summary", org_text(fields, "summary", reading.org)) or m_summary
                m_intro = _part(m_translated, "intro", _intro(doc, source, reading)) or m_intro
            reading._note_errors(before)
        elif original is not None:
            untranslated.append(original)
        steps = []
        for step in module.steps:
            original_step = step_files.get(step.id)
            path = files.get(original_step, lang)
            if path is None:
                if original_step is not None:
                    untranslated.append(original_step)
                steps.append(step)
                continue
            steps.append(_translate_step(step, path, reading) or step)
        modules.append(replace(
            module, title=m_title, summary=m_summary, intro_html=m_intro, steps=tuple(steps), language=lang,
            original_parts=frozenset(MODULE_PARTS) - m_translated,
        ))
    if not reading.ok:
        return None, untranslated
    return replace(
        course, title=title, summary=summary, content_notes=notes, intro_html=intro, certificate=certificate,
        modules=tuple(modules), language=lang, original_parts=frozenset(COURSE_PARTS) - translated,
        translations=MappingProxyType({}),
    ), untranslated


def _part(translated: set[TextPart], part: TextPart, text: _T) -> _T:
    """`text` as read from the translation; `part` is noted as translated when it gives any."""
    if text:
        translated.add(part)
    return text


def _intro(doc: Document, source: SourceFile, reading: _Reading) -> str:
    pieces = Pieces()
    pieces.add(doc.body)
    return pieces[0] if reading.render(pieces, source) else ""


def _certificate(fields: Fields, original: CertificateSpec | None, reading: _Reading) -> CertificateSpec | None:
    cert = fields.mapping("certificate", _("a mapping with the certificate's translated 'title'"))
    if cert is None:
        return original
    for key in cert.data:
        if key != "title":
            reading.error(fields.rel, cert.line(str(key)), _("'certificate.{key}' belongs in the original (course.md) only; a translation sets only the certificate's title", key=key))  # noqa: E501
    if original is None:
        reading.error(
            fields.rel, fields.line("certificate"),
            _("the original course has no certificate, so its translation cannot give one"),
        )
        return None
    title = cert.text("title")
    return replace(original, title=title) if title else original


def _translate_step(step: Step, path: Path, reading: _Reading) -> Step | None:
    before = len(reading.problems.items)
    read = reading.read(path, STEP_TEXT_KEYS, step.path.name if step.path else "the original")
    if read is None:
        return None
    source, doc, fields = read
    title = org_text(fields, "title", reading.org)
    pieces = Pieces()
    body = parse_step_body(doc.body, doc.body_line, step.id, source.rel, reading.problems, pieces, title)
    reading._note_errors(before)
    if not reading.render(pieces, source):
        return None
    blocks = body.blocks(pieces)
    _compare_blocks(step, blocks, source.rel, reading)
    # A title or notes the translation leaves out stay the original's, and say so (original_parts).
    translated: set[TextPart] = set()
    title = _part(translated, "title", title or body.title_heading) or step.title
    notes = _part(translated, "content_notes", fields.text_list("content_notes")) or step.content_notes
    return replace(
        step, title=title, content_notes=notes,
        body_html="\n".join(b.html for b in blocks if isinstance(b, HtmlBlock)), blocks=blocks, path=path,
        language=reading.language, original_parts=frozenset(STEP_PARTS) - translated,
    )


def _describe(block: Block) -> str:
    return f"{block.kind} '{getattr(block, 'id', '')}'"


def _compare_blocks(step: Step, blocks: Sequence[Block], rel: str, reading: _Reading) -> None:
    """Questions, reflections and responses must come in the same order with the same ids and answers."""
    original = [b for b in step.blocks if not isinstance(b, HtmlBlock)]
    translated = [b for b in blocks if not isinstance(b, HtmlBlock)]
    where: Message | str = step.path.name if step.path else _("the original")
    for position, (mine, theirs) in enumerate(zip(translated, original, strict=False)):
        line = getattr(mine, "line", 0)
        if (mine.kind, getattr(mine, "id", "")) != (theirs.kind, getattr(theirs, "id", "")):
            reading.error(rel, line, _("this is {block}, but block {number} of the original ({where}:{line}) is {original_block}; a translation keeps every question, reflection and response id in the same order", block=_describe(mine), number=position + 1, where=where, line=getattr(theirs, "line", 0), original_block=_describe(theirs)))  # noqa: E501
            return
        if isinstance(mine, Question) and isinstance(theirs, Question):
            _compare_question(mine, theirs, rel, where, reading)
        elif isinstance(mine, Response) and isinstance(theirs, Response) and mine.review != theirs.review:
            if mine.review:
                message = _("response '{response_id}' is marked 'review' here but is not in the original ({where}:{line})", response_id=mine.id, where=where, line=theirs.line)  # noqa: E501
            else:
                message = _("response '{response_id}' is not marked 'review' here but is in the original ({where}:{line})", response_id=mine.id, where=where, line=theirs.line)  # noqa: E501
            reading.error(rel, line, message)
    if len(translated) > len(original):
        extra = translated[len(original)]
        reading.error(rel, getattr(extra, "line", 0), _("{block} is not in the original ({where}); a translation cannot add questions, reflections or responses", block=_describe(extra), where=where))  # noqa: E501
    elif len(translated) < len(original):
        missing = original[len(translated)]
        last = max((getattr(b, "line", 0) for b in translated), default=1) or 1
        reading.error(
            rel, last,
            _("{block} of the original "
            "({where}:{line}) is missing from this translation",
            block=_describe(missing), where=where, line=getattr(missing, "line", 0)),
        )


def _compare_question(mine: Question, theirs: Question, rel: str, where: Message | str, reading: _Reading) -> None:
    at = untranslated("({where}:{line})", where=where, line=theirs.line)
    if len(mine.choices) != len(theirs.choices):
        reading.error(
            rel, mine.line,
            _("question '{question_id}' has {count} choices here but {original_count} in the original {at}",
              question_id=mine.id, count=len(mine.choices), original_count=len(theirs.choices), at=at),
        )
    elif [c.correct for c in mine.choices] != [c.correct for c in theirs.choices]:
        reading.error(rel, mine.line, _("question '{question_id}' marks different choices correct than the original {at}; translate the choices in the same order with the same [x] marks", question_id=mine.id, at=at))  # noqa: E501
    elif [c.pin for c in mine.choices] != [c.pin for c in theirs.choices]:
        reading.error(rel, mine.line, _("question '{question_id}' pins different choices than the original {at}",
                                        question_id=mine.id, at=at))
    if mine.critical != theirs.critical:
        if mine.critical:
            message = _("question '{question_id}' is critical here but is not in the original {at}", question_id=mine.id, at=at)  # noqa: E501
        else:
            message = _("question '{question_id}' is not critical here but is in the original {at}", question_id=mine.id, at=at)  # noqa: E501
        reading.error(rel, mine.line, message)


# ---------------------------------------------------------------- scenarios


def translate_scenario(scenario: Scenario, path: Path, reading: _Reading) -> Scenario | None:
    """The scenario in reading.language, or None when its translation has errors."""
    before = len(reading.problems.items)
    read = reading.read(path, SCENARIO_TEXT_KEYS, scenario.path.name)
    if read is None:
        return None
    source, doc, fields = read
    rel = source.rel
    skills = _skill_labels(fields, scenario, reading)
    pieces = Pieces()
    body = parse_scenario_body(doc.body, doc.body_line, rel, reading.problems, pieces)
    reading._note_errors(before)
    if not reading.render(pieces, source) or not reading.ok:
        return None
    from .scenario_reader import build_nodes  # the reader imports this module

    nodes = build_nodes(body, pieces)
    _compare_nodes(scenario, nodes, rel, reading, partial(_first_text_line, doc.body.split("\n"), doc.body_line))
    if not reading.ok:
        return None
    # A part the translation leaves out stays the original's, and says so (original_parts), as for courses.
    translated: set[TextPart] = set()
    return replace(
        scenario, title=_part(translated, "title", org_text(fields, "title", reading.org)) or scenario.title,
        summary=_part(translated, "summary", org_text(fields, "summary", reading.org)) or scenario.summary,
        topic=_part(translated, "topic", fields.text("topic")) or scenario.topic,
        content_notes=_part(translated, "content_notes", fields.text_list("content_notes")) or scenario.content_notes,
        briefing_html=pieces[body.briefing_piece], nodes=MappingProxyType(nodes), path=path,
        skills=MappingProxyType(skills),
        language=reading.language, translations=MappingProxyType({}),
        original_parts=frozenset(SCENARIO_PARTS) - translated,
    )


def _skill_labels(fields: Fields, scenario: Scenario, reading: _Reading) -> dict[str, str]:
    labels = dict(scenario.skills)
    sub = fields.mapping("skills", _("a mapping of the original's skill names to translated labels"))
    if sub is None:
        return labels
    for name in sub.data:
        if str(name) not in scenario.skills:
            reading.error(fields.rel, sub.line(str(name)), _("skill '{name}' is not declared in the original ({original}); translate the labels, keep the names", name=name, original=scenario.path.name))  # noqa: E501
        elif (text := sub.text(str(name))) is not None:
            labels[str(name)] = text
    return labels


def _condition(condition: Any) -> tuple[str, bool] | None:
    return None if condition is None else (condition.node, condition.negate)


def _part_conditions(parts: tuple[ConditionalHtml, ...]) -> list[tuple[str, bool] | None]:
    return [_condition(p.condition) for p in parts]


def _first_text_line(lines: Sequence[str], body_line: int, heading_line: int) -> int:
    """The line of the first text under the node heading on `heading_line` (where a 'Content note:' line goes);
    the heading's own line when the node has no text before its choices. `lines` start at line `body_line`."""
    for index in range(heading_line - body_line + 1, len(lines)):
        text = lines[index].strip()
        if text:
            return heading_line if text.startswith("#") or list_item(text) is not None else body_line + index
    return heading_line


def _compare_nodes(
    scenario: Scenario, nodes: Mapping[str, Node], rel: str, reading: _Reading, text_line: Callable[[int], int],
) -> None:
    """Nodes keep their ids, choices, conditions and content notes; `text_line` gives the line of a node's first
    text from its heading's line."""
    where = scenario.path.name
    for node_id, node in nodes.items():
        if node_id not in scenario.nodes:
            reading.error(
                rel, node.line, _("node '{node_id}' is not in the original ({where}); a translation keeps every node id",  # noqa: E501
                                  node_id=node_id, where=where),
            )
    for node_id, theirs in scenario.nodes.items():
        mine = nodes.get(node_id)
        if mine is None:
            reading.error(rel, max((n.line for n in nodes.values()), default=1), _("node '{node_id}' of the original ({where}:{line}) is missing from this translation", node_id=node_id, where=where, line=theirs.line))  # noqa: E501
            continue
        at = untranslated("({where}:{line})", where=where, line=theirs.line)
        if theirs.content_note and not mine.content_note:
            # 'Nodyn cynnwys: ...' is text to the reader: the node would be shown without its warning.
            reading.error(rel, text_line(mine.line), _("node '{node_id}' has a content note in the original {at} but none here, so its text would be shown without the warning; the node's first line must start with 'Content note:' as in the original, with the words after it translated", node_id=node_id, at=at))  # noqa: E501
        if len(mine.choices) != len(theirs.choices):
            reading.error(
                rel, mine.line,
                _("node '{node_id}' has {count} choices here but {original_count} in the original {at}",
                  node_id=node_id, count=len(mine.choices), original_count=len(theirs.choices), at=at),
            )
            continue
        if _part_conditions(mine.body_parts) != _part_conditions(theirs.body_parts):
            reading.error(rel, mine.line, _("node '{node_id}' has different '::: if' conditions than the original {at}",
                                            node_id=node_id, at=at))
        for a, b in zip(mine.choices, theirs.choices, strict=True):
            _compare_choice(node_id, a, b, rel, untranslated("({where}:{line})", where=where, line=b.line), reading)


def _compare_choice(node_id: str, mine: Choice, theirs: Choice, rel: str, at: Message, reading: _Reading) -> None:
    about = {"number": mine.index + 1, "node_id": node_id, "at": at}
    for here, there, differs in (
        (mine.target, theirs.target, lambda p: _("choice {number} of node '{node_id}' goes to {here} here but {there} in the original {at}; a translation changes only the words", **p)),  # noqa: E501
        (mine.score, theirs.score, lambda p: _("choice {number} of node '{node_id}' scores {here} here but {there} in the original {at}; a translation changes only the words", **p)),  # noqa: E501
        (mine.red_line, theirs.red_line, lambda p: _("choice {number} of node '{node_id}' is a red line: {here} here but {there} in the original {at}; a translation changes only the words", **p)),  # noqa: E501
        (_condition(mine.condition), _condition(theirs.condition), lambda p: _("choice {number} of node '{node_id}' has the condition {here} here but {there} in the original {at}; a translation changes only the words", **p)),  # noqa: E501
        (mine.skills, theirs.skills, lambda p: _("choice {number} of node '{node_id}' has the skills {here} here but {there} in the original {at}; a translation changes only the words", **p)),  # noqa: E501
        (mine.pin, theirs.pin, lambda p: _("choice {number} of node '{node_id}' is pinned: {here} here but {there} in the original {at}; a translation changes only the words", **p)),  # noqa: E501
        (_part_conditions(mine.feedback_parts), _part_conditions(theirs.feedback_parts), lambda p: _("choice {number} of node '{node_id}' has feedback conditions {here} here but {there} in the original {at}; a translation changes only the words", **p)),  # noqa: E501
    ):
        if here != there:
            reading.error(rel, mine.line, differs({**about, "here": _show(here), "there": _show(there)}))


def _show(value: object) -> Message | str:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bool) and isinstance(value[0], str):
        return f"'if {'not ' if value[1] else ''}{value[0]}'"
    if value is None:
        return _("none")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, tuple):
        return "(" + ", ".join(str(v) for v in value) + ")" if value else _("none")
    return f"'{value}'" if isinstance(value, str) else str(value)


def new_reading(
    root: Path, language: str, problems: Problems, org: OrgVariables | None, budget: float,
    scope_rel: str | None, scope_name: str, page_urls: Mapping[str, str], asset_url: Callable[[str], str],
) -> _Reading:
    """A reading of one unit's translation into `language`, resolving links like the original's."""
    def resolver(source: SourceFile) -> LinkResolver:
        return make_resolver(root, source, scope_rel, scope_name, problems, page_urls, asset_url)

    return _Reading(root, language, problems, org.for_language(language) if org is not None else None, budget,
                    resolver)

