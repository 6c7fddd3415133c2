"""Courses, modules, steps, questions and reflections: immutable, HTML pre-rendered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Audience = Literal["moderator", "peer-supporter", "everyone"]
AUDIENCES: tuple[str, ...] = ("moderator", "peer-supporter", "everyone")


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


@dataclass(frozen=True)
class Question:
    id: str
    prompt_html: str
    choices: tuple[QuestionChoice, ...]
    line: int = 0
    kind: Literal["question"] = "question"

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


Block = HtmlBlock | Question | Reflection


@dataclass(frozen=True)
class CertificateSpec:
    title: str
    hours: float | None = None
    valid_months: int | None = None
    signatory: str | None = None
    sign_off: bool = False


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

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Question))

    @property
    def reflections(self) -> tuple[Reflection, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Reflection))


@dataclass(frozen=True)
class Module:
    id: str  # "" for the implicit module of a course without module folders
    title: str
    summary: str
    intro_html: str
    steps: tuple[Step, ...]


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
    steps: tuple[Step, ...] = field(init=False, compare=False)  # every step, in order
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        steps = tuple(step for module in self.modules for step in module.steps)
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "_index", {step.id: i for i, step in enumerate(steps)})

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

    @property
    def assessment_steps(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.assessment)
