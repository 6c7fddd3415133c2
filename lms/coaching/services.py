"""Coaching: the trainer's side of responses and confirmed steps, comments on runs, contact requests.

Who may act on a trainee's work is one rule (lms.learning.responses.may_review):
admins, and trainers of a cohort the trainee belongs to. Every read for a
trainer goes through it or through `cohorts.supervised_user_ids`, so a trainer
never sees a trainee of another cohort.

Never read ReflectionEntry or WellbeingCheckin for a trainer here: they are
private to the trainee. A contact request is made after a check-in, but only the
request and the note written for the trainer are ever shown to trainers.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import format_number, gettext
from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from lms.accounts.models import User
from lms.admin import audit
from lms.certificates import services as certificates
from lms.certificates.models import Certificate
from lms.coaching import notify
from lms.coaching.models import CONTACT_FOLLOWED_UP, CONTACT_OPEN, CONTACT_WITHDRAWN, ContactRequest, RunComment
from lms.cohorts import services as cohorts
from lms.cohorts.joining import joined_after_sql
from lms.cohorts.models import Cohort, CohortCourse, CohortMember, CohortTrainer
from lms.content import Course, Step
from lms.core.db import DbSession
from lms.core.models import utcnow
from lms.core.services import ServiceError
from lms.core.sql import unindexed
from lms.core.text import check_showable
from lms.learning import assessments, confirmations, progress, responses
from lms.learning.models import (
    CONFIRMATION_CONFIRMED,
    CONFIRMATION_READY,
    RESPONSE_SUBMITTED,
    Enrolment,
    ResponseEntry,
    StepConfirmation,
)
from lms.roleplay.models import ScenarioRun, WellbeingCheckin

COMMENT_MAX = 2_000
NOTE_MAX = 2_000
LIST_LIMIT = 200


def _clean(text: str | None, limit: int, empty: str | None, what: str) -> str:
    """Normalised text; `empty` is the message when text is required, None when it may be empty;
    `what` names the box in the message refusing a character that cannot be shown."""
    text = check_showable((text or "").replace("\r\n", "\n").strip(), what, multiline=True)
    if not text and empty:
        raise ServiceError(empty)
    if len(text) > limit:
        raise ServiceError(gettext("That is too long: please keep it under %(count)s characters.",
                                   count=format_number(limit)))
    return text


# -- who is in which of the viewer's cohorts ------------------------------------------------

@dataclass(frozen=True)
class CohortRef:
    id: int
    name: str


def cohorts_of(session: DbSession, viewer: User, user_ids: Iterable[int]) -> dict[int, list[CohortRef]]:
    """{trainee id: the viewer's cohorts they belong to (every cohort for an admin)}, in one query."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    query = (select(CohortMember.user_id, Cohort.id, Cohort.name).join(Cohort, Cohort.id == CohortMember.cohort_id)
             .where(CohortMember.user_id.in_(ids)).order_by(Cohort.name, Cohort.id))
    if not viewer.is_admin:
        query = query.where(Cohort.id.in_(select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == viewer.id)))
    found: dict[int, list[CohortRef]] = {}
    for user_id, cohort_id, name in session.execute(query):
        found.setdefault(user_id, []).append(CohortRef(cohort_id, name))
    return found


def _names(session: DbSession, user_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def _supervised(query, column, viewer: User):
    """Rows of the viewer's trainees (any trainee's, for an admin), never the viewer's own: a trainer taking a
    course is not the one to mark, confirm or sign off their own work, nor to answer their own request."""
    members = cohorts.supervised_user_ids(viewer)
    query = query.where(column != viewer.id)
    return query if members is None else query.where(column.in_(members))


def _in_cohort(query, column, cohort_id: int | None):
    if cohort_id is None:
        return query
    return query.where(column.in_(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)))


# -- responses: the review queue and marking ---------------------------------------------------

@dataclass(frozen=True)
class QueueItem:
    entry: ResponseEntry
    trainee: str
    cohorts: tuple[CohortRef, ...]


