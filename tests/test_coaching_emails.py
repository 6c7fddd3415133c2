"""Issue 16 item 6: coaching news by email, through the queue to a real SMTP server, on SQLite and PostgreSQL.

Each event (response marked, comment added, reply added, step confirmed, contact requested)
sends one message to the right person, naming the charity, with a link that opens the
place to read or act; no message carries the response, the comment, the reply, the note
for the trainer, a reflection or a check-in; each kind can be turned off on the account page.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms.accounts.models import User
from lms.catalog.services import catalog
from lms.coaching import services as coaching
from lms.learning import confirmations, progress, responses
from lms.mail import services as mail
from lms.roleplay import checkins, runs
from tests.conftest import mail_config
from tests.factories import (
    COACHING,
    SECRET_CHECKIN,
    SECRET_REFLECTION,
    join,
    local,
    make_cohort,
    parts,
    post,
    private_notes,
    run_jobs,
    subject,
)

RESPONSE_TEXT = "response-text-4c1d Are you thinking about suicide?"
COMMENT_TEXT = "comment-text-9b2e Never promise secrecy."
REPLY_TEXT = "reply-text-77aa I see that now."
CONFIRM_NOTE = "confirm-note-5e0f Great shift."
NOTE_FOR_TRAINER = "note-for-trainer-31c8 Please call after six."
PRIVATE = (RESPONSE_TEXT, COMMENT_TEXT, REPLY_TEXT, CONFIRM_NOTE, NOTE_FOR_TRAINER, SECRET_REFLECTION, SECRET_CHECKIN,
           "struggling")


@pytest.fixture
def content_dir() -> Path:
    return COACHING


@pytest.fixture
def app_config(smtp_server):
    return mail_config(smtp_server)


@pytest.fixture
def world(app, session, users):
    """Two trainers of the trainee's cohort, one of another cohort, and the trainee (with private notes)."""
    trainer = session.get(User, users.create(role="trainer", email="tess@example.org", display_name="Tess Trainer").id)
    second = session.get(User, users.create(role="trainer", email="sam@example.org", display_name="Sam Second").id)
    outsider = session.get(User, users.create(role="trainer", email="otto@example.org", display_name="Otto Other").id)
    trainee = session.get(User, users.create(email="nina@example.org", display_name="Nightowl").id)
    cohort = make_cohort(session, trainer, name="Spring intake", courses=("coaching",))
    from lms.cohorts import services as cohorts

    cohorts.add_trainer(session, trainer, cohort, second.email)
    other = make_cohort(session, outsider, name="Autumn intake", courses=("coaching",))
    join(session, cohort, trainee)
    private_notes(session, trainee)
    session.commit()
    with app.app_context():
        course, scenario = catalog().course("coaching"), catalog().scenario("tough-night")
    return {"trainer": trainer, "second": second, "outsider": outsider, "trainee": trainee, "cohort": cohort,
            "other": other, "course": course, "scenario": scenario}








def links(text: str) -> list[str]:
    """The links to act or read (not the footer's: unsubscribing and the reminder choices)."""
    return [url for url in re.findall(r"https?://[^\s\"<>]+", text)
            if "/unsubscribe/" not in url and not url.endswith("/account/reminders")]


def assert_private(message) -> None:
    raw = message.raw.decode("utf-8", "replace")
    for text in (*parts(message), raw):
        for secret in PRIVATE:
            assert secret not in text, f"{secret!r} in {subject(message)!r}"


def assert_links_open(app, users, person, message, expect: str) -> None:
    """Every link of the message (but unsubscribing) opens, for its recipient, a page showing `expect`."""
    client = app.test_client()
    users.login(person, client=client)
    text, html = parts(message)
    found = links(text)
    assert found and set(found) <= set(links(html.replace("&amp;", "&")))
    for url in found:
        assert url.startswith("http://localhost/")
        page = client.get(local(url), follow_redirects=True)
        assert page.status_code == 200, url
        assert expect in page.get_data(as_text=True), url


# -- each event ------------------------------------------------------------------------------------

