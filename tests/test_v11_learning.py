"""Format v1.1 on the learning side (FORMAT.md §7.1, 7.2, 7.7, 7.8): services on both databases, then pages."""
import dataclasses
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.catalog.services import catalog
from lms.cohorts.models import Cohort, CohortCourse, CohortMember, CohortTrainer
from lms.content.course import RESPONSE_MAX_CHARS
from lms.core.services import ServiceError
from lms.learning import assessments, confirmations, progress, questions, responses
from lms.learning.models import AssessmentAttempt, AssessmentDraw, ResponseEntry
from tests.conftest import csrf_token
from tests.factories import assert_completed_steps_exact

V11 = Path(__file__).parent / "fixtures" / "v11"
RIGHT = {"c-secret": [4], "c-lead": [0], "c-break": [1], "c-tone": [0]}


@pytest.fixture
def content_dir() -> Path:
    return V11


def _course(app):
    with app.app_context():
        return catalog().course("safety")


@pytest.fixture
def setup(app, users, session):
    user = users.create()
    course = _course(app)
    return user, course, progress.enrol(session, user.id, course)


def _cohort(session, trainee, trainer):
    cohort = Cohort(name="Spring")
    session.add(cohort)
    session.flush()
    session.add_all([CohortMember(cohort_id=cohort.id, user_id=trainee.id),
                     CohortTrainer(cohort_id=cohort.id, user_id=trainer.id)])
    session.flush()
    return cohort


# -- 7.1 shuffled choices -----------------------------------------------------------------

def test_practice_order_is_stable_per_trainee_pinned_choice_in_place(setup):
    user, course, _ = setup
    step = course.step("practice")
    question = step.questions[0]
    mine = questions.shown_choices(step, question, user.id, course.id)
    assert mine == questions.shown_choices(step, question, user.id, course.id)
    assert mine[-1].pin and mine[-1].index == 4
    others = {tuple(c.index for c in questions.shown_choices(step, question, uid, course.id)) for uid in range(1, 30)}
    assert len(others) > 3  # not the file order for everyone
    fixed = dataclasses.replace(step, shuffle=False)
    assert questions.shown_choices(fixed, question, user.id, course.id) == question.choices


def test_a_draw_is_made_once_per_attempt_and_anew_for_the_next(setup, session):
    _, course, enrolment = setup
    step = course.step("assessment")
    first = assessments.prepare(session, enrolment, step).draw
    again = assessments.prepare(session, enrolment, step).draw
    assert first is not None and again.id == first.id and again.question_ids == first.question_ids
    assert len(first.question_ids) == 3 and "c-secret" in first.question_ids  # pool: 3, critical always in
    assert session.scalar(select(func.count()).select_from(AssessmentDraw)) == 1
    shown = assessments.drawn_questions(step, first)
    orders = [tuple(c.index for c in assessments.shown_choices(step, q, first)) for q in shown]
    assert orders == [tuple(c.index for c in assessments.shown_choices(step, q, again)) for q in shown]
    wrong = {q.id: [next(c.index for c in q.choices if not c.correct)] for q in shown}
    outcome = assessments.submit(session, enrolment, course, step, 1, wrong)
    assert outcome.attempt.draw_id == first.id and set(outcome.attempt.answers) == set(first.question_ids)
    second = assessments.prepare(session, enrolment, step).draw
    assert second.number == 2 and second.id != first.id
    assert assessments.choice_seed(second.id, "c-secret") != assessments.choice_seed(first.id, "c-secret")


def test_pool_draws_vary_and_always_hold_the_critical_question(setup):
    import random

    _, course, _ = setup
    step = course.step("assessment")
    draws = {tuple(assessments.draw_question_ids(step, random.Random(n))) for n in range(40)}
    assert len(draws) == 3 and all("c-secret" in d and len(d) == 3 for d in draws)
    assert assessments.draw_question_ids(dataclasses.replace(step, pool=None)) == [q.id for q in step.questions]