def review_queue(session: DbSession, viewer: User, cohort_id: int | None = None, course_id: str | None = None,
                 limit: int = LIST_LIMIT) -> list[QueueItem]:
    """Responses waiting for a trainer, of the viewer's trainees only: the longest waiting first.

    A response waits from when it was sent for review (again, after a mark): changing it while it waits
    does not move it to the back.
    """
    query = select(ResponseEntry).where(ResponseEntry.status == RESPONSE_SUBMITTED)
    query = _in_cohort(_supervised(query, ResponseEntry.user_id, viewer), ResponseEntry.user_id, cohort_id)
    if course_id:
        query = query.where(ResponseEntry.course_id == course_id)
    entries = list(session.scalars(query.order_by(ResponseEntry.submitted_at, ResponseEntry.id).limit(limit)))
    names = _names(session, (e.user_id for e in entries))
    refs = cohorts_of(session, viewer, (e.user_id for e in entries))
    return [QueueItem(e, names.get(e.user_id, ""), tuple(refs.get(e.user_id, ()))) for e in entries]


def _waiting(status: InstrumentedAttribute[str], value: str) -> ColumnElement[bool]:
    """`status = value` written into the SQL, so that the partial index of waiting rows serves it."""
    return status == literal(value, literal_execute=True)


# The counts run on every trainer page. Each reads its partial index of the few waiting rows and
# tests them against the viewer's trainees (unindexed: not one probe per trainee on SQLite).

def _review_count(viewer: User):
    query = select(func.count()).select_from(ResponseEntry).where(_waiting(ResponseEntry.status, RESPONSE_SUBMITTED))
    return _supervised(query, unindexed(ResponseEntry.user_id), viewer)


def count_awaiting_review(session: DbSession, viewer: User) -> int:
    return session.scalar(_review_count(viewer)) or 0


def visible_response(session: DbSession, viewer: User, entry_id: int) -> ResponseEntry | None:
    """A response the viewer may read and mark, else None (the view answers 404)."""
    entry = session.get(ResponseEntry, entry_id)
    if entry is None or not responses.may_review(session, viewer, entry.user_id):
        return None
    return entry


def own_response(session: DbSession, viewer: User, entry_id: int) -> bool:
    """Whether the response is the viewer's own (their review page is refused with a reason, not a 404)."""
    return session.scalar(select(ResponseEntry.user_id).where(ResponseEntry.id == entry_id)) == viewer.id


def response_version(entry: ResponseEntry) -> str:
    """The version of the response's words on the reviewer's page, sent back with the verdict (see `mark`)."""
    return responses.version_of(entry)


def mark(session: DbSession, reviewer: User, entry: ResponseEntry, verdict: str, comment: str,
         course: Course | None, seen: str | None = None) -> ResponseEntry:
    """Mark a response (audited by the learning service) and tell whoever listens.

    `seen`: the response_version the reviewer read; refused if the trainee has changed the words since."""
    if course is None:
        raise ServiceError(gettext("This response's course is not available at the moment, so it cannot be marked. "
                                   "Check the content problems page."))
    marked = responses.mark_response(session, entry, reviewer, verdict, comment, course=course, seen=seen)
    notify.notify(notify.RESPONSE_MARKED, session, marked)
    return marked


# -- comments on role-play runs -------------------------------------------------------------------

def open_to_trainers(run: ScenarioRun) -> bool:
    """Course runs are seen by the trainee's cohort trainers; practice runs only once the trainee shares them."""
    return run.enrolment_id is not None or run.shared_with_trainers_at is not None


def _may_read_run(session: DbSession, viewer: User, run: ScenarioRun) -> bool:
    """open_to_trainers, narrowed to this viewer: a course run only of a course assigned to a cohort they supervise."""
    return (open_to_trainers(run) and responses.may_review(session, viewer, run.user_id)
            and bool(session.scalar(select(exists().where(ScenarioRun.id == run.id, cohorts.runs_open_to(viewer))))))


def commentable_run(session: DbSession, viewer: User, run_id: int) -> ScenarioRun | None:
    """A run the viewer may read and comment on, else None (the view answers 404)."""
    run = session.get(ScenarioRun, run_id, options=[selectinload(ScenarioRun.choices)])
    if run is None or not _may_read_run(session, viewer, run):
        return None
    return run


def commentable_run_ids(session: DbSession, viewer: User, run_ids: Iterable[int]) -> set[int]:
    """Which of these runs the viewer may comment on (for links on the trainee's record)."""
    ids = sorted(set(run_ids))
    if not ids:
        return set()
    return set(session.scalars(select(ScenarioRun.id).where(ScenarioRun.id.in_(ids), cohorts.runs_open_to(viewer))))


