"""When a step with questions, responses or a trainer's confirmation is done (FORMAT.md §3.2, §7.7-7.8).

A step completes once everything it asks is met: every practice question
answered correctly once, every response submitted (accepted by a trainer when
it says `review`), and, for `confirmation: trainer`, the trainer's
confirmation. Each event that could meet the last of these (an answer, a
response, a verdict, a confirmation) calls `complete_if_met`. What each asks is
`progress.requirements_met`, which the course's completion checks again (a step
done before its trainers added to what it asks is not done until that is met).
"""
from __future__ import annotations

from lms.content import Course, Step
from lms.core.db import DbSession
from lms.learning import progress
from lms.learning.models import Enrolment


def complete_if_met(session: DbSession, enrolment: Enrolment, course: Course, step: Step) -> tuple[bool, bool]:
    """Complete the step if everything it asks is met: (step completed now or before, course completed now)."""
    if not progress.requirements_met(session, enrolment.id, step):
        return False, False
    return True, progress.complete_step(session, enrolment, course, step)
