"""Cohorts: groups of trainees, their trainers, invitations and assigned courses.

Reads that decide who may see a cohort live here too, beside the writes, so
that every view asks the same question the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, aliased

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.admin import audit
from lms.cohorts.models import Cohort, CohortCourse, CohortMember, CohortTrainer, Invite
from lms.core import clock
from lms.core.db import DbSession
from lms.core.models import utcnow
from lms.core.services import ServiceError
from lms.core.text import check_showable
from lms.learning.models import Enrolment
from lms.mail import services as mail
from lms.roleplay.models import ScenarioRun

NAME_MAX = 200


# -- who may see what ------------------------------------------------------------------

def visible_cohorts(session: DbSession, user: User, include_archived: bool = True) -> list[Cohort]:
    """Cohorts the user supervises (every cohort for an admin), newest first."""
    query = select(Cohort).order_by(Cohort.archived_at.is_not(None), Cohort.created_at.desc(), Cohort.id.desc())
    if not user.is_admin:
        query = query.where(Cohort.id.in_(select(CohortTrainer.cohort_id).where(CohortTrainer.user_id == user.id)))
    if not include_archived:
        query = query.where(Cohort.archived_at.is_(None))
    return list(session.scalars(query))


def cohort_for(session: DbSession, user: User, cohort_id: int) -> Cohort | None:
    """The cohort if the user may supervise it, else None (the view answers 404)."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None or user.is_admin:
        return cohort
    return cohort if is_trainer_of(session, user, cohort_id) else None


def is_trainer_of(session: DbSession, user: User, cohort_id: int) -> bool:
    return bool(session.scalar(select(exists().where(
        CohortTrainer.cohort_id == cohort_id, CohortTrainer.user_id == user.id))))


def supervised_user_ids(user: User):
    """A subquery of the trainees the user may see (None for an admin: everyone)."""
    if user.is_admin:
        return None
    return (select(CohortMember.user_id)
            .join(CohortTrainer, CohortTrainer.cohort_id == CohortMember.cohort_id)
            .where(CohortTrainer.user_id == user.id))


def courses_open_to(viewer: User, trainee_id: int | ColumnElement[int] | InstrumentedAttribute[int]):
    """A subquery of the course ids whose work on `trainee_id` the viewer may see.

    Courses assigned to a cohort that the trainee belongs to and that the viewer
    supervises (any of the trainee's cohorts for an admin). `trainee_id` may be a
    column, for use inside a correlated query."""
    query = (select(CohortCourse.course_id)
             .join(CohortMember, CohortMember.cohort_id == CohortCourse.cohort_id)
             .where(CohortMember.user_id == trainee_id))
    if not viewer.is_admin:
        query = query.join(CohortTrainer, CohortTrainer.cohort_id == CohortCourse.cohort_id).where(
            CohortTrainer.user_id == viewer.id)
    return query


def runs_open_to(viewer: User) -> ColumnElement[bool]:
    """An SQL condition on ScenarioRun: the role-play runs the viewer may read (issue 11, item 4).

    Course-step runs of a course assigned to a cohort of the trainee's that the viewer
    supervises, and practice runs the trainee chose to share with their trainers.
    Unshared practice runs are private to the trainee: no trainer or admin reads or counts them."""
    visible = supervised_user_ids(viewer)
    condition = _course_or_shared_run(courses_open_to(viewer, ScenarioRun.user_id))
    return condition if visible is None else and_(ScenarioRun.user_id.in_(visible), condition)


def runs_open_in(cohort: Cohort) -> ColumnElement[bool]:
    """An SQL condition on ScenarioRun: the runs of the cohort's members that its trainers may read *as this
    cohort's*: course-step runs of the courses assigned to it, and practice runs the trainee shared.

    Not a run from a course only another cohort assigned; never an unshared practice run."""
    members = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
    assigned = select(CohortCourse.course_id).where(CohortCourse.cohort_id == cohort.id)
    return and_(ScenarioRun.user_id.in_(members), _course_or_shared_run(assigned))


def _course_or_shared_run(course_ids) -> ColumnElement[bool]:
    """A run on a step of one of `course_ids` (a subquery), or a practice run its trainee shared."""
    course_run = exists(
        select(Enrolment.id).where(Enrolment.id == ScenarioRun.enrolment_id, Enrolment.course_id.in_(course_ids)))
    shared_practice = and_(ScenarioRun.enrolment_id.is_(None), ScenarioRun.shared_with_trainers_at.is_not(None))
    return or_(course_run, shared_practice)