def comment_counts(session: DbSession, run_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(set(run_ids))
    if not ids:
        return {}
    return dict(session.execute(select(RunComment.run_id, func.count()).where(RunComment.run_id.in_(ids))
                                .group_by(RunComment.run_id)).all())


def comments_for_run(session: DbSession, run_id: int) -> dict[int | None, list[RunComment]]:
    """{choice position or None for the whole run: its comments, oldest first}."""
    found: dict[int | None, list[RunComment]] = {}
    for comment in session.scalars(select(RunComment).where(RunComment.run_id == run_id)
                                   .order_by(RunComment.created_at, RunComment.id)):
        found.setdefault(comment.position, []).append(comment)
    return found


def add_comment(session: DbSession, author: User, run: ScenarioRun, position: int | None, text: str) -> RunComment:
    """A trainer's comment on a run or on one of its choices."""
    if not _may_read_run(session, author, run):
        raise ServiceError(gettext("Only the trainee's cohort trainers can comment on this run."))
    if position is not None and not 0 <= position < len(run.choices):
        raise ServiceError(gettext("That choice is not part of this run. Please comment on one of the choices shown."))
    text = _clean(text, COMMENT_MAX, gettext("Write a comment first."), gettext("comment"))
    # One instant for both: two column defaults would differ by microseconds and mark a new comment "(edited)".
    now = utcnow()
    comment = RunComment(run_id=run.id, position=position, author_id=author.id, author_name=author.display_name,
                         text=text, created_at=now, updated_at=now)
    session.add(comment)
    session.flush()
    trainee = session.get(User, run.user_id)
    audit.record(session, author, "run_comment.add", target_user=trainee, run_id=run.id, comment_id=comment.id,
                 position=position)
    notify.notify(notify.COMMENT_ADDED, session, comment)
    return comment


def own_comment(session: DbSession, author: User, comment_id: int) -> RunComment | None:
    """A comment the user wrote on a run they may still read, else None.

    Only its author edits or deletes a comment, and only while they may read the run: a trainer who has left
    the trainee's cohort no longer sees the run, nor their old comments on it.
    """
    comment = session.get(RunComment, comment_id)
    if comment is None or comment.author_id != author.id:
        return None
    run = session.get(ScenarioRun, comment.run_id)
    return comment if run is not None and _may_read_run(session, author, run) else None


def edit_comment(session: DbSession, author: User, comment: RunComment, text: str) -> RunComment:
    run = session.get(ScenarioRun, comment.run_id)
    if comment.author_id != author.id or run is None or not _may_read_run(session, author, run):
        raise ServiceError(gettext("Only the trainer who wrote this comment, while still a trainer of the trainee, "
                                   "can change it."))
    comment.text = _clean(text, COMMENT_MAX, gettext("Write a comment first, or delete it."), gettext("comment"))
    comment.updated_at = utcnow()
    audit.record(session, author, "run_comment.edit", target_user=session.get(User, run.user_id),
                 run_id=comment.run_id, comment_id=comment.id)
    session.flush()
    return comment


def delete_comment(session: DbSession, author: User, comment: RunComment) -> None:
    """Delete a comment and, with it, the trainee's reply to it (the view says so before)."""
    run = session.get(ScenarioRun, comment.run_id)
    if comment.author_id != author.id or run is None or not _may_read_run(session, author, run):
        raise ServiceError(gettext("Only the trainer who wrote this comment, while still a trainer of the trainee, "
                                   "can delete it."))
    audit.record(session, author, "run_comment.delete", target_user=session.get(User, run.user_id),
                 run_id=comment.run_id, comment_id=comment.id)
    session.delete(comment)
    session.flush()


def trainees_comment(session: DbSession, user_id: int, comment_id: int) -> RunComment | None:
    """A comment on one of the user's own runs, else None."""
    return session.scalar(select(RunComment).join(ScenarioRun, ScenarioRun.id == RunComment.run_id)
                          .where(RunComment.id == comment_id, ScenarioRun.user_id == user_id))


def reply(session: DbSession, trainee: User, comment: RunComment, text: str) -> RunComment:
    """The trainee's one reply to a comment thread."""
    run = session.get(ScenarioRun, comment.run_id)
    if run is None or run.user_id != trainee.id:
        raise ServiceError(gettext("You can only reply to comments on your own role-plays."))
    if comment.reply_text is not None:
        raise ServiceError(gettext("You have already replied to this comment."))
    reply_text = _clean(text, COMMENT_MAX, gettext("Write your reply first."), gettext("reply"))
    comment.reply_text, comment.replied_at = reply_text, utcnow()
    session.flush()
    notify.notify(notify.REPLY_ADDED, session, comment)
    return comment


def set_shared(session: DbSession, trainee: User, run: ScenarioRun, shared: bool) -> ScenarioRun:
    """Share a finished practice run with the trainee's trainers for comments, or stop sharing it."""
    if run.user_id != trainee.id:
        raise ServiceError(gettext("You can only share your own role-plays."))
    if run.enrolment_id is not None:
        raise ServiceError(gettext("Your trainers already see the role-plays you play in a course."))
    if run.finished_at is None:
        raise ServiceError(gettext("Finish the role-play before sharing it."))
    run.shared_with_trainers_at = utcnow() if shared else None
    session.flush()
    return run


# -- steps a trainer confirms --------------------------------------------------------------------

def confirmation_steps(course: Course) -> list[Step]:
    return [s for s in course.steps if s.confirmation == "trainer"]


@dataclass(frozen=True)
class ConfirmItem:
    confirmation: StepConfirmation
    user_id: int
    trainee: str
    course_id: str
    cohorts: tuple[CohortRef, ...]


def awaiting_confirmation(session: DbSession, viewer: User, cohort_id: int | None = None,
                          limit: int = LIST_LIMIT) -> list[ConfirmItem]:
    """Steps trainees said are ready, oldest first, of the viewer's trainees only."""
    query = (select(StepConfirmation, Enrolment.user_id, Enrolment.course_id)
             .join(Enrolment, Enrolment.id == StepConfirmation.enrolment_id)
             .where(StepConfirmation.status == CONFIRMATION_READY))
    query = _in_cohort(_supervised(query, Enrolment.user_id, viewer), Enrolment.user_id, cohort_id)
    rows = session.execute(query.order_by(StepConfirmation.ready_at, StepConfirmation.id).limit(limit)).all()
    names = _names(session, (r[1] for r in rows))
    refs = cohorts_of(session, viewer, (r[1] for r in rows))
    return [ConfirmItem(c, user_id, names.get(user_id, ""), course_id, tuple(refs.get(user_id, ())))
            for c, user_id, course_id in rows]


def _confirmation_count(viewer: User):
    query = (select(func.count()).select_from(StepConfirmation)
             .join(Enrolment, Enrolment.id == StepConfirmation.enrolment_id)
             .where(_waiting(StepConfirmation.status, CONFIRMATION_READY)))
    return _supervised(query, unindexed(Enrolment.user_id), viewer)


def count_awaiting_confirmation(session: DbSession, viewer: User) -> int:
    return session.scalar(_confirmation_count(viewer)) or 0


def restart_course(session: DbSession, trainer: User, trainee_id: int, course: Course) -> Enrolment:
    """Let a trainee who used every attempt at an assessment take the course again (learning.assessments.start_again).

    Only their cohort trainers (or an admin), never for themselves; recorded in the audit log.
    """
    if trainer.id == trainee_id:
        raise ServiceError(gettext("You cannot give yourself a fresh start: another trainer of your cohort decides."))
    if not responses.may_review(session, trainer, trainee_id):
        raise ServiceError(gettext("Only the trainee's cohort trainers can let them start the course again."))
    enrolment = progress.latest_enrolment(session, trainee_id, course.id)
    if enrolment is None:
        raise ServiceError(gettext("This trainee has not started the course yet."))
    fresh = assessments.start_again(session, enrolment, course)
    audit.record(session, trainer, "course.restarted", target_user=session.get(User, trainee_id),
                 course_id=course.id, cycle=fresh.cycle)
    return fresh


def confirm(session: DbSession, trainer: User, trainee_id: int, course: Course, step: Step,
            note: str = "") -> tuple[StepConfirmation, bool]:
    """Confirm one trainee's step (audited by the learning service). Returns (row, course completed now)."""
    enrolment = progress.latest_enrolment(session, trainee_id, course.id)
    if enrolment is None:
        raise ServiceError(gettext("This trainee has not started the course yet, so there is nothing to confirm."))
    row, course_done = confirmations.confirm_step(session, enrolment, course, step, trainer, note)
    notify.notify(notify.STEP_CONFIRMED, session, row)
    return row, course_done


@dataclass(frozen=True)
class SheetLine:
    """One cohort member's state for a step a trainer confirms."""

    user_id: int
    name: str
    state: str  # confirmed / ready / started / not_started


def confirmation_sheet(session: DbSession, cohort: Cohort, course: Course, step: Step) -> list[SheetLine]:
    """Every member of the cohort and where they are with this step, by name."""
    members = list(session.execute(select(User.id, User.display_name)
                                   .join(CohortMember, CohortMember.user_id == User.id)
                                   .where(CohortMember.cohort_id == cohort.id)
                                   .order_by(func.lower(User.display_name), User.id)).all())
    latest = (select(Enrolment.user_id, func.max(Enrolment.cycle).label("cycle"))
              .where(Enrolment.course_id == course.id,
                     Enrolment.user_id.in_(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)))
              .group_by(Enrolment.user_id).subquery())
    enrolled = dict(session.execute(
        select(Enrolment.user_id, Enrolment.id).join(latest, and_(latest.c.user_id == Enrolment.user_id,
                                                                  latest.c.cycle == Enrolment.cycle))
        .where(Enrolment.course_id == course.id)).all())
    states = dict(session.execute(select(StepConfirmation.enrolment_id, StepConfirmation.status).where(
        StepConfirmation.enrolment_id.in_(list(enrolled.values()) or [0]), StepConfirmation.step_id == step.id)).all())
    lines = []
    for user_id, name in members:
        enrolment_id = enrolled.get(user_id)
        state = "not_started" if enrolment_id is None else states.get(enrolment_id, "started")
        lines.append(SheetLine(user_id, name, state))
    return lines