def test_a_submission_without_a_draw_is_refused_clearly(setup, session):
    _, course, enrolment = setup
    step = course.step("assessment")
    with pytest.raises(ServiceError, match="out of date"):
        assessments.submit(session, enrolment, course, step, 1, RIGHT)  # the form was never shown
    assessments.prepare(session, enrolment, step)
    with pytest.raises(ServiceError, match="out of date"):
        assessments.submit(session, enrolment, course, step, 2, RIGHT)  # a forged number
    assert session.scalar(select(func.count()).select_from(AssessmentAttempt)) == 0


def test_answers_are_stored_by_file_index_not_shown_position(setup, session):
    _, course, enrolment = setup
    step = dataclasses.replace(course.step("assessment"), pool=None)
    draw = assessments.prepare(session, enrolment, step).draw
    attempt = assessments.submit(session, enrolment, course, step, 1, RIGHT).attempt
    assert attempt.answers == RIGHT and attempt.passed
    # The right choice of c-secret is the fifth in the file, whatever place it was shown in.
    shown = assessments.shown_choices(step, step.questions[0], draw)
    assert sorted(c.index for c in shown) == [0, 1, 2, 3, 4] and next(c for c in shown if c.correct).index == 4


# -- 7.2 critical questions and reveal ------------------------------------------------------

def test_a_missed_critical_question_fails_a_good_score(setup, session):
    _, course, enrolment = setup
    step = dataclasses.replace(course.step("assessment"), pool=None)
    assessments.prepare(session, enrolment, step)
    answers = dict(RIGHT, **{"c-secret": [0]})
    attempt = assessments.submit(session, enrolment, course, step, 1, answers).attempt
    assert attempt.score_percent == 75 and attempt.pass_mark == 50
    assert not attempt.passed and attempt.critical_missed == ["c-secret"]
    assert enrolment.completed_at is None


def test_reveal_mistakes_hides_answers_until_passed_or_out_of_attempts(setup, session):
    _, course, enrolment = setup
    step = dataclasses.replace(course.step("assessment"), pool=None, attempts=2)
    wrong = dict(RIGHT, **{"c-lead": [1], "c-break": [0], "c-tone": [1]})  # 25%: not a pass
    assessments.prepare(session, enrolment, step)
    assessments.submit(session, enrolment, course, step, 1, wrong)
    assert not assessments.state(session, enrolment.id, step).reveals_answers
    answers_step = dataclasses.replace(step, reveal="answers")
    assert assessments.state(session, enrolment.id, answers_step).reveals_answers
    assessments.prepare(session, enrolment, step)
    assessments.submit(session, enrolment, course, step, 2, wrong)
    assert assessments.state(session, enrolment.id, step).reveals_answers  # no attempts left


# -- 7.7 responses --------------------------------------------------------------------------

def test_a_response_without_review_completes_with_the_questions(setup, session):
    _, course, enrolment = setup
    step = course.step("practice")
    outcome = responses.submit(session, enrolment, course, step, step.responses[0], "Hello, I am here.")
    assert not outcome.step_completed  # the question is not answered yet
    answer = questions.answer(session, enrolment, course, step, step.questions[0], [2])
    assert answer.step_completed
    assert "practice" in progress.completed_step_ids(session, enrolment.id)


def test_responses_are_limited_and_never_empty(app, setup, session):
    _, course, enrolment = setup
    step = course.step("written")
    with app.app_context(), pytest.raises(ServiceError, match=f"under {RESPONSE_MAX_CHARS:,} characters"):
        responses.submit(session, enrolment, course, step, step.responses[0], "x" * (RESPONSE_MAX_CHARS + 1))
    with pytest.raises(ServiceError, match="nothing to send"):
        responses.submit(session, enrolment, course, step, step.responses[0], "   ")
    assert responses.submit(session, enrolment, course, step, step.responses[0], "x" * RESPONSE_MAX_CHARS).entry.id