def member_of(session: DbSession, cohort: Cohort, user_id: int) -> User | None:
    """The member with this id, or None if they are not in the cohort."""
    return session.scalar(select(User).join(CohortMember, CohortMember.user_id == User.id)
                          .where(CohortMember.cohort_id == cohort.id, User.id == user_id))


def trainers(session: DbSession, cohort: Cohort) -> list[User]:
    return list(session.scalars(select(User).join(CohortTrainer, CohortTrainer.user_id == User.id)
                                .where(CohortTrainer.cohort_id == cohort.id).order_by(User.display_name)))


def member_count(session: DbSession, cohort_ids: list[int]) -> dict[int, int]:
    """{cohort id: number of members}, in one query."""
    if not cohort_ids:
        return {}
    rows = session.execute(select(CohortMember.cohort_id, func.count()).where(CohortMember.cohort_id.in_(cohort_ids))
                           .group_by(CohortMember.cohort_id))
    return dict(rows.all())


def assigned_courses(session: DbSession, cohort: Cohort) -> list[CohortCourse]:
    return list(session.scalars(select(CohortCourse).where(CohortCourse.cohort_id == cohort.id)
                                .order_by(CohortCourse.assigned_at, CohortCourse.id)))


def has_open_link(session: DbSession, cohort: Cohort, now: datetime) -> bool:
    """Whether a reusable link of the cohort still works: anyone holding it, a removed member too, can join."""
    links = session.scalars(select(Invite).where(Invite.cohort_id == cohort.id, Invite.max_uses.is_(None),
                                                 Invite.revoked_at.is_(None)))
    return any(link.usable(now) for link in links)


def invites(session: DbSession, cohort: Cohort) -> list[Invite]:
    return list(session.scalars(select(Invite).where(Invite.cohort_id == cohort.id).order_by(Invite.created_at.desc())))


@dataclass(frozen=True)
class Assignment:
    """A course assigned to a trainee through one of their (active) cohorts."""

    course_id: str
    cohort_name: str
    assigned_by: str | None  # the trainer's display name; None when unknown (an account since deleted)
    due_on: date | None
    joined_on: date | None = None  # the charity's date the trainee joined that cohort


def assignments_for(session: DbSession, user_id: int) -> list[Assignment]:
    """The courses assigned to the user, one per course (the earliest due date wins), soonest due first.

    One query. Archived cohorts assign nothing any more.
    """
    assigner = aliased(User)
    rows = session.execute(
        select(CohortCourse.course_id, Cohort.name, assigner.display_name, CohortCourse.due_on, CohortMember.joined_at)
        .join(Cohort, Cohort.id == CohortCourse.cohort_id)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .outerjoin(assigner, assigner.id == CohortCourse.assigned_by_id)
        .where(CohortMember.user_id == user_id, Cohort.archived_at.is_(None))
        .order_by(CohortCourse.course_id, CohortCourse.due_on.is_(None), CohortCourse.due_on, Cohort.id))
    chosen: dict[str, Assignment] = {}
    for course_id, cohort_name, assigned_by, due_on, joined_at in rows:
        chosen.setdefault(course_id, Assignment(course_id, cohort_name, assigned_by, due_on,
                                                clock.local_date(joined_at) if joined_at else None))
    return sorted(chosen.values(), key=lambda a: (a.due_on is None, a.due_on or date.min, a.course_id))


# -- cohorts -----------------------------------------------------------------------------

def _clean_name(name: str) -> str:
    name = check_showable((name or "").strip(), gettext("cohort name"))
    if not name:
        raise ServiceError(gettext("Give the cohort a name, for example “Night moderators, spring intake”."))
    if len(name) > NAME_MAX:
        raise ServiceError(gettext("Keep the name under %(num)s characters.", num=NAME_MAX))
    return name


def _clean_description(description: str | None) -> str:
    return check_showable((description or "").strip(), gettext("cohort description"), multiline=True)


