"""Assessments: submitted together, graded against the pass mark, attempts counted and capped."""
import re
import threading

import pytest
from sqlalchemy import func, select

from lms.catalog.services import catalog
from lms.core.db import db
from lms.core.services import ServiceError
from lms.learning import assessments, progress
from lms.learning.models import AssessmentAttempt, Enrolment
from tests.conftest import csrf_token

RIGHT = {"a-one": [1], "a-two": [0]}
HALF = {"a-one": [1], "a-two": [1]}
NONE_RIGHT = {"a-one": [0], "a-two": [1]}


def _course(app, course_id="listening"):
    with app.app_context():
        return catalog().course(course_id)


@pytest.fixture
def setup(app, users, session):
    user = users.create()
    course = _course(app)
    enrolment = progress.enrol(session, user.id, course)
    return course, course.step("assessment"), enrolment


def _take(session, enrolment, course, step, number, answers):
    """Submit an attempt as the pages do: its form (and so its draw) was shown first."""
    assessments.prepare(session, enrolment, step)
    return assessments.submit(session, enrolment, course, step, number, answers)


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(AssessmentAttempt))


def test_pass_mark_is_the_courses(app, setup, session):
    course, step, enrolment = setup
    assert course.pass_mark == 50
    outcome = _take(session, enrolment, course, step, 1, HALF)
    assert outcome.created and outcome.attempt.passed and outcome.attempt.score_percent == 50
    assert outcome.attempt.pass_mark == 50 and outcome.attempt.results == {"a-one": True, "a-two": False}
    assert progress.course_progress(session, enrolment.user_id, course).completed_steps == {"assessment"}


def test_pass_mark_compares_exactly(app, setup, session):
    """2 of 3 is 66.67%: not a pass at 67, a pass at 66 (no rounding up)."""
    import dataclasses

    course, step, enrolment = setup
    from lms.content import Question, QuestionChoice

    three = tuple(Question(id=f"x{i}", prompt_html="?",
                           choices=(QuestionChoice(0, "a", True), QuestionChoice(1, "b", False)))
                  for i in range(3))
    step3 = dataclasses.replace(step, blocks=three, attempts=None)
    answers = {"x0": [0], "x1": [0], "x2": [1]}
    strict = dataclasses.replace(course, pass_mark=67)
    assert not _take(session, enrolment, strict, step3, 1, answers).attempt.passed
    assert _take(session, enrolment, dataclasses.replace(course, pass_mark=66), step3, 2, answers).attempt.passed


def test_attempts_are_capped(app, setup, session):
    course, step, enrolment = setup
    assert step.attempts == 2
    first = _take(session, enrolment, course, step, 1, NONE_RIGHT)
    assert not first.attempt.passed and first.attempt.score_percent == 0
    state = assessments.state(session, enrolment.id, step)
    assert state.used == 1 and state.remaining == 1 and state.can_attempt
    _take(session, enrolment, course, step, 2, NONE_RIGHT)
    state = assessments.state(session, enrolment.id, step)
    assert state.out_of_attempts and not state.can_attempt and state.remaining == 0
    with pytest.raises(ServiceError, match="used all 2 attempts"):
        _take(session, enrolment, course, step, 3, RIGHT)
    assert _count(session) == 2
    assert enrolment.completed_at is None


def test_a_replayed_attempt_shows_the_recorded_one(app, setup, session):
    course, step, enrolment = setup
    first = _take(session, enrolment, course, step, 1, NONE_RIGHT)
    replay = _take(session, enrolment, course, step, 1, RIGHT)  # same number, other answers
    assert not replay.created and replay.attempt.id == first.attempt.id and not replay.attempt.passed
    with pytest.raises(ServiceError, match="out of date"):
        _take(session, enrolment, course, step, 5, RIGHT)
    with pytest.raises(ServiceError, match="out of date"):
        _take(session, enrolment, course, step, 0, RIGHT)
    assert _count(session) == 1