def test_a_reviewed_response_completes_only_when_a_trainer_accepts_it(setup, session, users):
    trainee, course, enrolment = setup
    trainer, stranger, admin = users.create("trainer"), users.create("trainer"), users.create("admin")
    _cohort(session, trainee, trainer)
    step = course.step("written")
    entry = responses.submit(session, enrolment, course, step, step.responses[0], "Are you thinking of suicide?").entry
    assert entry.status == "submitted" and "written" not in progress.completed_step_ids(session, enrolment.id)
    state = progress.course_progress(session, trainee.id, course)
    assert state.waiting_line(step) == "Waiting for a trainer to review your response"
    assert state.next_step.id == "practice"
    with pytest.raises(ServiceError, match="cohort trainers"):
        responses.mark_response(session, entry, stranger, "meets_standard", course=course)
    with pytest.raises(ServiceError, match="Say what to change"):
        responses.mark_response(session, entry, trainer, "try_again", "", course=course)
    with pytest.raises(ServiceError, match="meets the standard or"):
        responses.mark_response(session, entry, trainer, "great", "", course=course)
    responses.mark_response(session, entry, trainer, "try_again", "Ask more directly.", course=course)
    assert progress.course_progress(session, trainee.id, course).waiting_line(step) is None  # the trainee's turn
    entry = responses.submit(
        session, enrolment, course, step, step.responses[0], "Are you thinking of killing yourself?",
    ).entry
    assert entry.status == "submitted" and entry.reviewer_comment == "Ask more directly."
    responses.mark_response(session, entry, trainer, "meets_standard", "Clear and kind.", course=course)
    assert entry.reviewer_id == trainer.id and entry.reviewed_at is not None
    assert "written" in progress.completed_step_ids(session, enrolment.id)
    with pytest.raises(ServiceError, match="already accepted"):
        responses.submit(session, enrolment, course, step, step.responses[0], "changed")
    assert responses.may_review(session, admin, trainee.id)


# -- 7.8 trainer confirmation -----------------------------------------------------------------

def test_a_confirmation_step_waits_for_a_trainer(setup, session, users):
    trainee, course, enrolment = setup
    step = course.step("shift")
    trainer, other = users.create("trainer"), users.create("trainee")
    _cohort(session, trainee, trainer)
    with pytest.raises(ServiceError, match="not confirmed by a trainer"):
        confirmations.mark_ready(session, enrolment, course.step("practice"))
    confirmations.mark_ready(session, enrolment, step)
    confirmations.mark_ready(session, enrolment, step)  # idempotent
    state = progress.course_progress(session, trainee.id, course)
    assert state.waiting_line(step) == "Waiting for a trainer to confirm" and "shift" not in state.completed_steps
    with pytest.raises(ServiceError, match="cohort trainers"):
        confirmations.confirm_step(session, enrolment, course, step, other, "ok")
    row, course_done = confirmations.confirm_step(session, enrolment, course, step, trainer, "Well handled.")
    assert row.status == "confirmed" and row.confirmed_by_id == trainer.id and row.note == "Well handled."
    assert not course_done and "shift" in progress.completed_step_ids(session, enrolment.id)
    with pytest.raises(ServiceError, match="already been confirmed"):
        confirmations.confirm_step(session, enrolment, course, step, trainer)


def test_the_last_confirmation_completes_the_course(setup, session, users):
    trainee, course, enrolment = setup
    trainer = users.create("trainer")
    _cohort(session, trainee, trainer)
    practice, written, assessment = course.step("practice"), course.step("written"), course.step("assessment")
    responses.submit(session, enrolment, course, practice, practice.responses[0], "Hi.")
    questions.answer(session, enrolment, course, practice, practice.questions[0], [2])
    entry = responses.submit(session, enrolment, course, written, written.responses[0], "Are you safe?").entry
    responses.mark_response(session, entry, trainer, "meets_standard", course=course)
    draw = assessments.prepare(session, enrolment, assessment).draw
    assert assessments.submit(session, enrolment, course, assessment, 1,
                              {q: RIGHT[q] for q in draw.question_ids}).attempt.passed
    assert enrolment.completed_at is None
    assert progress.course_progress(session, trainee.id, course).next_step.id == "shift"
    _, course_done = confirmations.confirm_step(session, enrolment, course, course.step("shift"), trainer)
    assert course_done and enrolment.completed_at is not None
    # Questions, responses, a trainer's review, an assessment and a confirmation each completed a step: each is
    # on the enrolment's list of completed steps, which sorts the cohort's progress table.
    assert_completed_steps_exact(session)
    assert {s.id for s in course.required_steps} <= progress.completed_step_ids(session, enrolment.id)