def _respond(session, w):
    course = w["course"]
    step = course.step("written")
    enrolment = progress.enrol(session, w["trainee"].id, course)
    entry = responses.submit(session, enrolment, course, step, step.responses[0], RESPONSE_TEXT).entry
    session.commit()
    return entry


def _course_run(session, w):
    course, scenario = w["course"], w["scenario"]
    run = runs.start_run(session, w["trainee"].id, scenario, progress.enrol(session, w["trainee"].id, course),
                         "roleplay")
    choice = next(c for c in scenario.node("start").choices if "Promise to keep it secret" in c.text_html)
    runs.choose(session, run, scenario, 0, choice.index, course)
    session.commit()
    return run


def test_a_marked_response_tells_the_trainee_once_with_a_link_to_the_feedback(app, session, users, world,
                                                                              smtp_server):
    w = world
    entry = _respond(session, w)
    coaching.mark(session, w["trainer"], entry, "try_again", COMMENT_TEXT, w["course"])
    session.commit()
    run_jobs(app)
    run_jobs(app)  # a second worker pass sends nothing again
    [message] = smtp_server.to("nina@example.org")
    assert len(smtp_server.messages) == 1
    assert subject(message) == "Your trainer has marked your response: First message"
    text, html = parts(message)
    assert "Harbourside Trust" in text and "Harbourside Trust" in html
    assert message["List-Unsubscribe"]  # switchable, and one click turns it off
    assert_private(message)
    assert_links_open(app, users, w["trainee"], message, COMMENT_TEXT)  # the feedback is on the step page


def test_a_comment_tells_the_trainee_and_a_reply_tells_its_author(app, session, users, world, smtp_server):
    w = world
    run = _course_run(session, w)
    comment = coaching.add_comment(session, w["trainer"], run, 0, COMMENT_TEXT)
    session.commit()
    run_jobs(app)
    [message] = smtp_server.to("nina@example.org")
    # The role-play's title names a hard situation: in the body only, never on a lock screen.
    assert subject(message) == "Your trainer commented on your role-play"
    assert "Tess Trainer, your trainer at Harbourside Trust, commented on your run of “A tough night”" in parts(
        message)[0]
    assert_private(message)
    assert_links_open(app, users, w["trainee"], message, COMMENT_TEXT)  # the debrief, with the comment

    coaching.reply(session, session.get(User, w["trainee"].id), session.get(type(comment), comment.id), REPLY_TEXT)
    session.commit()
    run_jobs(app)
    [reply] = smtp_server.to("tess@example.org")
    assert subject(reply) == "Nightowl replied to your comment"
    assert not smtp_server.to("sam@example.org")  # only the comment's author
    assert_private(reply)
    assert_links_open(app, users, w["trainer"], reply, REPLY_TEXT)  # the trainer's run page, with the reply
    assert len(smtp_server.messages) == 2


def test_a_confirmed_step_tells_the_trainee(app, session, users, world, smtp_server):
    w = world
    course, step = w["course"], w["course"].step("shift")
    confirmations.mark_ready(session, progress.enrol(session, w["trainee"].id, course), step)
    session.commit()
    coaching.confirm(session, w["trainer"], w["trainee"].id, course, step, CONFIRM_NOTE)
    session.commit()
    run_jobs(app)
    [message] = smtp_server.to("nina@example.org")
    assert subject(message) == "A trainer confirmed your step: Shadowed shift"
    assert_private(message)
    assert_links_open(app, users, w["trainee"], message, "Shadowed shift")


def test_a_contact_request_tells_each_trainer_of_the_cohort_never_the_checkin(app, session, users, world,
                                                                             smtp_server):
    w = world
    run = _course_run(session, w)
    checkin = checkins.record_checkin(session, w["trainee"].id, run, "struggling", SECRET_CHECKIN)
    session.commit()
    coaching.request_contact(session, w["trainee"], checkin, NOTE_FOR_TRAINER)
    session.commit()
    run_jobs(app)
    assert not smtp_server.to("nina@example.org") and not smtp_server.to("otto@example.org")
    for trainer, address in ((w["trainer"], "tess@example.org"), (w["second"], "sam@example.org")):
        [message] = smtp_server.to(address)
        assert subject(message) == "Nightowl would like you to get in touch"
        assert "Nightowl (Spring intake) asked for a trainer at Harbourside Trust" in parts(message)[0]
        assert_private(message)
        assert_links_open(app, users, trainer, message, "Nightowl")


