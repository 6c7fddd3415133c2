"""What trainers assigned to a trainee, for "Assigned to you" on My training and badges in the catalogue."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext, ngettext

from lms.cohorts import services as cohorts
from lms.content import Course, Step
from lms.core.db import DbSession
from lms.core.i18n import long_date
from lms.learning.progress import CourseProgress, missing_prerequisite_ids, progress_by_course, resume_step


def due_words(due_on: date | None, today: date, done: bool = False,
              joined_on: date | None = None) -> tuple[str, str]:
    """(words, badge class) for a due date: the words say it all, the colour only repeats them.

    Someone who joined the cohort after its due date is not told they are overdue (they could never
    have met it): they are asked to do it soon. Their trainer still sees the cohort's date.
    """
    if due_on is None:
        return gettext("No due date"), ""
    shown = long_date(due_on)
    days = (due_on - today).days
    if done:
        return (gettext("Was due %(date)s", date=shown) if days < 0 else
                gettext("Done before its due date, %(date)s", date=shown)), "ok"
    if days < 0 and joined_on is not None and joined_on > due_on:
        return gettext("Due %(date)s, before you joined: please do it as soon as you can", date=shown), "warn"
    if days < 0:
        return ngettext("Overdue by %(num)s day (was due %(date)s)", "Overdue by %(num)s days (was due %(date)s)",
                        -days, date=shown), "bad"
    if days == 0:
        return gettext("Due today (%(date)s)", date=shown), "warn"
    if days == 1:
        return gettext("Due tomorrow (%(date)s)", date=shown), "warn"
    return ngettext("Due in %(num)s day (%(date)s)", "Due in %(num)s days (%(date)s)", days, date=shown), \
        "warn" if days <= 7 else ""


@dataclass(frozen=True)
class AssignedCourse:
    """One line of "Assigned to you"."""

    course_id: str
    title: str
    course: Course | None  # None when the course is not in the catalogue at the moment
    cohort_name: str
    assigned_by: str | None
    due_on: date | None
    state: CourseProgress | None
    resume: Step | None
    due_text: str
    due_badge: str

    @property
    def status(self) -> str:
        return self.state.status if self.state else "not-started"

    @property
    def overdue(self) -> bool:
        return self.due_badge == "bad"


def assigned_courses(session: DbSession, user_id: int, courses: Mapping[str, Course], today: date,
                     states: Mapping[str, CourseProgress] | None = None) -> list[AssignedCourse]:
    """The trainee's assigned courses, unfinished first and soonest due first (a constant number of queries)."""
    assignments = cohorts.assignments_for(session, user_id)
    if not assignments:
        return []
    published = [courses[a.course_id] for a in assignments if a.course_id in courses]
    if states is None:
        states = progress_by_course(session, user_id, published)
    result = []
    for a in assignments:
        course = courses.get(a.course_id)
        state = states.get(a.course_id) if course else None
        done = state is not None and state.status == "completed"
        words, badge = due_words(a.due_on, today, done, a.joined_on)
        result.append(AssignedCourse(
            a.course_id, course.title if course else a.course_id, course, a.cohort_name, a.assigned_by, a.due_on,
            state, resume_step(course, state) if course and state and state.enrolment else None, words, badge))
    result.sort(key=lambda item: item.status == "completed")  # stable: keeps soonest due first
    return result


def next_assigned(session: DbSession, user_id: int, finished_id: str, courses: Mapping[str, Course],
                  today: date) -> AssignedCourse | None:
    """What to suggest once `finished_id` is completed: the soonest-due assigned course not finished yet whose
    prerequisites are done (it opens now); None when there is none."""
    for item in assigned_courses(session, user_id, courses, today):
        if (item.course is not None and item.course_id != finished_id and item.status != "completed"
                and not missing_prerequisite_ids(session, user_id, item.course)):
            return item
    return None