def create_cohort(session: DbSession, actor: User, name: str, description: str = "") -> Cohort:
    """Create a cohort supervised by its creator."""
    cohort = Cohort(name=_clean_name(name), description=_clean_description(description), created_by_id=actor.id)
    session.add(cohort)
    session.flush()
    session.add(CohortTrainer(cohort_id=cohort.id, user_id=actor.id))
    audit.record(session, actor, "cohort.create", target=f"cohort {cohort.name}", cohort_id=cohort.id)
    session.flush()
    return cohort


def update_cohort(session: DbSession, actor: User, cohort: Cohort, name: str, description: str) -> None:
    cohort.name, cohort.description = _clean_name(name), _clean_description(description)
    audit.record(session, actor, "cohort.update", target=f"cohort {cohort.name}", cohort_id=cohort.id)


def set_archived(session: DbSession, actor: User, cohort: Cohort, archived: bool) -> None:
    """Archive (hide from the dashboard's active list and stop its links) or restore a cohort."""
    cohort.archived_at = utcnow() if archived else None
    if archived:
        # An archived cohort takes nobody new: its open links stop working.
        session.execute(update(Invite).where(Invite.cohort_id == cohort.id, Invite.revoked_at.is_(None))
                        .values(revoked_at=utcnow()))
    audit.record(session, actor, "cohort.archive" if archived else "cohort.restore",
                 target=f"cohort {cohort.name}", cohort_id=cohort.id)


def add_trainer(session: DbSession, actor: User, cohort: Cohort, email: str) -> User:
    """Add a co-trainer by email; they must already have a trainer or admin account."""
    user = session.scalar(select(User).where(User.email == accounts.normalise_email(email or "")))
    if user is None or not user.is_trainer or not user.active:
        raise ServiceError(gettext("There is no active trainer account with that email. "
                                   "An admin can make someone a trainer."))
    if is_trainer_of(session, user, cohort.id):
        raise ServiceError(gettext("%(name)s already supervises this cohort.", name=user.display_name))
    session.add(CohortTrainer(cohort_id=cohort.id, user_id=user.id))
    audit.record(session, actor, "cohort.add_trainer", target_user=user, cohort_id=cohort.id)
    return user


def remove_member(session: DbSession, actor: User, cohort: Cohort, user_id: int) -> User:
    member = member_of(session, cohort, user_id)
    if member is None:
        raise ServiceError(gettext("That person is not in this cohort."))
    session.execute(delete(CohortMember).where(CohortMember.cohort_id == cohort.id, CohortMember.user_id == user_id))
    audit.record(session, actor, "cohort.remove_member", target_user=member, cohort_id=cohort.id)
    return member


def add_member(session: DbSession, cohort_id: int, user: User, joined_at: datetime | None = None) -> bool:
    """Put a user in a cohort (joining now, unless `joined_at` says when); False if they were already in it."""
    if session.scalar(select(exists().where(CohortMember.cohort_id == cohort_id, CohortMember.user_id == user.id))):
        return False
    session.add(CohortMember(cohort_id=cohort_id, user_id=user.id, joined_at=joined_at or utcnow()))
    session.flush()
    return True


# -- courses -------------------------------------------------------------------------------

def assign_course(session: DbSession, actor: User, cohort: Cohort, course_id: str, due_on: date | None,
                  known_courses: set[str]) -> CohortCourse:
    """Assign a course (or change its due date if it is already assigned); not in an archived cohort, whose
    members would be told of it."""
    if cohort.archived_at is not None:
        raise ServiceError(gettext("This cohort is archived. Restore it before assigning courses."))
    if course_id not in known_courses:
        raise ServiceError(gettext("Choose one of the courses in the catalogue."))
    row = session.scalar(select(CohortCourse).where(CohortCourse.cohort_id == cohort.id,
                                                    CohortCourse.course_id == course_id))
    if row is None:
        row = CohortCourse(cohort_id=cohort.id, course_id=course_id, due_on=due_on, assigned_by_id=actor.id)
        session.add(row)
    else:
        row.due_on, row.assigned_by_id = due_on, actor.id
    audit.record(session, actor, "cohort.assign_course", target=f"cohort {cohort.name}", cohort_id=cohort.id,
                 course_id=course_id, due_on=due_on.isoformat() if due_on else None)
    session.flush()
    return row


