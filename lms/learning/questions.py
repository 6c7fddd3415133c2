"""Practice questions: answers, feedback and step completion (FORMAT.md §3.1-3.2).

One QuestionAnswer row per enrolment and question holds the latest answer, how
many tries it took and when it was first right. A practice step completes when
every question in it has been answered correctly once (and its responses and
confirmation, if any, are met: lms.learning.completion). Reflections do not gate
completion: they are private and optional, so nobody is held back for keeping
their thoughts to themselves.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import Row, bindparam, func, select

from lms.content import Course, Question, QuestionChoice, Step
from lms.content.shuffle import ordered
from lms.core.db import DbSession
from lms.core.models import parse_id, utcnow
from lms.core.services import ServiceError
from lms.core.sql import bound_values, built_once, dialect_insert
from lms.learning import completion
from lms.learning.models import Enrolment, QuestionAnswer


def shown_choices(step: Step, question: Question, user_id: int, course_id: str) -> tuple[QuestionChoice, ...]:
    """A practice question's choices in this trainee's order: shuffled once per trainee, stable on every visit."""
    return ordered(question.choices, step.shuffle, f"practice:{user_id}:{course_id}:{question.id}")


def _index(value: str) -> int | None:
    return parse_id(value)


def selected_indexes(values: Sequence[str]) -> list[int]:
    """The well-formed indexes among submitted values, to show a form again as it was sent."""
    return [i for i in map(_index, values) if i is not None]


def parse_selection(question: Question, values: Sequence[str]) -> list[int]:
    """Turn submitted choice values into sorted choice indexes, or say what is wrong."""
    if not values:
        raise ServiceError(gettext("Choose at least one answer first.") if question.multiple
                           else gettext("Choose an answer first."))
    indexes = set()
    for value in values:
        index = _index(value)
        if index is None or index >= len(question.choices):
            raise ServiceError(gettext("That answer is not one of the choices. Please choose from the list."))
        indexes.add(index)
    if len(indexes) > 1 and not question.multiple:
        raise ServiceError(gettext("Choose only one answer for this question."))
    return sorted(indexes)


@dataclass(frozen=True)
class AnswerOutcome:
    #: The answer's row as stored (a plain read-only row with QuestionAnswer's columns: correct, tries, ...).
    answer: Row[Any]
    step_completed: bool
    course_completed: bool


def answer(session: DbSession, enrolment: Enrolment, course: Course, step: Step, question: Question,
           selected: Iterable[int]) -> AnswerOutcome:
    """Record an answer to a practice question; complete the step when all are right.

    Concurrent or repeated submissions update the same row: `tries` is incremented
    in SQL and `first_correct_at` is only ever set once.
    """
    if step.assessment:
        raise ServiceError(gettext("Assessment questions are answered together: use the form at the end of the step."))
    selected = sorted(set(selected))
    correct = question.is_correct(selected)
    now = utcnow()
    # One statement whether or not the trainee answered before: an upsert on (enrolment, question).
    # `tries` is incremented in SQL and `first_correct_at` kept once set, so two requests racing on
    # the same row both count and neither clears the other's success.
    # A Core statement returning a plain row: the ORM's making of an object cost more than the upsert.
    row = session.execute(
        built_once(session, "answer row", _answer_upsert),
        {"enrolment_id": enrolment.id, "step_id": step.id, "question_id": question.id, "selected": selected,
         "correct": correct, "tries": 1, "first_correct_at": now if correct else None, "answered_at": now}).one()
    step_done = course_done = False
    if correct:  # responses or a trainer's confirmation may still be needed
        step_done, course_done = completion.complete_if_met(session, enrolment, course, step)
    return AnswerOutcome(row, step_done, course_done)


def _answer_upsert(session: DbSession):
    table = QuestionAnswer.__table__
    upsert = dialect_insert(session, table).values(bound_values(
        QuestionAnswer, "enrolment_id", "step_id", "question_id", "selected", "correct", "tries", "first_correct_at",
        "answered_at"))
    return upsert.on_conflict_do_update(
        index_elements=[table.c.enrolment_id, table.c.question_id],
        set_={"step_id": upsert.excluded.step_id, "selected": upsert.excluded.selected,
              "correct": upsert.excluded.correct, "answered_at": upsert.excluded.answered_at,
              "tries": table.c.tries + 1,
              "first_correct_at": func.coalesce(table.c.first_correct_at, upsert.excluded.first_correct_at)},
    ).returning(*table.c)


def answers_for_step(session: DbSession, enrolment_id: int, step: Step) -> dict[str, QuestionAnswer]:
    """The trainee's latest answers to the step's questions, by question id (one query)."""
    ids = [q.id for q in step.questions]
    if not ids:
        return {}
    return {row.question_id: row for row in session.scalars(
        _ANSWERS_FOR_QUESTIONS, {"enrolment_id": enrolment_id, "question_ids": ids})}


#: Every step page with questions reads this: built once (its IN list is expanded per call).
_ANSWERS_FOR_QUESTIONS = select(QuestionAnswer).where(
    QuestionAnswer.enrolment_id == bindparam("enrolment_id"),
    QuestionAnswer.question_id.in_(bindparam("question_ids", expanding=True)))


def all_answered_correctly(session: DbSession, enrolment_id: int, step: Step) -> bool:
    """Whether every question of the step has been answered correctly at least once."""
    answers = answers_for_step(session, enrolment_id, step)
    return all(q.id in answers and answers[q.id].first_correct_at is not None for q in step.questions)
