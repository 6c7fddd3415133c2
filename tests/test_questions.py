"""Practice questions: parsing, feedback, retry, step completion, double submits (FORMAT.md §3.1-3.2)."""
import re
import threading

import pytest
from sqlalchemy import func, select

from lms.catalog.services import catalog
from lms.core.db import db
from lms.core.services import ServiceError
from lms.learning import progress, questions
from lms.learning.models import QuestionAnswer, StepProgress
from tests.conftest import csrf_token


def _course(app, course_id="listening"):
    with app.app_context():
        return catalog().course(course_id)


def _question(course, step_id, question_id):
    return next(q for q in course.step(step_id).questions if q.id == question_id)


# -- the service ---------------------------------------------------------------------

def test_parse_selection_accepts_valid_choices_and_explains_the_rest(app):
    course = _course(app)
    single, multi = _question(course, "welcome", "q-reflect"), _question(course, "practice", "q-multi")
    assert questions.parse_selection(single, ["1"]) == [1]
    assert questions.parse_selection(multi, ["2", "0", "2"]) == [0, 2]
    for values, message in (([], "Choose an answer first."), (["abc"], "not one of the choices"),
                            (["99"], "not one of the choices"), (["-1"], "not one of the choices"),
                            (["١"], "not one of the choices"), (["0", "1"], "only one answer")):
        with pytest.raises(ServiceError, match=message):
            questions.parse_selection(single, values)
    with pytest.raises(ServiceError, match="at least one"):
        questions.parse_selection(multi, [])


def test_a_wrong_answer_is_recorded_and_can_be_retried(app, users, session):
    user = users.create()
    course = _course(app)
    step = course.step("welcome")
    question = step.questions[0]
    enrolment = progress.enrol(session, user.id, course)
    wrong = questions.answer(session, enrolment, course, step, question, [0])
    assert not wrong.answer.correct and wrong.answer.tries == 1 and wrong.answer.first_correct_at is None
    assert not wrong.step_completed
    right = questions.answer(session, enrolment, course, step, question, [1])
    assert right.answer.id == wrong.answer.id
    assert right.answer.correct and right.answer.tries == 2 and right.answer.first_correct_at is not None
    assert right.step_completed  # the reflection in the step does not hold it back
    first_correct = right.answer.first_correct_at
    again = questions.answer(session, enrolment, course, step, question, [0])
    session.commit()
    assert not again.answer.correct and again.answer.first_correct_at == first_correct
    assert session.scalar(select(func.count()).select_from(QuestionAnswer)) == 1
    assert progress.course_progress(session, user.id, course).completed_steps == {"welcome"}


def test_select_all_that_apply_needs_every_right_choice_and_no_wrong_one(app, users, session):
    user = users.create()
    course = _course(app)
    step = course.step("practice")
    question = step.questions[0]
    assert question.multiple
    enrolment = progress.enrol(session, user.id, course)
    assert not questions.answer(session, enrolment, course, step, question, [0]).answer.correct
    assert not questions.answer(session, enrolment, course, step, question, [0, 1, 2]).answer.correct
    outcome = questions.answer(session, enrolment, course, step, question, [2, 0])
    assert outcome.answer.correct and outcome.answer.selected == [0, 2] and outcome.step_completed


def test_assessment_questions_cannot_be_answered_one_by_one(app, users, session):
    user = users.create()
    course = _course(app)
    step = course.step("assessment")
    enrolment = progress.enrol(session, user.id, course)
    with pytest.raises(ServiceError, match="answered together"):
        questions.answer(session, enrolment, course, step, step.questions[0], [1])


def test_progress_survives_a_question_being_removed(app, users, session):
    """Answers are keyed by question id: an answer to a question that is gone does no harm."""
    user = users.create()
    course = _course(app)
    enrolment = progress.enrol(session, user.id, course)
    session.add(QuestionAnswer(enrolment_id=enrolment.id, step_id="welcome", question_id="gone", selected=[0],
                               correct=True, tries=1))
    session.flush()
    assert "gone" not in questions.answers_for_step(session, enrolment.id, course.step("welcome"))
    assert not questions.all_answered_correctly(session, enrolment.id, course.step("welcome"))