def unassign_course(session: DbSession, actor: User, cohort: Cohort, course_id: str) -> None:
    row = session.scalar(select(CohortCourse).where(CohortCourse.cohort_id == cohort.id,
                                                    CohortCourse.course_id == course_id))
    if row is None:
        raise ServiceError(gettext("That course is not assigned to this cohort."))
    session.delete(row)
    audit.record(session, actor, "cohort.unassign_course", target=f"cohort {cohort.name}", cohort_id=cohort.id,
                 course_id=course_id)


# -- invitations -----------------------------------------------------------------------------

def create_invite(session: DbSession, actor: User, cohort: Cohort, *, reusable: bool, email: str | None = None,
                  days: int | None = 14, send_email: bool = False, language: str | None = None) -> str:
    """A single-use personal invite or a reusable cohort link; returns the token (shown once).

    With `send_email`, the personal invitation is also emailed to its address (queued in
    this transaction, sent by the worker) in `language` (the inviter's choice; None: the site's default),
    or in the language of the account the address already belongs to. An address whose account is
    switched off is refused: its holder could not use the invitation.
    """
    if cohort.archived_at is not None:
        raise ServiceError(gettext("This cohort is archived. Restore it before inviting anyone."))
    email = (email or "").strip() or None
    if email and "@" not in email:
        raise ServiceError(gettext("Enter an email address, or leave it empty."))
    if send_email and (reusable or not email):
        raise ServiceError(gettext("To email an invitation, choose a personal link and enter their email address."))
    holder = session.scalar(select(User).where(User.email == accounts.normalise_email(email))) if email else None
    if holder is not None and not holder.active and not reusable:
        raise ServiceError(gettext("That address belongs to an account that is switched off, so it could not use the "
                                   "invitation. An admin can switch the account back on first."))
    if holder is not None and holder.language:
        language = holder.language  # they chose their own language: the invitation is written in it
    token = accounts.create_invite(session, created_by=actor, email=None if reusable else email, role="trainee",
                                   max_uses=None if reusable else 1, days=days)
    invite = session.scalars(select(Invite).where(Invite.token_hash == accounts.hash_invite_token(token))).one()
    invite.cohort_id = cohort.id
    audit.record(session, actor, "invite.create", target=f"cohort {cohort.name}", cohort_id=cohort.id,
                 invite_id=invite.id, reusable=reusable, email=invite.email, emailed=send_email)
    if send_email:
        expires = clock.local_date(invite.expires_at) if invite.expires_at else None
        mail.enqueue_email(session, "invitation", {
            "token": token, "cohort_name": cohort.name, "inviter": actor.display_name,
            "expires_date": expires.isoformat() if expires else None, "has_account": holder is not None},
            to_email=invite.email, language=language)
    session.flush()
    return token


def revoke_invite(session: DbSession, actor: User, cohort: Cohort, invite_id: int) -> None:
    invite = session.get(Invite, invite_id)
    if invite is None or invite.cohort_id != cohort.id:
        raise ServiceError(gettext("That invitation does not belong to this cohort."))
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        audit.record(session, actor, "invite.revoke", target=f"cohort {cohort.name}", cohort_id=cohort.id,
                     invite_id=invite.id)


def cohort_of_invite(session: DbSession, token: str) -> Cohort | None:
    """The (active) cohort a usable invite link leads to, or None."""
    invite = accounts.find_invite(session, token)
    if invite is None or invite.cohort_id is None:
        return None
    cohort = session.get(Cohort, invite.cohort_id)
    return cohort if cohort is not None and cohort.archived_at is None else None


def join(session: DbSession, user: User, token: str) -> Cohort:
    """An existing account follows a cohort link: add them, using up one use of the invite."""
    invite = accounts.find_invite(session, token)
    cohort = cohort_of_invite(session, token)
    if invite is None or cohort is None:
        raise ServiceError(gettext("This invitation link is not valid any more. Ask your trainer for a new one."))
    if invite.email and invite.email != user.email:
        raise ServiceError(gettext("This invitation was sent to a different email address."))
    if add_member(session, cohort.id, user):
        accounts.claim_invite(session, invite, user.email)
    return cohort


def join_on_registration(session: DbSession, user: User, invite: Invite | None) -> None:
    """Registration with a cohort's invite puts the new account in that cohort (same transaction)."""
    if invite is not None and invite.cohort_id is not None:
        add_member(session, invite.cohort_id, user)