@dataclass(frozen=True)
class BulkOutcome:
    confirmed: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    not_started: list[str] = field(default_factory=list)
    course_completed: list[str] = field(default_factory=list)


def bulk_confirm(session: DbSession, trainer: User, cohort: Cohort, course: Course, step: Step,
                 user_ids: Iterable[int], note: str = "") -> BulkOutcome:
    """Confirm a step for the chosen members of a cohort at once (after a live session).

    Members who have not started the course are left out and named: a confirmation
    belongs to an enrolment. Members already confirmed are left as they are.
    """
    if step.confirmation != "trainer" or course.step(step.id) is None:
        raise ServiceError(gettext("This step is not confirmed by a trainer."))
    if not trainer.is_admin and not cohorts.is_trainer_of(session, trainer, cohort.id):
        raise ServiceError(gettext("Only this cohort's trainers can confirm its steps."))
    chosen = set(user_ids)
    if not chosen:
        raise ServiceError(gettext("Tick the trainees you want to confirm this step for."))
    outcome = BulkOutcome()
    for line in confirmation_sheet(session, cohort, course, step):
        if line.user_id not in chosen or line.user_id == trainer.id:  # never their own (see confirm_step)
            continue
        if line.state == "not_started":
            outcome.not_started.append(line.name)
        elif line.state == CONFIRMATION_CONFIRMED:
            outcome.already.append(line.name)
        else:
            _row, course_done = confirm(session, trainer, line.user_id, course, step, note)
            outcome.confirmed.append(line.name)
            if course_done:
                outcome.course_completed.append(line.name)
    if not (outcome.confirmed or outcome.already or outcome.not_started):
        raise ServiceError(gettext("None of the ticked people are in this cohort any more."))
    return outcome


