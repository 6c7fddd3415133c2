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
    left = page[page.index("The course is not finished yet."):
                page.index("</ul>", page.index("The course is not finished yet."))]
    assert left.index(">Practice</a>") < left.index(">Role-play</a>")
    assert "Further reading" not in left  # optional
    # Continue (course page and My training) leads to the first unfinished required step, not the passed assessment.
    course_page = _text(client.get("/courses/listening"))
    assert re.search(r'href="/courses/listening/steps/practice">\s*Continue', course_page)
    assert 'href="/courses/listening/steps/practice">Continue' in _text(client.get("/my-training"))


def test_completing_a_course_suggests_the_next_assigned_one_that_opens_now(client, trainee, session, users):
    trainer = users.create(role="trainer")
    cohort = factories.make_cohort(session, trainer, courses=("listening", "advanced"))
    factories.join(session, cohort, trainee)
    done = ("welcome", "practice", "roleplay")
    factories.answer_practice(session, factories.enrol(session, trainee, steps=done), done)
    response = _submit_right_answers(client)
    page = _text(client.get(response.headers["Location"]))
    assert "Well done: you have completed “Listening basics”." in page
    assert "Next on your list: “Advanced listening”. It is on My training when you are ready." in page


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


# -- a certificate a charity is proud to print (item 9) ----------------------------------

def _runs_with_sizes(pdf: bytes) -> list[tuple[str, float]]:
    """(text, printed size in points) of each run of text on the first page."""
    import io

    from pypdf import PdfReader

    runs: list[tuple[str, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((text.strip(), abs(size * tm[3] * cm[3]) or size))
    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return runs


def test_the_certificate_puts_the_holder_first_with_a_signature_line_and_the_link_on_one_line(app, session, users):
    holder = users.create(email="sian@example.org")
    certificate = factories.issue(app, session, holder, name="Siân Ní Bhriain")
    session.expire_all()
    pdf = session.get(type(certificate), certificate.id).pdf
    runs = _runs_with_sizes(pdf)
    name_size = max(size for text, size in runs if "Siân Ní Bhriain" in text)
    assert all(size <= name_size for text, size in runs), runs  # the holder's name is the largest text
    assert all(size < name_size for text, size in runs if "Siân" not in text)
    lines = [line.strip() for line in "\n".join(text for text, _ in runs).splitlines()]
    assert any(line.startswith(f"localhost/verify/{certificate.code}") for line in lines), lines  # one line


def test_the_logo_follows_the_brand_colour(app):
    import base64

    from lms.core import settings as site_settings

    with app.test_request_context():
        from lms.certificates.document import current_branding

        default = current_branding().logo_data_url
        app.config["CERTIFICATE_PRIMARY_COLOUR"] = "#7a2e8f"
        original = site_settings.get
        site_settings.get = lambda key, *a: "#7a2e8f" if key == "CERTIFICATE_PRIMARY_COLOUR" else original(key, *a)
        try:
            purple = current_branding().logo_data_url
        finally:
            site_settings.get = original
    assert "#1d4f91" in base64.b64decode(default.split(",", 1)[1]).decode()
    svg = base64.b64decode(purple.split(",", 1)[1]).decode()
    assert "#7a2e8f" in svg and "#1d4f91" not in svg


def test_verification_shows_hours_completion_and_charity_number(app, client, session, users):
    holder = users.create(email="oak@example.org")
    certificate = factories.issue(app, session, holder, name="Oak Example")
    certificate.issuer_number = "1234567"  # as frozen at issue by a charity that set LMS_CHARITY_NUMBER
    session.commit()
    page = _text(client.get(f"/verify/{certificate.code}"))
    assert "<dt>Learning time</dt><dd>1.5 hours</dd>" in page
    assert "<dt>Completed</dt>" in page and "<dt>Charity number</dt><dd>1234567</dd>" in page
    data = client.get(f"/verify/{certificate.code}.json").get_json()
    assert data["hours"] == 1.5 and data["completed_on"]


def test_csv_exports_start_with_a_byte_order_mark_for_excel(client, session, users):
    trainer = users.create(role="trainer")
    users.login(trainer)
    cohort = factories.make_cohort(session, trainer)
    member = factories.quick_user(session, "Zoë 王")
    factories.join(session, cohort, member)
    body = client.get(f"/trainer/cohorts/{cohort.id}/progress.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbf") and "Zoë 王".encode() in body