# -- pages ------------------------------------------------------------------------------------

@pytest.fixture
def started(client, users):
    user = users.create()
    users.login(user)
    client.post("/courses/safety/start", data={"csrf_token": csrf_token(client, "/courses/safety")})
    return user


VALUES = re.compile(r'name="q-(c-[a-z]+)" id="q-c-[a-z]+-\d" value="(\d)"')
ASSESSMENT = "/courses/safety/steps/assessment"


def _shown(page: str) -> dict[str, list[str]]:
    shown: dict[str, list[str]] = {}
    for qid, value in VALUES.findall(page):
        shown.setdefault(qid, []).append(value)
    return shown


def test_practice_page_shows_this_trainees_order_with_file_indexes(client, started):
    page = client.get("/courses/safety/steps/practice").get_data(as_text=True)
    values = re.findall(r'name="choice" id="q-p-first-\d" value="(\d)"', page)
    assert sorted(values) == ["0", "1", "2", "3", "4"] and values[-1] == "4"
    again = client.get("/courses/safety/steps/practice").get_data(as_text=True)
    assert re.findall(r'name="choice" id="q-p-first-\d" value="(\d)"', again) == values


def test_assessment_order_stable_on_reload_critical_miss_and_reveal(client, started, session):
    first = client.get(ASSESSMENT).get_data(as_text=True)
    shown = _shown(first)
    assert len(shown) == 3 and "c-secret" in shown
    assert _shown(client.get(ASSESSMENT).get_data(as_text=True)) == shown
    data = {"csrf_token": csrf_token(client, ASSESSMENT), "attempt": "1"}
    data.update({f"q-{q}": str(RIGHT[q][0]) for q in shown})
    data["q-c-secret"] = "0"
    assert client.post(f"{ASSESSMENT}/assessment", data=data).status_code == 303
    page = client.get(ASSESSMENT).get_data(as_text=True)
    assert "Your score reached the pass mark, but some questions must be right to pass." in page
    assert "must be right to pass, and it was not:" in page and "Do you promise to keep a secret about risk?" in page
    assert "The right answers are not shown yet" in page
    assert "The right answer:" not in page and "Right:" not in page and "Not right:" not in page
    assert "You chose:" in page
    assert 'name="attempt" value="2"' in page


def test_a_forged_attempt_number_gets_a_clear_message(client, started, session):
    client.get(ASSESSMENT)
    data = {"csrf_token": csrf_token(client, ASSESSMENT), "attempt": "2"}
    data.update({f"q-{q}": str(i[0]) for q, i in RIGHT.items()})
    response = client.post(f"{ASSESSMENT}/assessment", data=data, follow_redirects=True)
    assert "This form was out of date, so nothing was submitted." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(AssessmentAttempt)) == 0


def test_response_page_says_trainers_read_it_keeps_long_text_then_shows_guidance(client, started, session):
    url = "/courses/safety/steps/written"
    page = client.get(url).get_data(as_text=True)
    assert "Your group’s trainers will read this, unlike a reflection." in page
    assert "A good message notices" not in page
    long = "y" * (RESPONSE_MAX_CHARS + 1)
    response = client.post(f"{url}/responses/first-message", data={"csrf_token": csrf_token(client, url), "text": long})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and f"under {RESPONSE_MAX_CHARS:,} characters" in body and long in body
    response = client.post(f"{url}/responses/first-message",
                           data={"csrf_token": csrf_token(client, url), "text": "Are you safe tonight?"})
    assert response.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "A good message notices" in page and "Are you safe tonight?" in page
    assert "Waiting for a trainer to review your response" in page
    assert session.scalar(select(ResponseEntry.status)) == "submitted"
    course_page = client.get("/courses/safety").get_data(as_text=True)
    assert "Waiting for a trainer to review your response" in course_page