# -- asking for a conversation ---------------------------------------------------------------------

@dataclass(frozen=True)
class Waiting:
    """What a trainee is waiting on a trainer for: said before they are removed from a cohort, whose
    trainers then no longer see it."""

    contact_asked_on: datetime | None  # when they asked to be contacted, if no trainer has followed it up yet
    responses: int  # responses sent for review and not yet marked


def waiting_on_trainers(session: DbSession, user_id: int) -> Waiting:
    asked = open_request(session, user_id)
    responses = session.scalar(select(func.count()).select_from(ResponseEntry)
                               .where(ResponseEntry.user_id == user_id, ResponseEntry.status == RESPONSE_SUBMITTED))
    return Waiting(asked.created_at if asked is not None else None, responses or 0)


def has_trainer(session: DbSession, user_id: int) -> bool:
    return bool(session.scalar(select(exists().where(
        CohortMember.user_id == user_id, CohortTrainer.cohort_id == CohortMember.cohort_id))))


def request_for_checkin(session: DbSession, user_id: int, checkin_id: int) -> ContactRequest | None:
    """The trainee's latest request made after this check-in, if any."""
    return session.scalar(select(ContactRequest).where(ContactRequest.user_id == user_id,
                                                       ContactRequest.checkin_id == checkin_id)
                          .order_by(ContactRequest.id.desc()).limit(1))


def open_request(session: DbSession, user_id: int) -> ContactRequest | None:
    """The trainee's request to get in touch that no trainer has followed up yet, if any: one at a time."""
    return session.scalar(select(ContactRequest).where(ContactRequest.user_id == user_id,
                                                       ContactRequest.status == CONTACT_OPEN)
                          .order_by(ContactRequest.id.desc()).limit(1))


