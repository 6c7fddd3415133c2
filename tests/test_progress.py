"""Progress rules: enrolment, step completion, course completion (FORMAT.md §5)."""
import threading

from sqlalchemy import func, select

from lms.catalog import catalog
from lms.models import AssessmentAttempt, Enrolment, StepProgress
from lms.services import progress
from lms.signals import course_completed


def _course(app, course_id="listening"):
    with app.app_context():
        return catalog().course(course_id)


def test_enrol_is_idempotent(app, users, session):
    user = users.create()
    course = _course(app)
    first = progress.enrol(session, user.id, course)
    second = progress.enrol(session, user.id, course)
    session.commit()
    assert first.id == second.id
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_course_completes_after_required_steps_and_passed_assessment(app, users, session):
    user = users.create()
    course = _course(app)
    enrolment = progress.enrol(session, user.id, course)
    completions = []
    course_completed.connect(lambda sender, **kw: completions.append(kw["enrolment"].id), weak=False)
    try:
        with app.app_context():
            for step in course.required_steps:
                assert progress.complete_step(session, enrolment, course, step) is False
            assert enrolment.completed_at is None  # the assessment is not passed yet
            assessment = course.assessment_steps[0]
            session.add(AssessmentAttempt(enrolment_id=enrolment.id, step_id=assessment.id, number=1, answers={},
                                          results={}, score_percent=100, pass_mark=50, passed=True))
            session.flush()
            assert progress.evaluate_completion(session, enrolment, course) is True
            assert progress.evaluate_completion(session, enrolment, course) is False  # only once
    finally:
        course_completed.receivers.clear()
    session.commit()
    assert enrolment.completed_at is not None and enrolment.completed_version == course.version
    assert completions == [enrolment.id]
    assert progress.course_progress(session, user.id, course).status == "completed"


def test_optional_steps_are_not_needed(app, users, session):
    course = _course(app)
    assert "optional" not in {s.id for s in course.required_steps}
    user = users.create()
    enrolment = progress.enrol(session, user.id, course)
    progress.complete_step(session, enrolment, course, course.step("welcome"))
    state = progress.course_progress(session, user.id, course)
    assert state.required == len(course.required_steps) and state.required_done == 1
    assert state.next_step.id == "practice"


def test_double_completion_does_not_duplicate(app, users, session):
    user = users.create()
    course = _course(app)
    enrolment = progress.enrol(session, user.id, course)
    for _ in range(3):
        progress.complete_step(session, enrolment, course, course.step("welcome"))
    session.commit()
    assert session.scalar(select(func.count()).select_from(StepProgress)) == 1


def test_retake_needs_a_completion_and_starts_a_new_cycle(app, users, session):
    import pytest

    from lms.models import utcnow
    from lms.services import ServiceError

    user = users.create()
    course = _course(app)
    enrolment = progress.enrol(session, user.id, course)
    with pytest.raises(ServiceError):
        progress.start_retake(session, user.id, course)
    enrolment.completed_at = utcnow()
    retake = progress.start_retake(session, user.id, course)
    session.commit()
    assert retake.cycle == 2
    assert progress.course_progress(session, user.id, course).status == "in-progress"


def test_prerequisites(app, users, session):
    from lms.models import utcnow

    user = users.create()
    advanced, basics = _course(app, "advanced"), _course(app)
    titles = {"listening": basics.title}
    assert progress.missing_prerequisites(session, user.id, advanced, titles) == ["Listening basics"]
    progress.enrol(session, user.id, basics).completed_at = utcnow()
    assert progress.missing_prerequisites(session, user.id, advanced, titles) == []