def test_no_attempts_after_a_pass(app, setup, session):
    course, step, enrolment = setup
    _take(session, enrolment, course, step, 1, RIGHT)
    with pytest.raises(ServiceError, match="already passed"):
        _take(session, enrolment, course, step, 2, RIGHT)
    assert not assessments.state(session, enrolment.id, step).can_attempt


def test_every_question_must_be_answered(app, setup, session):
    course, step, enrolment = setup
    with pytest.raises(assessments.IncompleteAnswers) as caught:
        _take(session, enrolment, course, step, 1, {"a-one": [1]})
    assert set(caught.value.errors) == {"a-two"}
    form = {"q-a-one": ["1"], "q-a-two": ["zz"]}
    with pytest.raises(assessments.IncompleteAnswers) as caught:
        assessments.parse_answers(step, lambda name: form.get(name, []))
    assert "not one of the choices" in caught.value.errors["a-two"]
    assert _count(session) == 0


def test_only_assessment_steps_take_attempts(app, setup, session):
    course, _, enrolment = setup
    with pytest.raises(ServiceError, match="not an assessment"):
        _take(session, enrolment, course, course.step("welcome"), 1, {})


def test_concurrent_submissions_never_exceed_the_cap(app, setup, session):
    course, step, enrolment = setup
    assessments.prepare(session, enrolment, step)
    session.commit()
    enrolment_id = enrolment.id
    barrier = threading.Barrier(6)
    outcomes, errors = [], []

    def submit(number):
        try:
            barrier.wait(5)
            mine = db.session.get(Enrolment, enrolment_id)
            outcomes.append(assessments.submit(db.session, mine, course, step, number, NONE_RIGHT))
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            errors.append(str(exc))
        finally:
            db.session.remove()

    threads = [threading.Thread(target=submit, args=(n,)) for n in (1, 1, 1, 2, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    session.expire_all()
    numbers = session.scalars(select(AssessmentAttempt.number).order_by(AssessmentAttempt.number)).all()
    assert numbers in ([1], [1, 2])  # never a duplicate, never above the cap of 2
    assert sum(1 for o in outcomes if o.created) == len(numbers)


# -- through the pages ------------------------------------------------------------------

URL = "/courses/listening/steps/assessment"


def _submit(client, number, answers, token=None):
    data = {"csrf_token": token or csrf_token(client, URL), "attempt": str(number)}
    data.update({f"q-{qid}": [str(i) for i in idx] for qid, idx in answers.items()})
    return client.post(f"{URL}/assessment", data=data)


def test_assessment_page_has_one_form_and_no_feedback_before_submitting(client, started):
    page = client.get(URL).get_data(as_text=True)
    assert page.count("<form") - page.count('class="take-break"') - page.count('action="/logout"') == 1
    assert 'name="attempt" value="1"' in page and "attempt 1 of 2" in page
    assert "Question 1:" in page and "Question 2:" in page and "Submit answers" in page
    assert "Correct." not in page and "Your result" not in page


def test_failing_then_passing_shows_results_and_attempts(client, started, session):
    response = _submit(client, 1, NONE_RIGHT)
    # No #result: browsers skip autofocus on a page opened at a fragment, and the result takes the focus.
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{URL}?submitted=1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Attempt 1: 0 of 2 right (0%)" in page and "The pass mark is 50%" in page
    assert "Not a pass this time" in page and "attempt 2 of 2" in page
    assert 'name="attempt" value="2"' in page
    _submit(client, 2, RIGHT)
    page = client.get(URL).get_data(as_text=True)
    assert "Attempt 2: 2 of 2 right (100%)" in page and "You passed" in page
    assert "All your attempts" in page and "Submit answers" not in page


def test_the_result_takes_the_focus_right_after_submitting(client, started):
    """Opened without a #fragment, the verdict is focused (autofocus) and so read out; a later visit is not."""
    response = _submit(client, 1, NONE_RIGHT)
    assert "#" not in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<div class="feedback incorrect" tabindex="-1" autofocus>' in page
    assert "autofocus" not in client.get(URL).get_data(as_text=True)


def test_a_half_answered_assessment_gets_one_summary_linking_to_each_question_left(client, started):
    """The error summary pattern: one focused alert at the top, a link to each question's first choice."""
    response = client.post(f"{URL}/assessment", data={"csrf_token": csrf_token(client, URL), "attempt": "1",
                                                     "q-a-one": "1"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = page.split('<div class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'role="alert"' in summary and "autofocus" in summary
    assert "Please check 1 question below before submitting." in summary
    first = re.search(r'<input type="radio" name="q-a-two" id="(q-a-two-\d)"', page).group(1)
    assert f'<a href="#{first}">Question 2: Choose an answer first.</a>' in summary
    assert "Question 1:" not in summary
    unanswered = re.findall(r'<input type="radio" name="q-a-two"[^>]*>', page)
    answered = re.findall(r'<input type="radio" name="q-a-one"[^>]*>', page)
    assert unanswered and all('aria-invalid="true"' in i for i in unanswered)
    assert answered and not any("aria-invalid" in i for i in answered)
    assert page.count('role="alert"') == 1  # the summary alone is announced, not each question's message too
    assert '<p class="error" id="q-a-two-error">Choose an answer first.</p>' in page


def test_running_out_of_attempts_is_said_kindly(client, started):
    _submit(client, 1, NONE_RIGHT)
    _submit(client, 2, NONE_RIGHT)
    page = client.get(URL).get_data(as_text=True)
    assert "used all your attempts" in page and "talk to your trainer" in page
    assert "Submit answers" not in page
    response = _submit(client, 3, RIGHT, token=csrf_token(client, "/courses/listening"))
    assert "used all 2 attempts" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_double_submit_makes_one_attempt(client, started, session):
    token = csrf_token(client, URL)
    first = _submit(client, 1, NONE_RIGHT, token)
    second = _submit(client, 1, NONE_RIGHT, token)
    assert first.status_code == second.status_code == 303
    assert _count(session) == 1
    # A double click sends the same answers: nothing to say.
    assert "were not counted" not in client.get(URL).get_data(as_text=True)


def test_the_same_attempt_sent_again_from_another_tab_says_its_answers_were_not_counted(client, started, session):
    """Tab A passes; tab B, still showing attempt 1, sends other answers: it must not look as if they passed."""
    token = csrf_token(client, URL)
    _submit(client, 1, RIGHT, token)
    _submit(client, 1, NONE_RIGHT, token)
    page = client.get(URL).get_data(as_text=True)
    assert ("Attempt 1 had already been submitted, in another tab or window, so these answers were not counted. "
            "Below is your latest result.") in page
    assert "Attempt 1: 2 of 2 right (100%)" in page and _count(session) == 1


def test_assessment_refusals_are_in_the_readers_language(client, started):
    client.get("/language/cy")
    token = csrf_token(client, URL)
    incomplete = client.post(f"{URL}/assessment", data={"csrf_token": token, "attempt": "1", "q-a-one": "1"})
    assert "Gwiriwch 1 cwestiwn isod cyn cyflwyno." in incomplete.get_data(as_text=True)
    stale = _submit(client, 2, RIGHT, token)
    assert ("Roedd y ffurflen hon wedi dyddio, felly ni chyflwynwyd dim."
            in client.get(stale.headers["Location"]).get_data(as_text=True))


@pytest.mark.parametrize("data, message", [
    ({"attempt": "x", "q-a-one": "1", "q-a-two": "0"}, "nothing was submitted"),
    ({"q-a-one": "1", "q-a-two": "0"}, "nothing was submitted"),
    ({"attempt": "1", "q-a-one": "1"}, "Please check 1 question"),
    ({"attempt": "1", "q-a-one": "abc", "q-a-two": "99"}, "Please check 2 questions"),
    ({"attempt": "1", "q-a-one": "²", "q-a-two": "0"}, "Please check 1 question"),
    ({"attempt": "²", "q-a-one": "1", "q-a-two": "0"}, "nothing was submitted"),
])
def test_malformed_assessment_forms_get_a_clear_message(client, started, session, data, message):
    data["csrf_token"] = csrf_token(client, URL)
    response = client.post(f"{URL}/assessment", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(session) == 0


def test_answers_are_kept_when_the_form_comes_back(client, started):
    response = client.post(f"{URL}/assessment", data={"csrf_token": csrf_token(client, URL), "attempt": "1",
                                                     "q-a-one": "1"})
    page = response.get_data(as_text=True)
    assert 'id="q-a-one-1" value="1" checked' in page
    assert 'aria-describedby="q-a-two-error"' in page and "Choose an answer first." in page


def test_two_app_instances_submitting_the_same_attempt_make_one(app, client, started, session):
    """Two workers (app instances) receive the same form at once: one attempt is recorded."""
    from lms import create_app

    other_app = create_app(dict(app.config), instance_path=app.instance_path)
    other = other_app.test_client()
    # The same browser session on both workers: copy the login cookie across.
    for cookie in client._cookies.values():
        other.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost", path=cookie.path)
    token = csrf_token(client, URL)
    barrier = threading.Barrier(2)
    statuses = []

    def post(c):
        barrier.wait(5)
        statuses.append(_submit(c, 1, NONE_RIGHT, token).status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in (client, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [303, 303]
    assert _count(session) == 1


def test_a_trainer_lets_a_trainee_out_of_attempts_take_the_course_again(client, session, users, started):
    """The out-of-attempts page sends the trainee to their trainer; the trainer, only they, can give a fresh take."""
    from lms.admin.models import AuditEntry
    from tests.factories import join, make_cohort

    trainer = users.create(role="trainer", display_name="Tess Trainer")
    cohort = make_cohort(session, trainer, courses=("listening",))
    join(session, cohort, started)
    _submit(client, 1, NONE_RIGHT)
    # Not yet out of attempts: nothing to give back, even by hand.
    users.logout()
    users.login(trainer)
    record_url = f"/trainer/cohorts/{cohort.id}/trainees/{started.id}"
    restart = f"{record_url}/courses/listening/restart"
    assert "Let them take it again" not in client.get(record_url).get_data(as_text=True)
    early = client.post(restart, data={"csrf_token": csrf_token(client, record_url)}, follow_redirects=True)
    assert "still has attempts left" in early.get_data(as_text=True)
    users.logout()
    users.login(started)
    _submit(client, 2, NONE_RIGHT)
    # The trainee cannot start again on their own.
    assert client.post(restart, data={"csrf_token": csrf_token(client, URL)}).status_code == 403
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 1
    users.logout()
    users.login(trainer)
    record = client.get(record_url).get_data(as_text=True)
    assert "has used every attempt at this course’s assessment without passing" in record
    assert "Their last attempt showed them the right answers, and a new take asks the same questions again" in record
    done = client.post(restart, data={"csrf_token": csrf_token(client, record_url)}, follow_redirects=True)
    assert "they can take “Listening basics” again, with every attempt" in done.get_data(as_text=True)
    assert "Let them take it again" not in done.get_data(as_text=True)
    session.expire_all()
    assert [e.cycle for e in session.scalars(select(Enrolment).order_by(Enrolment.cycle))] == [1, 2]
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.action == "course.restarted"))
    # The trainee has a fresh take: the assessment is open again at attempt 1.
    users.logout()
    users.login(started)
    page = client.get(URL).get_data(as_text=True)
    assert 'name="attempt" value="1"' in page and "Submit answers" in page
