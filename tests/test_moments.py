"""The moments that matter (issue 14) through the real stack: where Continue leads, what a result says is left,
the course page's order."""
import re

import pytest

from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def trainee(users):
    user = users.create(display_name="Heron")
    users.login(user)
    return user


def _text(response) -> str:
    return response.get_data(as_text=True)


def _submit_right_answers(client):
    url = "/courses/listening/steps/assessment"
    client.get(url)  # the attempt's draw is fixed when its form is shown
    data = {"csrf_token": csrf_token(client, url), "attempt": "1", "q-a-one": "1", "q-a-two": "0"}
    return client.post(f"{url}/assessment", data=data)


def test_a_passed_assessment_with_steps_left_says_what_is_left_and_continue_goes_there(client, trainee, session):
    factories.enrol(session, trainee, steps=("welcome",))
    response = _submit_right_answers(client)
    assert response.status_code == 303
    page = _text(client.get("/courses/listening/steps/assessment"))
    assert "You passed." in page and "The course is not finished yet." in page
    left = page[page.index("The course is not finished yet."):page.index("</ul>", page.index("The course is not finished yet."))]
    assert left.index(">Practice</a>") < left.index(">Role-play</a>")
    assert "Further reading" not in left  # optional
    # Continue (course page and My training) leads to the first unfinished required step, not the passed assessment.
    course_page = _text(client.get("/courses/listening"))
    assert re.search(r'href="/courses/listening/steps/practice">\s*Continue', course_page)
    assert 'href="/courses/listening/steps/practice">Continue' in _text(client.get("/my-training"))


def test_continue_keeps_the_unfinished_step_the_trainee_left(client, trainee, session):
    enrolment = factories.enrol(session, trainee, steps=("welcome",))
    enrolment.last_step_id = "roleplay"
    session.commit()
    assert re.search(r'href="/courses/listening/steps/roleplay">\s*Continue where you left off',
                     _text(client.get("/courses/listening")))


def test_the_course_page_shows_the_outline_before_the_introduction_and_its_title_once(client, trainee, session):
    factories.enrol(session, trainee, steps=("welcome",))
    page = _text(client.get("/courses/listening"))
    assert page.index("What the course covers") < page.index("About this course") < page.index(
        "Welcome to a small course used by the tests.")
    assert page.index("Welcome</a>") < page.index("About this course")
    assert page.count("<h1") == 1


def test_taking_a_break_keeps_unsubmitted_assessment_answers(client, trainee, session):
    factories.enrol(session, trainee, steps=("welcome",))
    url = "/courses/listening/steps/assessment"
    client.get(url)
    response = client.post(f"{url}/break", data={"csrf_token": csrf_token(client, url), "attempt": "1",
                                                   "q-a-one": "1"}, follow_redirects=True)
    assert "Your place and what you had written or chosen are saved." in _text(response)
    page = _text(client.get(url))
    assert re.search(r'name="q-a-one" id="[^"]+" value="1" checked', page)  # kept, not submitted
    assert "Your result" not in page and 'name="attempt" value="1"' in page


def test_taking_a_break_keeps_the_reflection_being_written(client, trainee, session):
    factories.enrol(session, trainee)
    url = "/courses/listening/steps/welcome"
    response = client.post(f"{url}/break", data={"csrf_token": csrf_token(client, url), "reflection_id": "r-hardest",
                                                   "text": "Half a thought"}, follow_redirects=True)
    assert "what you had written or chosen are saved" in _text(response)
    assert "Half a thought" in _text(client.get(url))


def test_the_take_a_break_button_carries_the_form_being_filled_in(client, trainee, session):
    factories.enrol(session, trainee)
    step = _text(client.get("/courses/listening/steps/welcome"))
    assert re.search(r'form="reflection-form-r-hardest" formaction="/courses/listening/steps/welcome/break"', step)
    assessment = _text(client.get("/courses/listening/steps/assessment"))
    assert 'form="assessment-form" formaction="/courses/listening/steps/assessment/break"' in assessment
