"""Responses: written answers the trainee's cohort trainers read and may review (FORMAT.md §7.7).

Unlike a reflection, a response is not private: the step says so before the
trainee writes. It can be edited until a trainer marks it as meeting the
standard; a trainer may instead ask for another try, with a comment the
trainee sees. With the block's `review` flag the step completes only on
"meets the standard"; without it, on submission.

One row per enrolment and response, so a retake starts afresh.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import format_number, gettext
from markupsafe import Markup
from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm.attributes import set_committed_value

from lms.accounts.models import User
from lms.admin import audit
from lms.cohorts.models import CohortMember, CohortTrainer
from lms.content import Course, Response, Step
from lms.content.course import RESPONSE_MAX_CHARS
from lms.core.db import DbSession
from lms.core.models import utcnow
from lms.core.services import ServiceError
from lms.core.text import check_showable
from lms.learning import completion, progress
from lms.learning.models import (
    RESPONSE_MEETS_STANDARD,
    RESPONSE_SUBMITTED,
    RESPONSE_TRY_AGAIN,
    Enrolment,
    ResponseDraft,
    ResponseEntry,
)

REVIEW_COMMENT_MAX = 5_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _changed_while_read() -> str:
    return gettext("The trainee changed this response while you were reading it, so your verdict was not saved. "
                   "Read it again below: your comment is still in the form.")


def _clean(text: str, *, required: bool = True) -> str:
    """The words as kept: line endings normalised, trimmed, within RESPONSE_MAX_CHARS; empty only if not `required`."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text and required:
        raise ServiceError(gettext("There is nothing to send yet: write your response first."))
    if len(text) > RESPONSE_MAX_CHARS:
        raise ServiceError(gettext("That is too long to send: please keep it under %(count)s characters.",
                                   count=format_number(RESPONSE_MAX_CHARS)))
    # A trainer reads it, and it goes into e-mails and exports: control characters are refused, as in comments.
    return check_showable(text, gettext("response"), multiline=True)


@dataclass(frozen=True)
class SubmitOutcome:
    entry: ResponseEntry
    step_completed: bool
    course_completed: bool


def submit(session: DbSession, enrolment: Enrolment, course: Course, step: Step, response: Response,
           text: str) -> SubmitOutcome:
    """Create or change the trainee's response; refused once a trainer has accepted it."""
    text = _clean(text)
    existing = select(ResponseEntry).where(ResponseEntry.enrolment_id == enrolment.id,
                                           ResponseEntry.response_id == response.id)
    found = session.scalar(existing)
    prompt = Markup(response.prompt_html).striptags()
    if found is None:
        entry, created = progress.insert_once(session, ResponseEntry(
            user_id=enrolment.user_id, enrolment_id=enrolment.id, course_id=course.id, step_id=step.id,
            response_id=response.id, prompt_text=prompt, text=text), existing)
    else:
        entry, created = found, False
    if not created:
        if entry.status == RESPONSE_MEETS_STANDARD:
            raise ServiceError(gettext("A trainer has already accepted this response, so it can no longer be changed."))
        # A changed response goes back to the trainers; their last comment stays visible until they review again.
        # It joins the queue when it is sent after a mark; a change while it waits keeps its place.
        now = utcnow()
        if entry.status != RESPONSE_SUBMITTED:
            entry.submitted_at = now
        entry.text, entry.prompt_text, entry.status, entry.updated_at = text, prompt, RESPONSE_SUBMITTED, now
        session.flush()
    _forget_draft(session, enrolment.id, response.id)
    step_done, course_done = completion.complete_if_met(session, enrolment, course, step)
    return SubmitOutcome(entry, step_done, course_done)


def keep_draft(session: DbSession, enrolment: Enrolment, response: Response, text: str) -> bool:
    """Keep words written in a response box and not sent (the trainee is taking a break); whether any were kept.

    Private until sent: only the trainee's step page reads a draft. Words that match what was last sent are
    no draft; empty words remove one. Too long: refused as sending would be.
    """
    text = _clean(text, required=False)
    sent = session.scalar(select(ResponseEntry.text).where(ResponseEntry.enrolment_id == enrolment.id,
                                                           ResponseEntry.response_id == response.id))
    if not text or text == sent:
        _forget_draft(session, enrolment.id, response.id)
        return False
    existing = select(ResponseDraft).where(ResponseDraft.enrolment_id == enrolment.id,
                                           ResponseDraft.response_id == response.id)
    draft, created = progress.insert_once(session, ResponseDraft(
        user_id=enrolment.user_id, enrolment_id=enrolment.id, response_id=response.id, text=text), existing)
    if not created:
        draft.text, draft.updated_at = text, utcnow()
        session.flush()
    return True


def drafts_for_step(session: DbSession, enrolment_id: int, step: Step) -> dict[str, str]:
    """The words kept from a break in the step's response boxes, by response id (one query)."""
    ids = [r.id for r in step.responses]
    if not ids:
        return {}
    return dict(session.execute(select(ResponseDraft.response_id, ResponseDraft.text).where(
        ResponseDraft.enrolment_id == enrolment_id, ResponseDraft.response_id.in_(ids))).all())


