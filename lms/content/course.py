"""Courses, modules, steps, questions and reflections: immutable, HTML pre-rendered."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

Audience = Literal["moderator", "peer-supporter", "everyone"]
AUDIENCES: tuple[str, ...] = ("moderator", "peer-supporter", "everyone")
Reveal = Literal["mistakes", "answers"]
REVEALS: tuple[str, ...] = ("mistakes", "answers")
RESPONSE_MAX_CHARS = 5000  # FORMAT.md 7.7: the longest response a trainee may write


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_due(reviewed: datetime.date | None, every_months: int | None) -> datetime.date | None:
    """When a unit reviewed on `reviewed` must be reviewed again (FORMAT.md 7.6); None if never."""
    if reviewed is None or every_months is None:
        return None
    return add_months(reviewed, every_months)


@dataclass(frozen=True)
class HtmlBlock:
    """A run of ordinary step content between questions and reflections."""

    html: str
    kind: Literal["html"] = "html"


@dataclass(frozen=True)
class QuestionChoice:
    index: int  # 0-based, in the order written
    text_html: str  # inline HTML
    correct: bool
    feedback_html: str = ""
    pin: bool = False  # '(pin)' at the end of its first line: keeps its place when shuffled


@dataclass(frozen=True)
class Question:
    id: str
    prompt_html: str
    choices: tuple[QuestionChoice, ...]
    line: int = 0
    kind: Literal["question"] = "question"
    critical: bool = False  # in an assessment, an attempt passes only if this one is right

    @property
    def multiple(self) -> bool:
        """More than one right answer: 'select all that apply'."""
        return sum(choice.correct for choice in self.choices) > 1

    @property
    def correct_indexes(self) -> frozenset[int]:
        return frozenset(choice.index for choice in self.choices if choice.correct)

    def is_correct(self, selected_indexes: Iterable[int]) -> bool:
        """Right only when exactly the correct choices are selected."""
        return frozenset(selected_indexes) == self.correct_indexes


@dataclass(frozen=True)
class Reflection:
    id: str
    prompt_html: str
    line: int = 0
    kind: Literal["reflection"] = "reflection"


@dataclass(frozen=True)
class Response:
    """A written answer that the trainee's cohort trainers read (FORMAT.md 7.7)."""

    id: str
    prompt_html: str
    guidance_html: str  # shown after submitting, and to trainers as the marking guide
    review: bool = False  # the step completes only when a trainer accepts the response
    line: int = 0
    kind: Literal["response"] = "response"


Block = HtmlBlock | Question | Reflection | Response


@dataclass(frozen=True)
class CertificateSpec:
    title: str
    hours: float | None = None
    valid_months: int | None = None
    signatory: str | None = None
    sign_off: bool = False


#: The parts of a course's, module's or step's own text a translation may leave in the original
#: (a step has only "title" and "content_notes": its body is always the translation's).
TextPart = Literal["title", "summary", "intro", "content_notes", "certificate", "topic"]


@dataclass(frozen=True)
class Step:
    id: str
    course_id: str
    module_id: str
    title: str
    minutes: int
    content_notes: tuple[str, ...]
    scenario: str | None
    assessment: bool
    attempts: int | None
    optional: bool
    body_html: str  # every HtmlBlock joined: the body without questions and reflections
    blocks: tuple[Block, ...]
    path: Path | None = None
    shuffle: bool = True  # from course.md: False keeps the choices in file order
    pool: int | None = None  # assessments: questions drawn per attempt
    reveal: Reveal = "mistakes"
    confirmation: Literal["trainer"] | None = None
    reviewed: datetime.date | None = None
    review_every_months: int | None = None  # the step's own, else course.md's
    language: str | None = None  # the language of its translation (FORMAT.md 8); None: the original text
    # In a translation: the parts still shown in the original language (the translation leaves them out).
    original_parts: frozenset[TextPart] = frozenset()

    @property
    def review_due(self) -> datetime.date | None:
        return review_due(self.reviewed, self.review_every_months)

    @property
    def critical_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.critical)

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Question))

    @property
    def reflections(self) -> tuple[Reflection, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Reflection))

    @property
    def responses(self) -> tuple[Response, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Response))


@dataclass(frozen=True)
class Module:
    id: str  # "" for the implicit module of a course without module folders
    title: str
    summary: str
    intro_html: str
    steps: tuple[Step, ...]
    language: str | None = None  # its course's translation's language (FORMAT.md 8); None: the original
    # In a translation: the parts still shown in the original language (no module.LANG.md, or it leaves them out).
    original_parts: frozenset[TextPart] = frozenset()


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    summary: str
    audience: str
    minutes: int
    requires: tuple[str, ...]
    content_notes: tuple[str, ...]
    pass_mark: int
    certificate: CertificateSpec | None
    intro_html: str
    modules: tuple[Module, ...]
    version: str  # short sha256 of the course's files: what a certificate was issued for
    path: Path
    assets_dir: Path | None
    shuffle: bool = True
    reviewed: datetime.date | None = None
    review_every_months: int | None = None
    language: str | None = None  # a translation's language code (FORMAT.md 8); None: the original
    # In a translation: the parts of course.md's text still shown in the original language.
    original_parts: frozenset[TextPart] = frozenset()
    translations: Mapping[str, Course] = field(default_factory=lambda: MappingProxyType({}), compare=False, repr=False)
    steps: tuple[Step, ...] = field(init=False, compare=False)  # every step, in order
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        steps = tuple(step for module in self.modules for step in module.steps)
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "_index", {step.id: i for i, step in enumerate(steps)})

    @property
    def review_due(self) -> datetime.date | None:
        return review_due(self.reviewed, self.review_every_months)

    def localised(self, language: str | None) -> Course:
        """This course in `language` where a translation exists (FORMAT.md 8), else the original.

        A translation has the same ids, structure and version as its original, so
        progress, runs and certificates are shared across languages.
        """
        if language is None or language == self.language:
            return self
        return self.translations.get(language, self)

    def step(self, step_id: str) -> Step | None:
        index = self._index.get(step_id)
        return None if index is None else self.steps[index]

    def step_index(self, step_id: str) -> int | None:
        return self._index.get(step_id)

    def previous_step(self, step_id: str) -> Step | None:
        index = self._index.get(step_id)
        return self.steps[index - 1] if index else None

    def next_step(self, step_id: str) -> Step | None:
        index = self._index.get(step_id)
        steps = self.steps
        return steps[index + 1] if index is not None and index + 1 < len(steps) else None

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for step in self.steps for q in step.questions)

    @property
    def required_steps(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if not step.optional)

    def step_number(self, step_id: str) -> int | None:
        """A step's number among the required steps, counted as the course's progress is ("2 of 9 steps");
        None for an optional step or an unknown id."""
        step = self.step(step_id)
        if step is None or step.optional:
            return None
        return sum(1 for earlier in self.steps[:self._index[step_id]] if not earlier.optional) + 1

    @property
    def assessment_steps(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.assessment)
