"""Assessments: all questions submitted together, attempts counted and capped (FORMAT.md §3.2, §7.1-7.2).

Each submission carries the number of the attempt it is for. The database
keeps one row per (enrolment, step, number), and a number above the cap is
refused, so a double click, a second tab or a replayed form can never add an
attempt or go over the limit: a repeat of an attempt already made just shows
that attempt's result.

Before a trainee sees the form of attempt N, `prepare` records a draw for it:
the questions of that attempt (a random `pool: N` of them, critical questions
always in) and, through the draw's id, the seed of each question's choice
order. Reloading shows the same draw; the next attempt gets a new one; a
submission for a number that has no draw was never shown, and is refused.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext, ngettext
from sqlalchemy import select

from lms.content import Course, Question, Step
from lms.content.shuffle import ordered
from lms.core.db import DbSession
from lms.core.services import ServiceError
from lms.learning import progress
from lms.learning.models import AssessmentAttempt, AssessmentDraw, Enrolment
from lms.learning.questions import parse_selection


class IncompleteAnswers(ServiceError):
    """Some questions were not answered (or not validly); `errors` says which and why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(ngettext("Please check %(num)s question below before submitting.",
                                  "Please check %(num)s questions below before submitting.", len(errors)))
        self.errors = errors


def field_name(question_id: str) -> str:
    """The form field of a question in an assessment form."""
    return f"q-{question_id}"


def choice_seed(draw_id: int, question_id: str) -> str:
    """The seed of a question's choice order in one attempt (see lms.content.shuffle)."""
    return f"attempt:{draw_id}:{question_id}"


def shown_choices(step: Step, question: Question, draw: AssessmentDraw | None):
    """A question's choices in the order this attempt shows them (file order for attempts without a draw)."""
    if draw is None:
        return question.choices
    return ordered(question.choices, step.shuffle, choice_seed(draw.id, question.id))


def draw_question_ids(step: Step, rng: random.Random | None = None) -> list[str]:
    """The questions of a new attempt, in file order: all of them, or `pool` drawn at random, critical ones always."""
    questions = step.questions
    if step.pool is None or step.pool >= len(questions):
        return [q.id for q in questions]
    rng = rng or random.SystemRandom()
    critical = [q.id for q in questions if q.critical]
    others = [q.id for q in questions if not q.critical]
    picked = set(critical) | set(rng.sample(others, max(0, min(len(others), step.pool - len(critical)))))
    return [q.id for q in questions if q.id in picked]


def drawn_questions(step: Step, draw: AssessmentDraw | None) -> tuple[Question, ...]:
    """The questions an attempt shows: its draw's, in file order (every question for attempts without a draw)."""
    if draw is None:
        return step.questions
    ids = set(draw.question_ids)
    return tuple(q for q in step.questions if q.id in ids)


def _draw_is_current(step: Step, draw: AssessmentDraw) -> bool:
    """Whether a draw still fits the step: its questions all exist, and every critical question is in it."""
    ids = {q.id for q in step.questions}
    drawn = set(draw.question_ids)
    return drawn <= ids and all(q.id in drawn for q in step.critical_questions) and (bool(drawn) or not ids)


def parse_answers(
    questions: Step | Sequence[Question], getlist: Callable[[str], Sequence[str]],
) -> dict[str, list[int]]:
    """Read every question's selection from a submitted form; raise IncompleteAnswers if any is missing.

    `questions` are the attempt's questions (a Step means all of its questions).
    """
    if isinstance(questions, Step):
        questions = questions.questions
    answers, errors = {}, {}
    for question in questions:
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
    draws: Mapping[int, AssessmentDraw] = field(default_factory=dict)  # by attempt number
    reveal: str = "answers"

    @property
    def draw(self) -> AssessmentDraw | None:
        """The draw of the next attempt, once `prepare` has made it."""
        return self.draws.get(self.next_number)

    def draw_of(self, attempt: AssessmentAttempt) -> AssessmentDraw | None:
        return self.draws.get(attempt.number)

    @property
    def reveals_answers(self) -> bool:
        """Whether results may say which choices were right (FORMAT.md §7.2 `reveal`).

        With `reveal: mistakes` only once nothing more can be learnt for the
        next try: after a pass, or when no attempts are left.
        """
        return self.reveal == "answers" or self.passed or self.out_of_attempts

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
    """The attempts made at an assessment step in this enrolment, and their draws (two queries)."""
    rows = session.scalars(select(AssessmentAttempt).where(
        AssessmentAttempt.enrolment_id == enrolment_id, AssessmentAttempt.step_id == step.id)
        .order_by(AssessmentAttempt.number))
    draws = {d.number: d for d in session.scalars(select(AssessmentDraw).where(
        AssessmentDraw.enrolment_id == enrolment_id, AssessmentDraw.step_id == step.id))}
    return AssessmentState(tuple(rows), step.attempts, draws, step.reveal)


def out_of_attempts(session: DbSession, enrolment: Enrolment, course: Course) -> list[Step]:
    """The course's assessment steps this enrolment has used every attempt at without passing."""
    return [step for step in course.steps  # a step with unlimited attempts is never read: it cannot run out
            if step.assessment and step.attempts is not None and state(session, enrolment.id, step).out_of_attempts]