def request_contact(session: DbSession, trainee: User, checkin: WellbeingCheckin | None,
                    note: str = "") -> ContactRequest:
    """"I'd like my trainer to get in touch", from a role-play's debrief, after a check-in (kept with it for the
    trainee's own record, never shown to a trainer) or without one: skipping the check-in must not close the
    way to a person."""
    if checkin is not None and checkin.user_id != trainee.id:
        raise ServiceError(gettext("You can only ask after your own check-in."))
    if not has_trainer(session, trainee.id):
        raise ServiceError(gettext("You are not in a cohort with a trainer yet, so nobody would see this request. "
                                   "Please use the support contacts, or talk to your volunteer coordinator."))
    if open_request(session, trainee.id) is not None:
        raise ServiceError(gettext("You have already asked; your trainers can see your request."))
    note = _clean(note, NOTE_MAX, None, gettext("note"))
    request = ContactRequest(user_id=trainee.id, checkin_id=checkin.id if checkin else None, note_for_trainer=note)
    session.add(request)
    session.flush()
    notify.notify(notify.CONTACT_REQUESTED, session, request)
    return request


def own_request(session: DbSession, user_id: int, request_id: int) -> ContactRequest | None:
    request = session.get(ContactRequest, request_id)
    return request if request is not None and request.user_id == user_id else None


def withdraw(session: DbSession, trainee: User, request: ContactRequest) -> ContactRequest:
    if request.user_id != trainee.id:
        raise ServiceError(gettext("You can only withdraw your own request."))
    if request.status != CONTACT_OPEN:
        raise ServiceError(gettext("This request is no longer open."))
    request.status, request.withdrawn_at = CONTACT_WITHDRAWN, utcnow()
    session.flush()
    return request


def visible_request(session: DbSession, viewer: User, request_id: int) -> ContactRequest | None:
    request = session.get(ContactRequest, request_id)
    if request is None or not responses.may_review(session, viewer, request.user_id):
        return None
    return request


def follow_up(session: DbSession, trainer: User, request: ContactRequest) -> ContactRequest:
    """A trainer says they got in touch."""
    if not responses.may_review(session, trainer, request.user_id):
        raise ServiceError(gettext("Only the trainee's cohort trainers can follow this up."))
    if request.status == CONTACT_WITHDRAWN:
        raise ServiceError(gettext("The trainee has withdrawn this request."))
    if request.status == CONTACT_FOLLOWED_UP:
        raise ServiceError(gettext("This request has already been followed up."))
    request.status, request.followed_up_at, request.followed_up_by_id = CONTACT_FOLLOWED_UP, utcnow(), trainer.id
    audit.record(session, trainer, "contact_request.follow_up", target_user=session.get(User, request.user_id),
                 request_id=request.id)
    session.flush()
    return request


@dataclass(frozen=True)
class ContactItem:
    """What a trainer sees of a request: who, when, the note written for them. Never the check-in."""

    id: int
    user_id: int
    trainee: str
    note: str
    created_at: datetime
    status: str
    followed_up_at: datetime | None
    cohorts: tuple[CohortRef, ...]


def contact_requests(session: DbSession, viewer: User, open_only: bool = True,
                     limit: int = LIST_LIMIT) -> list[ContactItem]:
    query = select(ContactRequest.id, ContactRequest.user_id, ContactRequest.note_for_trainer,
                   ContactRequest.created_at, ContactRequest.status, ContactRequest.followed_up_at)
    query = _supervised(query, ContactRequest.user_id, viewer)
    if open_only:
        query = query.where(ContactRequest.status == CONTACT_OPEN).order_by(ContactRequest.created_at,
                                                                            ContactRequest.id)
    else:
        query = query.where(ContactRequest.status != CONTACT_WITHDRAWN).order_by(
            ContactRequest.created_at.desc(), ContactRequest.id.desc())
    rows = session.execute(query.limit(limit)).all()
    names = _names(session, (r.user_id for r in rows))
    refs = cohorts_of(session, viewer, (r.user_id for r in rows))
    return [ContactItem(r.id, r.user_id, names.get(r.user_id, ""), r.note_for_trainer, r.created_at, r.status,
                        r.followed_up_at, tuple(refs.get(r.user_id, ()))) for r in rows]


def _open_request_count(viewer: User):
    query = select(func.count()).select_from(ContactRequest).where(_waiting(ContactRequest.status, CONTACT_OPEN))
    return _supervised(query, unindexed(ContactRequest.user_id), viewer)