# -- switching off ------------------------------------------------------------------------------------

def test_each_kind_switched_off_on_the_account_page_stops_its_messages(app, client, session, users, world,
                                                                       smtp_server):
    w = world
    users.login(w["trainee"])
    page = client.get("/account/reminders").get_data(as_text=True)
    assert "When a trainer comments on one of your role-plays" in page
    assert "asks you to get in touch" not in page  # trainers only
    # Keep everything but comments on role-plays.
    kept = {"due_dates": "y", "refreshers": "y", "nudges": "y", "coach_marks": "y", "coach_confirmations": "y"}
    assert post(client, "/account/reminders", kept).status_code == 302
    trainer_client = app.test_client()
    users.login(w["second"], client=trainer_client)
    assert "asks you to get in touch" in trainer_client.get("/account/reminders").get_data(as_text=True)
    assert post(trainer_client, "/account/reminders", {"coach_replies": "y"}).status_code == 302
    session.expire_all()
    assert mail.preferences(session, w["trainee"].id)["coach_comments"] is False
    assert mail.preferences(session, w["second"].id)["contact_requests"] is False

    run = _course_run(session, w)
    coaching.add_comment(session, w["trainer"], run, None, COMMENT_TEXT)
    entry = _respond(session, w)
    coaching.mark(session, w["trainer"], entry, "meets_standard", "", w["course"])
    checkin = checkins.record_checkin(session, w["trainee"].id, run, "ok", "")
    coaching.request_contact(session, w["trainee"], checkin, "")
    session.commit()
    run_jobs(app)
    assert [subject(m) for m in smtp_server.to("nina@example.org")] == [
        "Your trainer has marked your response: First message"]
    assert [subject(m) for m in smtp_server.to("tess@example.org")] == ["Nightowl would like you to get in touch"]
    assert smtp_server.to("sam@example.org") == []


def test_turned_off_after_queueing_is_still_not_sent(app, session, world, smtp_server):
    """The worker checks the person's choice again when it sends (the one-click link may come in between)."""
    w = world
    entry = _respond(session, w)
    coaching.mark(session, w["trainer"], entry, "meets_standard", "", w["course"])
    session.commit()
    mail.set_preferences(session, session.get(User, w["trainee"].id), {"coach_marks": False})
    session.commit()
    run_jobs(app)
    assert smtp_server.messages == []


def test_comments_made_in_a_row_on_one_run_make_one_e_mail(app, session, users, world, smtp_server):
    """A trainer going through a run comments on three choices in a minute: the trainee gets one message, sent
    after the last; a comment deleted before its message goes sends none."""
    from sqlalchemy import update

    from lms.jobs.models import Job

    app.config["COMMENT_EMAIL_DELAY_SECONDS"] = 120  # as deployed (the suite sends each at once)
    w = world
    run = _course_run(session, w)
    with app.app_context():
        for position in (0, 0, None):
            coaching.add_comment(session, w["trainer"], run, position, COMMENT_TEXT)
        session.commit()
    run_jobs(app)
    assert not smtp_server.to("nina@example.org")  # not yet: the trainer may still be writing
    session.execute(update(Job).values(run_at=Job.created_at))  # two minutes on
    session.commit()
    run_jobs(app)
    assert [subject(m) for m in smtp_server.to("nina@example.org")] == ["Your trainer commented on your role-play"]
    with app.app_context():
        regretted = coaching.add_comment(session, w["trainer"], run, None, "Wrong run, sorry.")
        coaching.delete_comment(session, w["trainer"], regretted)
        session.commit()
    session.execute(update(Job).values(run_at=Job.created_at))
    session.commit()
    run_jobs(app)
    assert len(smtp_server.to("nina@example.org")) == 1  # nothing about a comment that is gone
