"""Trainee pages through the real stack: catalogue, course, steps, break, my training."""
import re

import pytest
from sqlalchemy import func, select

from lms.learning.forms import UNKNOWN_AUDIENCE
from lms.learning.models import Enrolment, StepProgress
from tests.conftest import csrf_token
from tests.factories import assert_completed_steps_exact


@pytest.fixture
def trainee(users):
    user = users.create(display_name="Owl")
    users.login(user)
    return user


def _start(client, course_id="listening"):
    token = csrf_token(client, f"/courses/{course_id}")
    return client.post(f"/courses/{course_id}/start", data={"csrf_token": token})


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_catalogue_lists_courses_with_status_notes_and_prerequisites(client, trainee):
    page = _text(client.get("/courses"))
    assert "Listening basics" in page and "Advanced listening" in page
    assert "A short course for tests." in page
    assert 'Content note:</strong> <span lang="en">suicide' in page
    assert "Complete first:" in page and "not yet" in page
    assert page.count("Not started") == 2
    assert re.search(r"about \d+ minutes?", page)


def test_a_content_note_on_a_card_is_not_a_landmark(client, trainee):
    """axe landmark-unique: one "Content note" landmark per card repeated the name; its first words say what it is."""
    for url in ("/courses", "/play"):
        page = _text(client.get(url))
        assert '<div class="content-note" role="note">' in page, url
        assert 'aria-label="Content note"' not in page and '<aside class="content-note"' not in page, url


def test_catalogue_filters_by_audience_without_javascript(client, trainee):
    moderators = _text(client.get("/courses?audience=moderator"))
    assert ">Advanced listening</a>" in moderators and ">Listening basics</a>" not in moderators
    assert '<option selected value="moderator">' in moderators
    supporters = _text(client.get("/courses?audience=peer-supporter"))
    assert ">Listening basics</a>" in supporters and ">Advanced listening</a>" not in supporters
    assert "There are no courses" in _text(client.get("/courses?audience=everyone"))
    bad = client.get("/courses?audience=<script>")
    assert bad.status_code == 200
    assert str(UNKNOWN_AUDIENCE) in _text(bad) and "Advanced listening" in _text(bad)


def test_catalogue_shows_my_status(client, trainee, session):
    from lms.core.models import utcnow

    _start(client)
    assert "In progress, 0%" in _text(client.get("/courses"))
    session.scalar(select(Enrolment)).completed_at = utcnow()
    session.commit()
    # Listening basics is filtered out for moderators, yet shown as done where it is required.
    page = _text(client.get("/courses?audience=moderator"))
    assert ">Listening basics</a>" not in page and '<span class="badge ok">done</span>' in page


def test_course_page_shows_content_notes_before_starting_with_three_actions(client, trainee):
    page = _text(client.get("/courses/listening"))
    assert "Before you start" in page and "suicide" in page
    assert 'action="/courses/listening/start"' in page
    assert ">Skip for now</a>" in page and 'href="/courses"' in page
    assert ">Get support</a>" in page
    # Steps are not links until the course is started.
    assert 'href="/courses/listening/steps/welcome"' not in page