def test_concurrent_answers_make_one_row_and_count_every_try(app, users, session):
    user = users.create()
    course = _course(app)
    step = course.step("welcome")
    enrolment = progress.enrol(session, user.id, course)
    session.commit()
    enrolment_id = enrolment.id
    barrier = threading.Barrier(4)
    errors = []

    def submit(selected):
        try:
            with app.app_context():
                barrier.wait(5)
                mine = db.session.get(type(enrolment), enrolment_id)
                questions.answer(db.session, mine, course, step, step.questions[0], selected)
                db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            db.session.remove()

    threads = [threading.Thread(target=submit, args=([i % 2],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    session.expire_all()
    rows = session.scalars(select(QuestionAnswer)).all()
    assert len(rows) == 1 and rows[0].tries == 4 and rows[0].first_correct_at is not None
    assert session.scalar(select(func.count()).select_from(StepProgress).where(
        StepProgress.completed_at.is_not(None))) == 1


# -- through the pages ------------------------------------------------------------------

URL = "/courses/listening/steps/welcome"


def _answer(client, choices, question="q-reflect", step_url=URL):
    token = csrf_token(client, step_url)
    return client.post(f"{step_url}/questions/{question}", data={"csrf_token": token, "choice": choices})


def test_answering_shows_per_choice_feedback_and_try_again(client, started):
    page = client.get(URL).get_data(as_text=True)
    assert 'type="radio" name="choice"' in page and "Check answer" in page
    response = _answer(client, "0")
    # No #fragment (browsers skip autofocus there): the feedback of the question just answered takes the focus.
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{URL}?answered=q-reflect")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<div class="feedback incorrect" tabindex="-1" autofocus>' in page
    assert 'tabindex="-1" autofocus' not in client.get(URL).get_data(as_text=True)  # only right after answering
    assert "Not quite." in page and "Too quick to reassure." in page and "Not right:" in page
    assert "Try again" in page
    _answer(client, "1")
    page = client.get(URL).get_data(as_text=True)
    assert "Correct." in page and "naming the feeling shows you heard" in page
    assert "Try again" not in page and "Check answer" not in page


def test_select_all_page_uses_checkboxes(client, started):
    url = "/courses/listening/steps/practice"
    page = client.get(url + "?notes=continue").get_data(as_text=True)
    assert 'type="checkbox" name="choice"' in page and "Select all that apply." in page
    _answer(client, ["0", "2"], question="q-multi", step_url=url)
    page = client.get(url).get_data(as_text=True)
    assert "Correct." in page and "Done" in page


@pytest.mark.parametrize("choices, message", [
    ("abc", "not one of the choices"), ("99", "not one of the choices"), ([], "Choose an answer first."),
    (["0", "1"], "Choose only one answer"),
])
def test_malformed_answers_get_a_clear_message(client, started, session, choices, message):
    response = _answer(client, choices)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(QuestionAnswer)) == 0


def test_an_answer_not_chosen_marks_the_choices_and_says_so_in_the_question(client, started):
    page = _answer(client, []).get_data(as_text=True)
    choices = re.findall(r'<input type="radio" name="choice"[^>]*>', page)
    assert choices and all('aria-invalid="true"' in c for c in choices)
    # The one-field form's own message, focused and announced there (no summary at the top of a long step).
    assert '<p class="error" id="q-q-reflect-error" role="alert" tabindex="-1" autofocus>Choose an answer first.' \
        in page
    assert "aria-invalid" not in client.get(URL).get_data(as_text=True)


def test_each_practice_question_is_a_region_named_by_its_own_question(client, started):
    """axe landmark-unique: a step with several practice questions must not repeat one name."""
    page = client.get(URL).get_data(as_text=True)
    assert 'aria-label="Practice question"' not in page
    assert '<section class="question card" id="q-q-reflect" aria-labelledby="q-q-reflect-kind q-q-reflect-prompt">' \
        in page
    assert '<span id="q-q-reflect-kind" hidden>Practice question</span>' in page
    assert 'id="q-q-reflect-prompt">Which reply reflects what the member said?</span></legend>' in page


def test_the_same_answer_posted_twice_keeps_one_row(client, started, session):
    token = csrf_token(client, URL)
    for _ in range(2):
        client.post(f"{URL}/questions/q-reflect", data={"csrf_token": token, "choice": "1"})
    assert session.scalar(select(func.count()).select_from(QuestionAnswer)) == 1
    assert session.scalar(select(func.count()).select_from(StepProgress).where(
        StepProgress.completed_at.is_not(None))) == 1


def test_answers_are_per_trainee(client, started, users, session):
    _answer(client, "1")
    users.logout()
    other = users.create()
    users.login(other)
    client.post("/courses/listening/start", data={"csrf_token": csrf_token(client, "/courses/listening")})
    page = client.get(URL).get_data(as_text=True)
    assert "Correct." not in page and "Check answer" in page
