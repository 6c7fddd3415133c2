"""Steps a trainer confirms (FORMAT.md §7.8): a practical task done outside the LMS.

The trainee may say the task is ready for a trainer to confirm; the step
completes when a trainer of one of the trainee's cohorts (or an admin)
confirms it, with an optional note the trainee sees.
"""
from __future__ import annotations

from flask_babel import format_number, gettext
from sqlalchemy import select

from lms.accounts.models import User
from lms.admin import audit
from lms.content import Course, Step
from lms.core.db import DbSession
from lms.core.models import utcnow
from lms.core.services import ServiceError
from lms.core.text import check_showable
from lms.learning import completion, progress
from lms.learning.models import CONFIRMATION_CONFIRMED, CONFIRMATION_READY, Enrolment, StepConfirmation
from lms.learning.responses import may_review

NOTE_MAX = 2_000


def _existing(enrolment_id: int, step_id: str):
    return select(StepConfirmation).where(StepConfirmation.enrolment_id == enrolment_id,
                                          StepConfirmation.step_id == step_id)


def get(session: DbSession, enrolment_id: int, step: Step) -> StepConfirmation | None:
    return session.scalar(_existing(enrolment_id, step.id))


def _row(session: DbSession, enrolment: Enrolment, step: Step) -> StepConfirmation:
    found = get(session, enrolment.id, step)
    if found is not None:
        return found
    row, _ = progress.insert_once(session, StepConfirmation(enrolment_id=enrolment.id, step_id=step.id,
                                                            status=CONFIRMATION_READY),
                                  _existing(enrolment.id, step.id))
    return row


def mark_ready(session: DbSession, enrolment: Enrolment, step: Step) -> StepConfirmation:
    """The trainee says the practical task is done and ready for a trainer to confirm (idempotent)."""
    if step.confirmation != "trainer":
        raise ServiceError(gettext("This step is not confirmed by a trainer."))
    row = _row(session, enrolment, step)
    if row.status == CONFIRMATION_CONFIRMED:
        raise ServiceError(gettext("A trainer has already confirmed this step."))
    if row.ready_at is None:
        row.ready_at = utcnow()
        session.flush()
    return row


def confirm_step(session: DbSession, enrolment: Enrolment, course: Course, step: Step, trainer: User,
                 note: str = "") -> tuple[StepConfirmation, bool]:
    """A trainer confirms the task; the step completes. Returns (row, course completed now).

    A trainer may confirm before the trainee has said it is ready (they were there).
    Every confirmation is recorded in the audit log.
    """
    if step.confirmation != "trainer":
        raise ServiceError(gettext("This step is not confirmed by a trainer."))
    if course.id != enrolment.course_id or course.step(step.id) is None:
        raise ServiceError(gettext("That step is not part of this trainee's course."))
    if trainer.id == enrolment.user_id:
        raise ServiceError(gettext("You cannot confirm your own step: another trainer of your cohort confirms it."))
    if not may_review(session, trainer, enrolment.user_id):
        raise ServiceError(gettext("Only the trainee's cohort trainers can confirm this step."))
    note = check_showable((note or "").replace("\r\n", "\n").strip(), gettext("note"), multiline=True)
    if len(note) > NOTE_MAX:
        raise ServiceError(gettext("That note is too long: please keep it under %(count)s characters.",
                                   count=format_number(NOTE_MAX)))
    row = _row(session, enrolment, step)
    if row.status == CONFIRMATION_CONFIRMED:
        raise ServiceError(gettext("This step has already been confirmed."))
    row.status, row.note, row.confirmed_by_id, row.confirmed_at = CONFIRMATION_CONFIRMED, note, trainer.id, utcnow()
    audit.record(session, trainer, "step.confirm", target_user=session.get(User, enrolment.user_id),
                 course_id=course.id, step_id=step.id, enrolment_id=enrolment.id)
    session.flush()
    _, course_done = completion.complete_if_met(session, enrolment, course, step)
    return row, course_done
