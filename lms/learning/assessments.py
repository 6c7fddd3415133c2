"""Assessments: all questions submitted together, attempts counted and capped (FORMAT.md §3.2).

Each submission carries the number of the attempt it is for. The database
keeps one row per (enrolment, step, number), and a number above the cap is
refused, so a double click, a second tab or a replayed form can never add an
attempt or go over the limit: a repeat of an attempt already made just shows
that attempt's result.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from lms.content import Course, Step
from lms.core.db import DbSession
from lms.core.services import ServiceError
from lms.learning import progress
from lms.learning.models import AssessmentAttempt, Enrolment
from lms.learning.questions import parse_selection


class IncompleteAnswers(ServiceError):
    """Some questions were not answered (or not validly); `errors` says which and why."""

    def __init__(self, errors: dict[str, str]) -> None:
        count = len(errors)
        super().__init__(f"Please check {count} question{'s' if count > 1 else ''} below before submitting.")
        self.errors = errors


def field_name(question_id: str) -> str:
    """The form field of a question in an assessment form."""
    return f"q-{question_id}"


def parse_answers(step: Step, getlist: Callable[[str], Sequence[str]]) -> dict[str, list[int]]:
    """Read every question's selection from a submitted form; raise IncompleteAnswers if any is missing."""
    answers, errors = {}, {}
    for question in step.questions:
        try:
            answers[question.id] = parse_selection(question, getlist(field_name(question.id)))
        except ServiceError as exc:
            errors[question.id] = str(exc)
    if errors:
        raise IncompleteAnswers(errors)
    return answers


@dataclass(frozen=True)
class AssessmentState:
    """Where a trainee stands in an assessment step."""

    attempts: tuple[AssessmentAttempt, ...]  # oldest first
    allowed: int | None  # None: unlimited

    @property
    def used(self) -> int:
        return len(self.attempts)

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.attempts)

    @property
    def remaining(self) -> int | None:
        return None if self.allowed is None else max(0, self.allowed - self.used)

    @property
    def can_attempt(self) -> bool:
        return not self.passed and (self.remaining is None or self.remaining > 0)

    @property
    def out_of_attempts(self) -> bool:
        return not self.passed and self.remaining == 0

    @property
    def next_number(self) -> int:
        return self.used + 1

    @property
    def latest(self) -> AssessmentAttempt | None:
        return self.attempts[-1] if self.attempts else None


def state(session: DbSession, enrolment_id: int, step: Step) -> AssessmentState:
    """The attempts made at an assessment step in this enrolment (one query)."""
    rows = session.scalars(select(AssessmentAttempt).where(
        AssessmentAttempt.enrolment_id == enrolment_id, AssessmentAttempt.step_id == step.id)
        .order_by(AssessmentAttempt.number))
    return AssessmentState(tuple(rows), step.attempts)


@dataclass(frozen=True)
class SubmitOutcome:
    attempt: AssessmentAttempt
    created: bool  # False: a repeat of an attempt already recorded
    course_completed: bool


def submit(session: DbSession, enrolment: Enrolment, course: Course, step: Step, number: int,
           answers: dict[str, list[int]]) -> SubmitOutcome:
    """Grade and record attempt `number`; a passed attempt completes the step."""
    if not step.assessment:
        raise ServiceError("This step is not an assessment.")
    current = state(session, enrolment.id, step)
    if 1 <= number <= current.used:
        return SubmitOutcome(current.attempts[number - 1], False, False)
    if current.passed:
        raise ServiceError("You have already passed this assessment.")
    if current.out_of_attempts:
        raise ServiceError(f"You have used all {current.allowed} attempts at this assessment.")
    if number != current.next_number:
        raise ServiceError("This form was out of date, so nothing was submitted. Please answer the questions again.")
    missing = [q.id for q in step.questions if q.id not in answers]
    if missing:
        raise IncompleteAnswers(dict.fromkeys(missing, "Choose an answer first."))
    results = {q.id: q.is_correct(answers[q.id]) for q in step.questions}
    right, total = sum(results.values()), len(results)
    # Compare in integers: 2 of 3 right is 66.67%, which must not pass a mark of 67.
    passed = right * 100 >= course.pass_mark * total  # an assessment without questions cannot block anyone
    attempt, created = progress.insert_once(session, AssessmentAttempt(
        enrolment_id=enrolment.id, step_id=step.id, number=number,
        answers={q.id: sorted(answers[q.id]) for q in step.questions}, results=results,
        score_percent=(right * 100) // total if total else 0, pass_mark=course.pass_mark, passed=passed,
    ), select(AssessmentAttempt).where(AssessmentAttempt.enrolment_id == enrolment.id,
                                       AssessmentAttempt.step_id == step.id, AssessmentAttempt.number == number))
    completed = False
    if created and attempt.passed:
        completed = progress.complete_step(session, enrolment, course, step)
    return SubmitOutcome(attempt, created, completed)


def right_count(attempt: AssessmentAttempt) -> int:
    return sum(1 for ok in attempt.results.values() if ok)