def test_starting_enrols_once_and_goes_to_the_first_step(client, trainee, session):
    response = _start(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses/listening/steps/welcome")
    _start(client)  # a double click
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 1
    page = _text(client.get("/courses/listening"))
    assert "Continue" not in page or "Start</a>" in page
    assert 'href="/courses/listening/steps/welcome"' in page
    assert "Not done" in page and "Optional" in page


def test_step_without_enrolment_sends_to_course_page(client, trainee):
    response = client.get("/courses/listening/steps/welcome")
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses/listening")


def test_step_page_shows_blocks_progress_and_navigation(client, trainee, session):
    _start(client)
    page = _text(client.get("/courses/listening/steps/welcome"))
    # The optional step is not counted, as on the course page ("of 4 steps").
    assert "Step 1 of 4" in page and '<progress id="step-progress" max="4" value="1">' in page
    assert "Listening is the heart of peer support." in page
    # blocks in order: text, question, reflection, text
    order = [page.index(s) for s in ("Listening is the heart", "Which reply reflects", "What would you find hardest",
                                     "See <a")]
    assert order == sorted(order)
    assert 'href="/courses/listening/steps/practice"' in page and "Next" in page
    assert "Mark as done" not in page  # a step with questions completes itself
    assert "Take a break" in page
    assert session.scalar(select(Enrolment.last_step_id)) == "welcome"


def test_content_note_interstitial_before_a_step(client, trainee, session):
    _start(client)
    page = _text(client.get("/courses/listening/steps/practice"))
    assert "Before “Practice”" in page and "self-harm" in page
    assert "Which are open questions?" not in page
    assert 'href="/courses/listening/steps/roleplay">Skip for now' in page
    assert ">Get support</a>" in page
    assert session.scalar(select(func.count()).select_from(StepProgress)) == 0  # not visited yet
    page = _text(client.get("/courses/listening/steps/practice?notes=continue"))
    assert "Which are open questions?" in page and "Select all that apply." in page
    # Once seen, the note does not stand in the way again.
    assert "Which are open questions?" in _text(client.get("/courses/listening/steps/practice"))


def test_plain_step_is_marked_done_and_continues(client, trainee, session):
    _start(client)
    page = _text(client.get("/courses/listening/steps/optional"))
    assert "Mark as done and continue" in page
    token = csrf_token(client, "/courses/listening/steps/optional")
    response = client.post("/courses/listening/steps/optional/done", data={"csrf_token": token})
    assert response.headers["Location"].endswith("/courses/listening/steps/assessment")
    assert session.scalar(select(StepProgress.completed_at).where(StepProgress.step_id == "optional")) is not None
    page = _text(client.get("/courses/listening/steps/optional"))
    assert "Mark as done" not in page and "Done" in page


def test_mark_done_is_refused_for_a_step_with_questions(client, trainee, session):
    _start(client)
    token = csrf_token(client, "/courses/listening/steps/welcome")
    client.post("/courses/listening/steps/welcome/done", data={"csrf_token": token})
    assert session.scalar(select(StepProgress.completed_at).where(StepProgress.step_id == "welcome")) is None


def test_take_a_break_saves_the_place_and_leaves(client, trainee, session):
    _start(client)
    token = csrf_token(client, "/courses/listening/steps/welcome")
    response = client.post("/courses/listening/steps/roleplay/break", data={"csrf_token": token},
                           follow_redirects=True)
    assert response.request.path == "/my-training"
    assert "Your place is saved" in _text(response)
    assert session.scalar(select(Enrolment.last_step_id)) == "roleplay"
    assert 'href="/courses/listening/steps/roleplay">Continue' in _text(client.get("/my-training"))
    assert "Continue where you left off" in _text(client.get("/courses/listening"))


def test_roleplay_step_offers_the_player(client, trainee):
    _start(client)
    page = _text(client.get("/courses/listening/steps/roleplay"))
    assert "Practise responding to a late-night post." in page
    assert "Role-play: A late post" in page
    # The scenario's briefing: a run started here opens at its first message, so the step is where it is read.
    assert "<h3>Briefing</h3>" in page and "You are the only moderator online." in page
    assert "To pass, reach a good ending with a score of at least 2, without crossing a red line." in page
    if "Start the role-play" in page:
        assert 'action="/play/' in page or "late-post" in page
        assert 'name="course_id" value="listening"' in page and 'name="step_id" value="roleplay"' in page


def test_prerequisites_are_enforced_with_links(client, trainee):
    page = _text(client.get("/courses/advanced"))
    assert "Complete this course first" in page and 'href="/courses/listening"' in page
    assert 'action="/courses/advanced/start"' not in page
    token = csrf_token(client, "/courses/listening")
    response = client.post("/courses/advanced/start", data={"csrf_token": token})
    assert response.status_code == 403 and 'href="/courses/listening"' in _text(response)
    response = client.get("/courses/advanced/steps/only")
    assert response.status_code == 403 and "Listening basics" in _text(response)


def test_unknown_course_and_step_are_friendly_404s(client, trainee):
    _start(client)
    for url in ("/courses/nope", "/courses/nope/steps/welcome", "/courses/listening/steps/nope",
                "/courses/listening/steps/../../etc"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "We could not find that page" in _text(response)
    token = csrf_token(client, "/courses/listening")
    for url in ("/courses/nope/start", "/courses/nope/retake", "/courses/listening/steps/nope/done",
                "/courses/listening/steps/welcome/questions/nope", "/courses/listening/steps/welcome/reflections/nope",
                "/courses/listening/steps/welcome/assessment", "/courses/listening/steps/nope/break",
                "/courses/listening/steps/assessment/questions/a-one"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url


def test_my_training_and_home_show_in_progress_and_completed(client, trainee, session):
    from lms.core.models import utcnow

    assert "Nothing in progress" in _text(client.get("/my-training"))
    _start(client)
    page = _text(client.get("/my-training"))
    assert "Listening basics" in page and "0% done" in page and "Continue" in page
    home = _text(client.get("/home"))
    assert "Hello, Owl" in home and "Listening basics" in home
    session.scalar(select(Enrolment)).completed_at = utcnow()
    session.commit()
    page = _text(client.get("/my-training"))
    assert "No completed courses yet" not in page and "Completed" in page


def test_retake_a_completed_course(client, trainee, session):
    from lms.core.models import utcnow

    _start(client)
    token = csrf_token(client, "/courses/listening")
    response = client.post("/courses/listening/retake", data={"csrf_token": token}, follow_redirects=True)
    assert "once you have completed it" in _text(response)
    session.scalar(select(Enrolment)).completed_at = utcnow()
    session.commit()
    page = _text(client.get("/courses/listening"))
    assert "Take it again" in page
    client.post("/courses/listening/retake", data={"csrf_token": csrf_token(client, "/courses/listening")})
    cycles = session.scalars(select(Enrolment.cycle).order_by(Enrolment.cycle)).all()
    assert cycles == [1, 2]
    client.post("/courses/listening/steps/optional/done",
                data={"csrf_token": csrf_token(client, "/courses/listening/steps/optional")})
    session.expire_all()
    # The new cycle lists its own completed step; the first keeps its own (none here).
    cycles_steps = [e.completed_steps for e in session.scalars(select(Enrolment).order_by(Enrolment.cycle))]
    assert cycles_steps == ["", "[optional]"]
    assert_completed_steps_exact(session)


def test_another_trainees_progress_is_never_shown(app, client, users, session):
    owl = users.create(display_name="Owl")
    users.login(owl)
    _start(client)
    client.get("/courses/listening/steps/welcome")
    users.logout()
    other = users.create(display_name="Lark")
    users.login(other)
    assert "Nothing in progress" in _text(client.get("/my-training"))
    assert "Not started" in _text(client.get("/courses"))
    # Owl's enrolment does not let Lark into the steps.
    assert client.get("/courses/listening/steps/welcome").status_code == 302


def test_each_table_box_is_named_after_its_heading_or_numbered(app):
    """Every table's scrolling box was named "Table": two on a page could not be told apart."""
    from lms.learning.views import scroll_tables

    html = ("<h2>Who to call</h2><p>Day and night.</p><table><tr><td>1</td></tr></table>"
            "<table><tr><td>2</td></tr></table><h3>Rota &amp; cover</h3><table><tr><td>3</td></tr></table>")
    with app.test_request_context():
        boxed = str(scroll_tables(html))
        alone = str(scroll_tables("<table><tr><td>x</td></tr></table>"))
    assert re.findall(r'aria-label="([^"]*)"', boxed) == [
        "Table: Who to call", "Table 2", "Table: Rota &amp; cover"]
    assert 'aria-label="Table"' in alone
    assert boxed.count('<div class="table-wrap" tabindex="0" role="region"') == 3 and boxed.endswith("</div>")