def test_a_break_keeps_an_unsent_response_as_a_private_draft_until_it_is_sent(app, client, started, session, users):
    """Without JavaScript "Take a break" sends the response form: its words are kept, not sent, shown again in
    the box, read by no trainer, encrypted at rest, and gone once the response is sent."""
    from sqlalchemy import text

    from lms.core.crypto import TOKEN_PREFIX
    from lms.learning.models import ResponseDraft

    url = "/courses/safety/steps/written"
    page = client.get(url).get_data(as_text=True)
    assert f'form="response-form-first-message" formaction="{url}/break"' in page and 'id="break-hint"' not in page
    words = "Hi, I read your post tonight.\r\nAre you safe right now?"
    kept = client.post(f"{url}/break", data={"csrf_token": csrf_token(client, url), "response_id": "first-message",
                                             "text": words}, follow_redirects=True)
    assert "Your place and what you had written or chosen are saved." in kept.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ResponseEntry)) == 0  # not sent
    assert session.scalars(select(ResponseDraft.text)).one() == words.replace("\r\n", "\n")
    assert session.scalar(text("SELECT text FROM response_drafts")).startswith(TOKEN_PREFIX)
    page = client.get(url).get_data(as_text=True)
    assert "Not sent yet: these are the words you were writing when you took a break." in page
    assert "Are you safe right now?</textarea>" in page and 'aria-describedby="response-first-message-hint ' \
        'response-first-message-draft"' in page

    trainer = users.create(role="trainer")
    cohort = _cohort(session, started, trainer)
    session.add(CohortCourse(cohort_id=cohort.id, course_id="safety"))
    session.commit()
    users.logout()
    users.login(trainer)
    record = f"/trainer/cohorts/{cohort.id}/trainees/{started.id}"
    for staff_page in ("/trainer/reviews", "/trainer/needs-you", record):
        shown = client.get(staff_page)
        assert shown.status_code == 200 and "Are you safe right now?" not in shown.get_data(as_text=True), staff_page
    assert "First message" in client.get(record).get_data(as_text=True)  # the step is listed, without the draft

    users.logout()
    users.login(started)
    too_long = "y" * (RESPONSE_MAX_CHARS + 1)
    refused = client.post(f"{url}/break", data={"csrf_token": csrf_token(client, url),
                                                "response_id": "first-message", "text": too_long})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and f"That is too long to send: please keep it under {RESPONSE_MAX_CHARS:,} " \
        "characters." in body and too_long in body
    # Escape sequences and bells would reach the trainer's page, e-mails and exports: refused, the words kept.
    control = client.post(f"{url}/responses/first-message",
                          data={"csrf_token": csrf_token(client, url), "text": "Are you \x1b[2J\x07safe?"})
    assert control.status_code == 400
    assert "Your response contains characters that cannot be shown." in control.get_data(as_text=True)
    sent = client.post(f"{url}/responses/first-message",
                       data={"csrf_token": csrf_token(client, url), "text": "Are you safe right now?"})
    assert sent.status_code == 303
    assert session.scalar(select(func.count()).select_from(ResponseDraft)) == 0
    assert "Not sent yet" not in client.get(url).get_data(as_text=True)


def test_a_trainee_marks_a_practical_step_ready_and_sees_it_waiting(client, started, session, users):
    url = "/courses/safety/steps/shift"
    page = client.get(url).get_data(as_text=True)
    assert "Moderate one evening shift" in page and "Mark as done" not in page
    response = client.post(f"{url}/ready", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "Waiting for a trainer to confirm" in page and "Ready for a trainer to confirm" not in page
    assert "Waiting for a trainer to confirm" in client.get("/courses/safety").get_data(as_text=True)
    # In Welsh, the step's badge is in Welsh too.
    session.get(User, started.id).language = "cy"
    session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Yn aros i hyfforddwr gadarnhau" in page and "Waiting for a trainer to confirm" not in page
    session.get(User, started.id).language = None
    session.commit()
    # A reading step's "done" button does not complete it either.
    client.post(f"{url}/done", data={"csrf_token": csrf_token(client, url)})
    assert "shift" not in progress.completed_step_ids(
        session, progress.latest_enrolment(session, started.id, "safety").id)
