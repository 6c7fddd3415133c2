"""Progress rules: enrolment, step completion, course completion (FORMAT.md §5)."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from lms.catalog.services import catalog
from lms.learning import progress
from lms.learning.models import AssessmentAttempt, Enrolment, QuestionAnswer, StepProgress


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
    with app.app_context():
        for step in course.required_steps:
            # A practice question's step is done once it is answered right (as questions.answer records it).
            session.add_all(QuestionAnswer(enrolment_id=enrolment.id, step_id=step.id, question_id=q.id,
                                           correct=True, tries=1, first_correct_at=datetime.now(UTC))
                            for q in step.questions if not step.assessment)
            assert progress.complete_step(session, enrolment, course, step) is False
        assert enrolment.completed_at is None  # the assessment is not passed yet
        assessment = course.assessment_steps[0]
        session.add(AssessmentAttempt(enrolment_id=enrolment.id, step_id=assessment.id, number=1, answers={},
                                      results={}, score_percent=100, pass_mark=50, passed=True))
        session.flush()
        assert progress.evaluate_completion(session, enrolment, course) is True
        assert progress.evaluate_completion(session, enrolment, course) is False  # only once
    session.commit()
    assert enrolment.completed_at is not None and enrolment.completed_version == course.version
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

    from lms.core.models import utcnow
    from lms.core.services import ServiceError

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
    from lms.core.models import utcnow

    user = users.create()
    advanced, basics = _course(app, "advanced"), _course(app)
    assert progress.missing_prerequisite_ids(session, user.id, advanced) == ["listening"]
    progress.enrol(session, user.id, basics).completed_at = utcnow()
    assert progress.missing_prerequisite_ids(session, user.id, advanced) == []


def test_record_visit_is_one_row_and_remembers_the_place(app, users, session):
    user = users.create()
    course = _course(app)
    enrolment = progress.enrol(session, user.id, course)
    first = progress.record_visit(session, enrolment, course.step("welcome"))
    again = progress.record_visit(session, enrolment, course.step("welcome"))
    progress.record_visit(session, enrolment, course.step("practice"))
    session.commit()
    assert first.id == again.id
    assert set(progress.step_rows(session, enrolment.id)) == {"welcome", "practice"}
    assert enrolment.last_step_id == "practice"
    # The database moved the place too (the visit's trigger), not only the object in the session.
    session.expire_all()
    assert enrolment.last_step_id == "practice"
    rows = progress.step_rows(session, enrolment.id)
    assert enrolment.last_active_at == rows["practice"].last_seen_at >= rows["welcome"].last_seen_at


def test_progress_by_course_matches_course_progress(app, users, session):
    user = users.create()
    basics, advanced = _course(app), _course(app, "advanced")
    enrolment = progress.enrol(session, user.id, basics)
    progress.complete_step(session, enrolment, basics, basics.step("welcome"))
    states = progress.progress_by_course(session, user.id, [basics, advanced])
    single = progress.course_progress(session, user.id, basics)
    assert states["listening"].completed_steps == single.completed_steps == {"welcome"}
    assert states["listening"].percent == single.percent == 25  # 1 of 4 required steps
    assert states["advanced"].status == "not-started" and states["advanced"].percent == 0


def test_progress_is_of_the_latest_cycle(app, users, session):
    from lms.core.models import utcnow

    user = users.create()
    course = _course(app)
    first = progress.enrol(session, user.id, course)
    progress.complete_step(session, first, course, course.step("welcome"))
    first.completed_at = utcnow()
    progress.start_retake(session, user.id, course)
    state = progress.progress_by_course(session, user.id, [course])["listening"]
    assert state.status == "in-progress" and state.completed_steps == frozenset()
    assert progress.latest_enrolments(session, user.id)["listening"].cycle == 2


def test_resume_step_prefers_the_last_step_opened(app, users, session):
    user = users.create()
    course = _course(app)
    enrolment = progress.enrol(session, user.id, course)
    state = progress.course_progress(session, user.id, course)
    assert progress.resume_step(course, state).id == "welcome"
    progress.record_visit(session, enrolment, course.step("roleplay"))
    assert progress.resume_step(course, progress.course_progress(session, user.id, course)).id == "roleplay"
    enrolment.last_step_id = "removed-by-an-edit"
    assert progress.resume_step(course, progress.course_progress(session, user.id, course)).id == "welcome"


def test_my_courses_lists_latest_cycles_and_courses_since_removed(app, users, session):
    from lms.core.models import utcnow

    user, other = users.create(), users.create()
    course = _course(app)
    progress.enrol(session, user.id, course)
    progress.enrol(session, other.id, _course(app, "advanced"))
    session.add(Enrolment(user_id=user.id, course_id="retired", cycle=1, completed_at=utcnow()))
    session.flush()
    with app.app_context():
        mine = progress.my_courses(session, user.id, catalog().courses)
    by_id = {m.course_id: m for m in mine}
    assert set(by_id) == {"listening", "retired"}  # never another user's
    assert not by_id["listening"].completed and by_id["listening"].resume.id == "welcome"
    assert by_id["retired"].completed and by_id["retired"].course is None and by_id["retired"].title == "retired"


def test_missing_prerequisite_ids_keep_the_courses_order(app, users, session):
    user = users.create()
    assert progress.missing_prerequisite_ids(session, user.id, _course(app, "advanced")) == ["listening"]
    assert progress.missing_prerequisite_ids(session, user.id, _course(app)) == []


def test_a_quick_reload_needs_no_write(app, users, session):
    from datetime import timedelta

    user = users.create()
    course = _course(app)
    enrolment = progress.enrol(session, user.id, course)
    step = course.step("welcome")
    assert not progress.visit_is_recorded(enrolment, step, {})
    progress.record_visit(session, enrolment, step)
    rows = progress.step_rows(session, enrolment.id)
    assert progress.visit_is_recorded(enrolment, step, rows)
    assert not progress.visit_is_recorded(enrolment, course.step("practice"), rows)
    enrolment.last_active_at -= progress.VISIT_RESOLUTION + timedelta(seconds=1)
    assert not progress.visit_is_recorded(enrolment, step, rows)


def test_the_step_pages_one_read_holds_only_the_trainees_own_rows(app, users, session):
    """`step_page_reads`: the newest enrolment, its opened steps, and the step's answers and reflections,
    the trainee's own only; answers belong to a cycle, reflections to the person (FORMAT.md §3.3)."""
    from lms.core.models import utcnow
    from lms.learning import questions, reflections

    owner, other = users.create(), users.create()
    course = _course(app)
    welcome, optional = course.step("welcome"), course.step("optional")
    question, prompt = welcome.questions[0], welcome.reflections[0]
    right = [i for i, choice in enumerate(question.choices) if choice.correct]
    with app.app_context():
        for user, words in ((owner, "mine"), (other, "someone else's")):
            enrolment = progress.enrol(session, user.id, course)
            progress.record_visit(session, enrolment, welcome)
            questions.answer(session, enrolment, course, welcome, question, right if user is owner else [0])
            reflections.save(session, user.id, course, welcome, prompt, words)
        progress.record_visit(session, progress.latest_enrolment(session, owner.id, course.id), optional)
        session.commit()

        reads = progress.step_page_reads(session, owner.id, course.id, welcome)
        assert reads.enrolment is not None and reads.enrolment.user_id == owner.id
        assert set(reads.rows) == {"welcome", "optional"}
        assert {q: a.selected for q, a in reads.answers.items()} == {question.id: right}
        assert {r: e.text for r, e in reads.reflections.items()} == {prompt.id: "mine"}
        # A step without questions or reflections reads neither.
        plain = progress.step_page_reads(session, owner.id, course.id, optional)
        assert set(plain.rows) == {"welcome", "optional"} and plain.answers == {} and plain.reflections == {}

        # A retake: a new cycle with nothing opened or answered yet, the reflections still the person's.
        reads.enrolment.completed_at = utcnow()
        progress.start_retake(session, owner.id, course)
        session.commit()
        again = progress.step_page_reads(session, owner.id, course.id, welcome)
        assert again.enrolment is not None and again.enrolment.cycle == 2
        assert again.rows == {} and again.answers == {}
        assert {r: e.text for r, e in again.reflections.items()} == {prompt.id: "mine"}
        # No enrolment at all: nothing.
        nobody = users.create()
        assert progress.step_page_reads(session, nobody.id, course.id, welcome) == progress.StepPageReads(
            None, {}, {}, {})