def count_open_requests(session: DbSession, viewer: User) -> int:
    return session.scalar(_open_request_count(viewer)) or 0


# -- overdue trainees and certificates awaiting sign-off ---------------------------------------------

@dataclass(frozen=True)
class OverdueItem:
    user_id: int
    trainee: str
    cohort: CohortRef
    course_id: str
    due_on: date


def _held_to(due_on: date) -> ColumnElement[bool]:
    """The rows whose course is due on `due_on` and whose member joined by the end of that day."""
    return and_(CohortCourse.due_on == due_on, ~joined_after_sql(CohortMember.joined_at, due_on))


def overdue(session: DbSession, viewer: User, today: date, limit: int = LIST_LIMIT) -> list[OverdueItem]:
    """Members of the viewer's active cohorts past an assigned course's due date without completing it.

    Not those who joined the cohort after that date (cohorts.joining): the past due dates are read
    first (a handful), so that each is compared with when members joined as the charity's calendar says.
    """
    def viewers(query):
        if viewer.is_admin:
            return query
        return query.where(Cohort.id.in_(select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == viewer.id)))
    past_due = viewers(select(CohortCourse.due_on).distinct().join(Cohort, Cohort.id == CohortCourse.cohort_id)
                       .where(Cohort.archived_at.is_(None), CohortCourse.due_on < today))
    held = [_held_to(due_on) for due_on in session.scalars(past_due)]
    if not held:
        return []
    completed = exists().where(Enrolment.user_id == CohortMember.user_id, Enrolment.course_id == CohortCourse.course_id,
                               Enrolment.completed_at.is_not(None))
    query = viewers(select(CohortMember.user_id, User.display_name, Cohort.id, Cohort.name, CohortCourse.course_id,
                           CohortCourse.due_on)
                    .join(Cohort, Cohort.id == CohortMember.cohort_id)
                    .join(CohortCourse, CohortCourse.cohort_id == Cohort.id)
                    .join(User, User.id == CohortMember.user_id)
                    .where(Cohort.archived_at.is_(None), CohortCourse.due_on < today, ~completed, or_(*held)))
    rows = session.execute(query.order_by(CohortCourse.due_on, func.lower(User.display_name), User.id)
                           .limit(limit)).all()
    return [OverdueItem(user_id, name, CohortRef(cohort_id, cohort_name), course_id, due_on)
            for user_id, name, cohort_id, cohort_name, course_id, due_on in rows if due_on is not None]


@dataclass(frozen=True)
class SignOffItem:
    certificate: Certificate
    trainee: str  # the display name (often a pseudonym), not the legal name on the certificate
    cohorts: tuple[CohortRef, ...]


def awaiting_sign_off(session: DbSession, viewer: User) -> list[SignOffItem]:
    pending = certificates.pending(session, viewer)
    ids = [c.user_id for c in pending if c.user_id is not None]
    names, refs = _names(session, ids), cohorts_of(session, viewer, ids)
    return [SignOffItem(c, names.get(c.user_id, "") if c.user_id else "", tuple(refs.get(c.user_id, ()))
                        if c.user_id else ()) for c in pending]


def _sign_off_count(viewer: User):
    query = select(func.count()).select_from(Certificate).where(_waiting(Certificate.status, "pending"))
    return _supervised(query, unindexed(Certificate.user_id), viewer)


def count_awaiting_sign_off(session: DbSession, viewer: User) -> int:
    return session.scalar(_sign_off_count(viewer)) or 0


# -- the "needs you" dashboard ------------------------------------------------------------------------

@dataclass(frozen=True)
class NeedsYou:
    reviews: list[QueueItem]
    confirmations: list[ConfirmItem]
    sign_offs: list[SignOffItem]
    contacts: list[ContactItem]
    overdue: list[OverdueItem]


def needs_you(session: DbSession, viewer: User, today: date) -> NeedsYou:
    return NeedsYou(review_queue(session, viewer), awaiting_confirmation(session, viewer),
                    awaiting_sign_off(session, viewer), contact_requests(session, viewer),
                    overdue(session, viewer, today))


@dataclass(frozen=True)
class NeedsYouCounts:
    """How many of each thing wait for the viewer (for the navigation and the trainer pages' sub-navigation)."""

    reviews: int
    confirmations: int
    sign_offs: int
    contacts: int

    @property
    def total(self) -> int:
        return self.reviews + self.confirmations + self.sign_offs + self.contacts


