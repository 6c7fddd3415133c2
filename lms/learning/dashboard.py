"""What a trainee's own starting pages show (Home and My training): one place, so the two never differ."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from lms.certificates import services as certificates
from lms.coaching import services as coaching
from lms.content import Course, Scenario
from lms.core.db import DbSession
from lms.learning import assigned, progress
from lms.roleplay import runs


def my_training(session: DbSession, user_id: int, courses: Mapping[str, Course], scenarios: Mapping[str, Scenario],
                today: date) -> dict[str, Any]:
    """Trainers' feedback, assigned and started courses, paused role-plays and certificates, for templates.

    `courses` and `scenarios`: the catalogue in the reader's language.
    """
    return progress.my_training(session, user_id, courses) | {
        "assigned": assigned.assigned_courses(session, user_id, courses, today),
        "certificate_panel": certificates.trainee_panel(session, user_id, courses),
        "feedback": coaching.trainee_feedback(session, user_id),
        "paused_roleplays": runs.paused_practice_runs(session, user_id, scenarios),
        "feedback_courses": courses, "feedback_scenarios": scenarios}