def start_again(session: DbSession, enrolment: Enrolment, course: Course) -> Enrolment:
    """A fresh take of the course (a new cycle, its attempts unused) for a trainee out of attempts at an
    assessment. A trainer decides this (coaching.restart_course), after going over it with them: the
    trainee cannot, or a limit on attempts would mean nothing. The earlier take and its attempts stay."""
    if enrolment.completed_at is not None:
        raise ServiceError(gettext("This trainee has completed the course: they can take it again themselves."))
    if not out_of_attempts(session, enrolment, course):
        raise ServiceError(gettext("This trainee still has attempts left, so there is nothing to give back."))
    fresh, _created = progress.insert_once(
        session, Enrolment(user_id=enrolment.user_id, course_id=course.id, cycle=enrolment.cycle + 1),
        select(Enrolment).where(Enrolment.user_id == enrolment.user_id, Enrolment.course_id == course.id,
                                Enrolment.cycle == enrolment.cycle + 1))
    return fresh


def _draw_query(enrolment_id: int, step: Step, number: int):
    return select(AssessmentDraw).where(AssessmentDraw.enrolment_id == enrolment_id,
                                        AssessmentDraw.step_id == step.id, AssessmentDraw.number == number)


def prepare(session: DbSession, enrolment: Enrolment, step: Step) -> AssessmentState:
    """Record the draw of the next attempt before its form is shown (once; a reload finds it).

    A draw that the course has since outgrown (a drawn question removed, a
    critical one added) is drawn again: nothing was answered from it yet.
    """
    current = state(session, enrolment.id, step)
    if not step.assessment or not current.can_attempt:
        return current
    draw = current.draw
    if draw is None:
        progress.insert_once(session, AssessmentDraw(enrolment_id=enrolment.id, step_id=step.id,
                                                     number=current.next_number,
                                                     question_ids=draw_question_ids(step)),
                             _draw_query(enrolment.id, step, current.next_number))
    elif not _draw_is_current(step, draw):
        draw.question_ids = draw_question_ids(step)
        session.flush()
    else:
        return current
    return state(session, enrolment.id, step)


@dataclass(frozen=True)
class SubmitOutcome:
    attempt: AssessmentAttempt
    created: bool  # False: a repeat of an attempt already recorded
    course_completed: bool
    #: A repeat whose answers are not those recorded (the same attempt sent from a second tab): not counted.
    differs: bool = False


def _same_answers(answers: Mapping[str, Sequence[int]] | None) -> dict[str, list[int]]:
    """Answers in one form for comparing (stored JSON keys and lists, or a parsed form)."""
    return {str(q): sorted(int(i) for i in chosen) for q, chosen in (answers or {}).items()}


def submit(session: DbSession, enrolment: Enrolment, course: Course, step: Step, number: int,
           answers: dict[str, list[int]]) -> SubmitOutcome:
    """Grade and record attempt `number`; a passed attempt completes the step."""
    if not step.assessment:
        raise ServiceError(gettext("This step is not an assessment."))
    current = state(session, enrolment.id, step)
    if 1 <= number <= current.used:
        earlier = current.attempts[number - 1]
        return SubmitOutcome(earlier, False, False, differs=_same_answers(earlier.answers) != _same_answers(answers))
    if current.passed:
        raise ServiceError(gettext("You have already passed this assessment."))
    if current.out_of_attempts:
        raise ServiceError(ngettext("You have used your %(num)s attempt at this assessment.",
                                    "You have used all %(num)s attempts at this assessment.", current.allowed))
    draw = current.draws.get(number)
    # No draw: this form was never shown (a forged number, or a page from before the last attempt).
    if number != current.next_number or draw is None or not _draw_is_current(step, draw):
        raise ServiceError(gettext("This form was out of date, so nothing was submitted. "
                                   "Please answer the questions again."))
    shown = drawn_questions(step, draw)
    missing = [q.id for q in shown if q.id not in answers]
    if missing:
        raise IncompleteAnswers(dict.fromkeys(missing, gettext("Choose an answer first.")))
    results = {q.id: q.is_correct(answers[q.id]) for q in shown}
    right, total = sum(results.values()), len(results)
    critical_missed = [q.id for q in shown if q.critical and not results[q.id]]
    # Compare in integers: 2 of 3 right is 66.67%, which must not pass a mark of 67.
    # An assessment without questions cannot block anyone; a missed critical question always does.
    passed = right * 100 >= course.pass_mark * total and not critical_missed
    attempt, created = progress.insert_once(session, AssessmentAttempt(
        enrolment_id=enrolment.id, step_id=step.id, number=number, draw_id=draw.id,
        answers={q.id: sorted(answers[q.id]) for q in shown}, results=results, critical_missed=critical_missed,
        score_percent=(right * 100) // total if total else 0, pass_mark=course.pass_mark, passed=passed,
    ), select(AssessmentAttempt).where(AssessmentAttempt.enrolment_id == enrolment.id,
                                       AssessmentAttempt.step_id == step.id, AssessmentAttempt.number == number))
    completed = False
    if created and attempt.passed:
        completed = progress.complete_step(session, enrolment, course, step)
    return SubmitOutcome(attempt, created, completed)


def right_count(attempt: AssessmentAttempt) -> int:
    return sum(1 for ok in attempt.results.values() if ok)


def keep_draft(session: DbSession, enrolment: Enrolment, step: Step, number: int,
               selected: dict[str, list[int]]) -> bool:
    """Keep the answers chosen so far in attempt `number`'s form, unsubmitted (Take a break).

    Only the questions that attempt showed are kept; returns False when there is no such form
    to keep answers for (an out-of-date page, or an attempt already submitted).
    """
    current = state(session, enrolment.id, step)
    draw = current.draws.get(number)
    if draw is None or number != current.next_number or not current.can_attempt:
        return False
    draw.draft = {q: picked for q, picked in selected.items() if q in draw.question_ids and picked}
    session.flush()
    return True
