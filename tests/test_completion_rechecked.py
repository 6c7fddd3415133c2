"""A course completes only when each required step still meets what it asks (FORMAT.md §5), even when trainers
added to a step after the trainee had done it: a question, a `review`, a trainer's confirmation."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lms.catalog.services import catalog
from lms.learning import confirmations, progress, questions, responses
from tests import factories
from tests.conftest import FIXTURE_CONTENT

COURSE = """---
title: Tight
summary: Trainers add to it as it runs.
---
Welcome.
"""
QUIZ = """---
title: Quiz
---
```question id=q-open
Which is an open question?

- [x] "What happened after that?"
- [ ] "Are you OK?"
```
"""
WRITE = """---
title: Write
---
```response id=r-reply
Write a first reply.
```
"""


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    course = root / "courses" / "tight"
    course.mkdir()
    (course / "course.md").write_text(COURSE)
    (course / "1-read.md").write_text("---\ntitle: Read\n---\nRead this.\n")
    (course / "2-write.md").write_text(WRITE)
    (course / "3-quiz.md").write_text(QUIZ)
    return root


def _course(app):
    app.extensions["lms_catalog"].reload()
    with app.app_context():
        return catalog().course("tight")


def _trainer_of(session, users, trainee):
    trainer = users.create(role="trainer")
    factories.join(session, factories.make_cohort(session, trainer, courses=()), trainee)
    return trainer


def test_a_confirmation_added_to_a_step_already_done_is_needed_before_the_course_completes(
        app, session, users, content_dir):
    trainee = users.create()
    trainer = _trainer_of(session, users, trainee)
    course = _course(app)
    enrolment = progress.enrol(session, trainee.id, course)
    with app.test_request_context():
        progress.complete_step(session, enrolment, course, course.step("read"))
        responses.submit(session, enrolment, course, course.step("write"), course.step("write").responses[0],
                         "What happened after that?")
        session.commit()
        # A trainer now asks for their confirmation of the reading step, which the trainee had done.
        (content_dir / "courses" / "tight" / "1-read.md").write_text(
            "---\ntitle: Read\nconfirmation: trainer\n---\nRead this, then talk it through with your trainer.\n")
        course = _course(app)
        quiz = course.step("quiz")
        outcome = questions.answer(session, enrolment, course, quiz, quiz.questions[0], [0])
        session.commit()
        assert not outcome.course_completed and enrolment.completed_at is None
        # Shown as not done again, so the trainee sees what is left and can ask for the confirmation.
        state = progress.course_progress(session, trainee.id, course)
        assert "read" not in state.completed_steps and state.next_step.id == "read"
        assert {"write", "quiz"} <= state.completed_steps
        confirmations.mark_ready(session, enrolment, course.step("read"))
        _, course_done = confirmations.confirm_step(session, enrolment, course, course.step("read"), trainer)
        session.commit()
    assert course_done and enrolment.completed_at is not None


def test_a_review_added_to_a_response_already_sent_must_be_met(app, session, users, content_dir):
    trainee = users.create()
    trainer = _trainer_of(session, users, trainee)
    course = _course(app)
    enrolment = progress.enrol(session, trainee.id, course)
    with app.test_request_context():
        write = course.step("write")
        entry = responses.submit(session, enrolment, course, write, write.responses[0], "lol whatever").entry
        progress.complete_step(session, enrolment, course, course.step("read"))
        session.commit()
        assert "write" in progress.completed_step_ids(session, enrolment.id)
        (content_dir / "courses" / "tight" / "2-write.md").write_text(WRITE.replace("r-reply", "r-reply review"))
        course = _course(app)
        quiz = course.step("quiz")
        assert not questions.answer(session, enrolment, course, quiz, quiz.questions[0], [0]).course_completed
        assert "write" not in progress.completed_step_ids(session, enrolment.id)
        responses.mark_response(session, entry, trainer, "try_again", "Ask what happened.", course=course)
        assert enrolment.completed_at is None
        entry = responses.submit(session, enrolment, course, course.step("write"),
                                 course.step("write").responses[0], "What happened after that?").entry
        responses.mark_response(session, entry, trainer, "meets_standard", course=course)
        session.commit()
    assert enrolment.completed_at is not None
