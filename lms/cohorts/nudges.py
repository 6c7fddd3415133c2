"""Trainers' "Send a reminder" from the progress table: rate-limited, audited, once a day per trainee.

The rate limit is deliberately small and local: the trainees a trainer reminded in the
last hour are counted from the audit log (one entry per trainee reminded), so it holds
across workers with no extra table. (The site-wide rate limits of lms/core belong to
the security work; this one is about not flooding volunteers' inboxes.)
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.admin import audit
from lms.admin.models import AuditEntry
from lms.cohorts.joining import joined_after
from lms.cohorts.models import Cohort, CohortMember
from lms.cohorts.services import assign_course, assigned_courses
from lms.content import Course
from lms.core.db import DbSession
from lms.core.models import utcnow
from lms.core.services import ServiceError
from lms.learning.models import Enrolment
from lms.mail.reminders import Reminder, SweepResult, due_reminder, mark_said, queue_new

NUDGE_ACTION = "cohort.nudge"
WINDOW = timedelta(hours=1)


def reminded_in_window(session: DbSession, actor: User, now: datetime) -> int:
    """How many trainees this trainer reminded in the last hour."""
    return session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.actor_id == actor.id, AuditEntry.action == NUDGE_ACTION, AuditEntry.created_at > now - WINDOW)) or 0


def nudge(session: DbSession, actor: User, cohort: Cohort, user_ids: list[int], courses: Mapping[str, Course],
          today: date, per_hour: int) -> tuple[int, int]:
    """Queue a reminder email to each chosen member; (queued, already reminded today). ServiceError when refused,
    as in an archived cohort."""
    if cohort.archived_at is not None:
        raise ServiceError(gettext("This cohort is archived. Restore it before reminding anyone."))
    now = utcnow()
    joined: dict[User, datetime] = dict(session.execute(
        select(User, CohortMember.joined_at).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, User.id.in_(set(user_ids)), User.active.is_(True))
        .order_by(User.id)).all())
    members = list(joined)
    if not members:
        raise ServiceError(gettext("Tick at least one trainee in this cohort to remind."))
    used = reminded_in_window(session, actor, now)
    if used + len(members) > per_hour:
        left = max(per_hour - used, 0)
        raise ServiceError(
            ngettext("You can remind up to %(num)s trainee an hour, to keep inboxes calm.",
                     "You can remind up to %(num)s trainees an hour, to keep inboxes calm.", per_hour) + " "
            + ngettext("You can remind %(num)s more now; try the rest later.",
                       "You can remind %(num)s more now; try the rest later.", left))
    live = [c for c in assigned_courses(session, cohort) if c.course_id in courses]
    if not live:
        raise ServiceError(gettext("This cohort has no courses assigned yet: there is nothing to remind anyone about."))
    done = {(user_id, course_id) for user_id, course_id in session.execute(
        select(Enrolment.user_id, Enrolment.course_id).where(
            Enrolment.user_id.in_([m.id for m in members]), Enrolment.course_id.in_([c.course_id for c in live]),
            Enrolment.completed_at.is_not(None)))}
    reminders = []
    for member in members:
        todo = []
        for c in live:
            if (member.id, c.course_id) in done:
                continue
            past_due = c.due_on is not None and c.due_on < today
            # Past due for someone who joined after the date: asked to do it soon, never told it is overdue.
            late = past_due and joined_after(joined[member], c.due_on)
            # Dates as ISO strings: the e-mail writes them out in the trainee's language when it is sent.
            todo.append({"id": c.course_id, "title": courses[c.course_id].title,
                         "due_on": c.due_on.isoformat() if c.due_on else None,
                         "overdue": past_due and not late, "joined_after": late})
        if todo:
            reminders.append(Reminder(member.id, f"cohort:{cohort.id}", "nudge", today, "nudge",
                                      {"kind": "nudge", "trainer_name": actor.display_name, "cohort_name": cohort.name,
                                       "courses": todo}, "nudges"))
    new = queue_new(session, reminders, now, SweepResult())
    for member in members:
        if (member.id, f"cohort:{cohort.id}", "nudge", today) in new:
            audit.record(session, actor, NUDGE_ACTION, target_user=member, cohort_id=cohort.id)
    return len(new), len(members) - len(new)


def announce_assignment(session: DbSession, actor: User, cohort: Cohort, course: Course, due_on: date | None,
                        today: date) -> int:
    """E-mail each active member that `course` was assigned to the cohort (once, on the day it is assigned),
    except those who have completed it already; the number queued. Its words are the trainee's language's
    when it is sent, like a reminder's. It gives the due date, so the due-date reminder that day's sweep would
    send them is recorded as sent."""
    members = list(session.scalars(
        select(User.id).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, User.active.is_(True))))
    if not members:
        return 0
    done = set(session.scalars(select(Enrolment.user_id).where(
        Enrolment.user_id.in_(members), Enrolment.course_id == course.id, Enrolment.completed_at.is_not(None))))
    context = {"kind": "assigned", "trainer_name": actor.display_name, "cohort_name": cohort.name,
               "courses": [{"id": course.id, "title": course.title,
                            "due_on": due_on.isoformat() if due_on else None}]}
    subject = f"cohort:{cohort.id}:{course.id}"[:120]  # the column's length; course ids are at most 100
    announcements = [Reminder(user_id, subject, "assigned", today, "assigned", context, None)
                     for user_id in members if user_id not in done]
    now = utcnow()
    told = queue_new(session, announcements, now, SweepResult())
    # The announcement gives the due date: today's due-date reminder ("due in 5 days") would repeat it in the
    # same minute, so it counts as sent. Later ones (the day before, overdue) still come.
    today_s = due_reminder(due_on, today, current_app.config["OVERDUE_REMINDERS_MAX"]) if due_on else None
    if today_s is not None:
        kind, on_date = today_s
        mark_said(session, ((user_id, course.id, kind, on_date) for user_id, *_ in told), now)
    return len(told)


def assign_and_announce(session: DbSession, actor: User, cohort: Cohort, course_id: str, due_on: date | None,
                        courses: Mapping[str, Course], today: date) -> int:
    """Assign a course (services.assign_course); when it is new to the cohort, e-mail its members about it
    (announce_assignment). A changed due date is not announced: the due-date reminders tell of it. Returns how
    many e-mails were queued."""
    new = course_id not in {c.course_id for c in assigned_courses(session, cohort)}
    assign_course(session, actor, cohort, course_id, due_on, set(courses))
    return announce_assignment(session, actor, cohort, courses[course_id], due_on, today) if new else 0
