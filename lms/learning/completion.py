"""When a step with questions, responses or a trainer's confirmation is done (FORMAT.md §3.2, §7.7-7.8).

A step completes once everything it asks is met: every practice question
answered correctly once, every response submitted (accepted by a trainer when
it says `review`), and, for `confirmation: trainer`, the trainer's
confirmation. Each event that could meet the last of these (an answer, a
response, a verdict, a confirmation) calls `complete_if_met`.
"""
from __future__ import annotations

from sqlalchemy import select

from lms.content import Course, Step
from lms.core.db import DbSession
from lms.learning import progress
from lms.learning.models import (
    CONFIRMATION_CONFIRMED,
    RESPONSE_MEETS_STANDARD,
    Enrolment,
    QuestionAnswer,
    ResponseEntry,
    StepConfirmation,
)


def requirements_met(session: DbSession, enrolment_id: int, step: Step) -> bool:
    """Whether the trainee has done everything the step asks (assessments and role-plays complete elsewhere)."""
    if step.questions:
        right = set(session.scalars(select(QuestionAnswer.question_id).where(
            QuestionAnswer.enrolment_id == enrolment_id, QuestionAnswer.question_id.in_([q.id for q in step.questions]),
            QuestionAnswer.first_correct_at.is_not(None))))
        if any(q.id not in right for q in step.questions):
            return False
    if step.responses:
        statuses = dict(session.execute(select(ResponseEntry.response_id, ResponseEntry.status).where(
            ResponseEntry.enrolment_id == enrolment_id,
            ResponseEntry.response_id.in_([r.id for r in step.responses]))).all())
        for response in step.responses:
            if response.id not in statuses:
                return False
            if response.review and statuses[response.id] != RESPONSE_MEETS_STANDARD:
                return False
    if step.confirmation == "trainer":
        status = session.scalar(select(StepConfirmation.status).where(
            StepConfirmation.enrolment_id == enrolment_id, StepConfirmation.step_id == step.id))
        if status != CONFIRMATION_CONFIRMED:
            return False
    return True


def complete_if_met(session: DbSession, enrolment: Enrolment, course: Course, step: Step) -> tuple[bool, bool]:
    """Complete the step if everything it asks is met: (step completed now or before, course completed now)."""
    if not requirements_met(session, enrolment.id, step):
        return False, False
    return True, progress.complete_step(session, enrolment, course, step)