def _forget_draft(session: DbSession, enrolment_id: int, response_id: str) -> None:
    session.execute(delete(ResponseDraft).where(ResponseDraft.enrolment_id == enrolment_id,
                                                ResponseDraft.response_id == response_id))


def for_step(session: DbSession, enrolment_id: int, step: Step) -> dict[str, ResponseEntry]:
    """The trainee's responses to a step's prompts, by response id (one query)."""
    ids = [r.id for r in step.responses]
    if not ids:
        return {}
    return {e.response_id: e for e in session.scalars(select(ResponseEntry).where(
        ResponseEntry.enrolment_id == enrolment_id, ResponseEntry.response_id.in_(ids)))}


def may_review(session: DbSession, reviewer: User, trainee_id: int) -> bool:
    """Admins, and trainers of a cohort the trainee belongs to; never the trainee themselves (a trainer in training)."""
    if reviewer.id == trainee_id:
        return False
    if reviewer.is_admin:
        return True
    if not reviewer.is_trainer:
        return False
    return bool(session.scalar(select(exists().where(
        CohortMember.user_id == trainee_id, CohortTrainer.cohort_id == CohortMember.cohort_id,
        CohortTrainer.user_id == reviewer.id))))


def version_of(response: ResponseEntry) -> str:
    """The version of a response's words a trainer is reading: it changes whenever the trainee changes them."""
    return str((response.updated_at - EPOCH) // timedelta(microseconds=1))


def mark_response(session: DbSession, response: ResponseEntry, reviewer: User, verdict: str, comment: str = "", *,
                  course: Course, seen: str | None = None) -> ResponseEntry:
    """A trainer's verdict on a response: meets_standard (may complete the step) or try_again (with a comment).

    Every mark is recorded in the audit log.

    `course` is the published course the response belongs to, to complete its step. `seen`: the version_of
    the response the trainer read; a verdict on words the trainee has since changed is refused, never applied
    to the new ones.
    """
    if verdict not in (RESPONSE_MEETS_STANDARD, RESPONSE_TRY_AGAIN):
        raise ServiceError(gettext("Choose whether the response meets the standard or needs another try."))
    if reviewer.id == response.user_id:
        raise ServiceError(gettext("You cannot review your own response: another trainer of your cohort marks it."))
    if not may_review(session, reviewer, response.user_id):
        raise ServiceError(gettext("Only the trainee's cohort trainers can review this response."))
    comment = check_showable((comment or "").replace("\r\n", "\n").strip(), gettext("comment"), multiline=True)
    if len(comment) > REVIEW_COMMENT_MAX:
        raise ServiceError(gettext("That comment is too long: please keep it under %(count)s characters.",
                                   count=format_number(REVIEW_COMMENT_MAX)))
    if verdict == RESPONSE_TRY_AGAIN and not comment:
        raise ServiceError(gettext("Say what to change, so the trainee knows how to try again."))
    if course.id != response.course_id:
        raise ServiceError(gettext("That response belongs to another course."))
    if seen is not None and seen != version_of(response):
        raise ServiceError(_changed_while_read())
    # Only a response still waiting, with the words the trainer read, is marked, in one statement: a stale page,
    # a second trainer marking at the same moment or the trainee changing it meanwhile never gets a verdict
    # it was not given (of two at once, the database lets one through).
    values = {"status": verdict, "reviewer_comment": comment, "reviewed_at": utcnow(), "reviewer_id": reviewer.id}
    claimed = session.scalar(
        update(ResponseEntry).where(ResponseEntry.id == response.id, ResponseEntry.status == RESPONSE_SUBMITTED,
                                    ResponseEntry.updated_at == response.updated_at)
        .values(**values).returning(ResponseEntry.id).execution_options(synchronize_session=False))
    if claimed is None:
        session.refresh(response)
        if response.status == RESPONSE_SUBMITTED:
            raise ServiceError(_changed_while_read())
        raise ServiceError(gettext("This response has already been marked, so your verdict was not saved. "
                                   "It comes back to the trainers when the trainee changes it."))
    for name, value in values.items():
        set_committed_value(response, name, value)
    # The comment stays out of the log: it is the trainee's feedback, not an administrative fact.
    audit.record(session, reviewer, "response.mark", target_user=session.get(User, response.user_id),
                 verdict=verdict, course_id=response.course_id, step_id=response.step_id,
                 response_id=response.response_id, entry_id=response.id)
    session.flush()
    enrolment = session.get(Enrolment, response.enrolment_id)
    step = course.step(response.step_id)
    if verdict == RESPONSE_MEETS_STANDARD and enrolment is not None and step is not None:
        completion.complete_if_met(session, enrolment, course, step)
    return response


def awaiting_review(session: DbSession, enrolment_id: int, step: Step) -> bool:
    """Whether the trainee has done their part and waits for a trainer to accept a reviewed response."""
    entries = for_step(session, enrolment_id, step)
    reviewed = [r for r in step.responses if r.review]
    return bool(reviewed) and all(r.id in entries for r in step.responses) and any(
        entries[r.id].status == RESPONSE_SUBMITTED for r in reviewed)
