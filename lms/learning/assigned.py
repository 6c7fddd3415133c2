"""What trainers assigned to a trainee, for "Assigned to you" on My training and badges in the catalogue."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from lms.cohorts import services as cohorts
from lms.content import Course, Step
from lms.core.db import DbSession
from lms.learning.progress import CourseProgress, progress_by_course, resume_step


def due_words(due_on: date | None, today: date, done: bool = False) -> tuple[str, str]:
    """(words, badge class) for a due date: the words say it all, the colour only repeats them."""
    if due_on is None:
        return "No due date", ""
    shown = f"{due_on.day} {due_on:%B %Y}"
    if done:
        return f"Was due {shown}", "ok"
    days = (due_on - today).days
    if days < 0:
        late = -days
        return f"Overdue by {late} day{'s' if late != 1 else ''} (was due {shown})", "bad"
    if days == 0:
        return f"Due today ({shown})", "warn"
    if days == 1:
        return f"Due tomorrow ({shown})", "warn"
    return f"Due in {days} days ({shown})", "warn" if days <= 7 else ""


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
        words, badge = due_words(a.due_on, today, done)
        result.append(AssignedCourse(
            a.course_id, course.title if course else a.course_id, course, a.cohort_name, a.assigned_by, a.due_on,
            state, resume_step(course, state) if course and state and state.enrolment else None, words, badge))
    result.sort(key=lambda item: item.status == "completed")  # stable: keeps soonest due first
    return result