def needs_you_counts(session: DbSession, viewer: User) -> NeedsYouCounts:
    """What waits for the viewer to act: reviews, confirmations, sign-offs, open contact requests.

    One query, as it runs on every trainer page.
    """
    counts = [_review_count(viewer), _confirmation_count(viewer), _sign_off_count(viewer), _open_request_count(viewer)]
    row = session.execute(select(*(c.scalar_subquery() for c in counts))).one()
    return NeedsYouCounts(*(int(n or 0) for n in row))


def needs_you_count(session: DbSession, viewer: User) -> int:
    """Everything that waits for the viewer to act, in one number (one query)."""
    return needs_you_counts(session, viewer).total


# -- what the trainee sees ------------------------------------------------------------------------

@dataclass(frozen=True)
class RunFeedback:
    comment: RunComment
    run_id: int
    scenario_id: str


@dataclass(frozen=True)
class Feedback:
    """Trainers' words to one trainee, newest first, for My training."""

    reviews: list[ResponseEntry]
    comments: list[RunFeedback]
    confirmations: list[tuple[StepConfirmation, str]]  # (row, course id)
    requests: list[ContactRequest]

    @property
    def empty(self) -> bool:
        return not (self.reviews or self.comments or self.confirmations or self.requests)


def trainee_feedback(session: DbSession, user_id: int, limit: int = 10) -> Feedback:
    reviews = list(session.scalars(select(ResponseEntry).where(
        ResponseEntry.user_id == user_id, ResponseEntry.reviewed_at.is_not(None))
        .order_by(ResponseEntry.reviewed_at.desc(), ResponseEntry.id.desc()).limit(limit)))
    comments = [RunFeedback(c, run_id, scenario_id) for c, run_id, scenario_id in session.execute(
        select(RunComment, ScenarioRun.id, ScenarioRun.scenario_id)
        .join(ScenarioRun, ScenarioRun.id == RunComment.run_id)
        .where(ScenarioRun.user_id == user_id).order_by(RunComment.created_at.desc(), RunComment.id.desc())
        .limit(limit)).all()]
    confirmed = [(row, course_id) for row, course_id in session.execute(
        select(StepConfirmation, Enrolment.course_id).join(Enrolment, Enrolment.id == StepConfirmation.enrolment_id)
        .where(Enrolment.user_id == user_id, StepConfirmation.status == CONFIRMATION_CONFIRMED)
        .order_by(StepConfirmation.confirmed_at.desc(), StepConfirmation.id.desc()).limit(limit)).all()]
    requests = list(session.scalars(select(ContactRequest).where(
        ContactRequest.user_id == user_id, ContactRequest.status == CONTACT_OPEN).order_by(ContactRequest.id.desc())))
    return Feedback(reviews, comments, confirmed, requests)


@dataclass(frozen=True)
class DebriefCoaching:
    """What the debrief adds: comments by choice, sharing, and the contact request after a check-in."""

    comments: Mapping[int | None, list[RunComment]]
    shareable: bool  # a finished practice run the trainee may share or stop sharing
    shared: bool
    trainers_see: bool  # the trainee's cohort trainers can see this run
    has_trainer: bool
    request: ContactRequest | None


def _seen_by_trainers(session: DbSession, run: ScenarioRun) -> bool:
    """Whether some trainer can read the run: shared practice, or a course assigned to a supervised cohort of the
    trainee's."""
    if run.enrolment_id is None:
        return run.shared_with_trainers_at is not None
    return bool(session.scalar(select(exists().where(
        Enrolment.id == run.enrolment_id, CohortCourse.course_id == Enrolment.course_id,
        CohortMember.cohort_id == CohortCourse.cohort_id, CohortMember.user_id == run.user_id,
        CohortTrainer.cohort_id == CohortCourse.cohort_id))))


def debrief_coaching(session: DbSession, user_id: int, run: ScenarioRun,
                     checkin: WellbeingCheckin | None) -> DebriefCoaching:
    trainer = has_trainer(session, user_id)
    return DebriefCoaching(
        comments=comments_for_run(session, run.id),
        shareable=run.enrolment_id is None and run.finished_at is not None and trainer,
        shared=run.shared_with_trainers_at is not None, trainers_see=trainer and _seen_by_trainers(session, run),
        has_trainer=trainer,
        # An open request shows on every debrief (it is about the person, not the run); a followed-up one on its own.
        request=open_request(session, user_id) or (request_for_checkin(session, user_id, checkin.id) if checkin
                                                    else None))
