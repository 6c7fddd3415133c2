"""Issue 15, items 3-7: email through a real SMTP server on loopback, the job queue, reminders, nudges."""
from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select, update

from lms.admin.models import AuditEntry
from lms.catalog.services import catalog
from lms.cohorts import services as cohorts
from lms.core import clock
from lms.core.config import ConfigError
from lms.core.db import db
from lms.core.models import utcnow
from lms.jobs import queue
from lms.jobs.models import FAILED, Job
from lms.mail import services as mail
from lms.mail.models import SentReminder
from lms.mail.reminders import due_reminder, refresher_kind, sweep
from tests.conftest import SmtpServer, csrf_token, mail_config
from tests.factories import (
    SECRET_CHECKIN,
    SECRET_REFLECTION,
    TODAY,
    certify,
    enrol,
    join,
    links,
    local,
    make_cohort,
    parts,
    post,
    private_notes,
    run_jobs,
    subject,
)

DUE = TODAY + timedelta(days=30)  # far enough ahead that every reminder kind is reachable by moving "today"


@pytest.fixture
def app_config(smtp_server):
    return mail_config(smtp_server)


@pytest.fixture
def trainer(users):
    return users.create(role="trainer", display_name="Tess Trainer")








# -- settings -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "message"), [
    ({"MAIL_BACKEND": "smtp", "MAIL_SERVER": ""}, "LMS_MAIL_SERVER must name your SMTP server"),
    ({"MAIL_SECURITY": "tls"}, "LMS_MAIL_SECURITY must be 'none', 'starttls' or 'ssl'"),
    ({"MAIL_PORT": 70000}, "LMS_MAIL_PORT must be a port number"),
    ({"MAIL_USERNAME": "me"}, "Set both LMS_MAIL_USERNAME and LMS_MAIL_PASSWORD"),
    ({"MAIL_SENDER": "not an address"}, "LMS_MAIL_SENDER must be an email address"),
    ({"MAIL_SERVER": "smtp.example.org", "MAIL_USERNAME": "me", "MAIL_PASSWORD": "pw"},
     "would cross the network unencrypted"),
    ({"MAIL_BACKEND": "pigeon"}, "LMS_MAIL_BACKEND must be 'smtp' or 'console'"),
])
def test_bad_mail_settings_stop_the_app_at_start_up(database_url, tmp_path, smtp_server, overrides, message):
    from lms import create_app
    from tests.conftest import FIXTURE_CONTENT, _config

    config = _config(database_url, FIXTURE_CONTENT, **(mail_config(smtp_server) | overrides))
    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app(config, instance_path=str(tmp_path / "instance"))


def test_no_server_means_console_mode_that_prints(database_url, tmp_path, capsys):
    from lms import create_app
    from tests.conftest import FIXTURE_CONTENT, _config

    app = create_app(_config(database_url, FIXTURE_CONTENT), instance_path=str(tmp_path / "instance"))
    assert app.config["MAIL_BACKEND"] == "console"
    with app.app_context():
        mail.deliver(mail.compose("invitation", {"token": "t", "cohort_name": "Night", "inviter": "Tess",
                                                 "expires_on": None}, "someone@example.org"))
    printed = capsys.readouterr().out
    assert "console mode: not sent" in printed and "Subject: You're invited to join Night" in printed
    # The words and the link read as written, not as base64.
    assert "/join/t" in printed and "Content-Transfer-Encoding" not in printed
    app.extensions["lms_db"].dispose()


# -- invitations by email -------------------------------------------------------------------------

def test_emailed_invitation_is_queued_not_sent_in_the_request_then_arrives_with_working_links(
        app, client, session, users, trainer, smtp_server):
    users.login(trainer)
    cohort = make_cohort(session, trainer, name="Night moderators, spring intake", due_on=DUE)
    response = post(client, f"/trainer/cohorts/{cohort.id}/invites",
                    {"kind": "single", "email": "New.Person@example.org", "days": "14", "send_email": "y"},
                    form_page=f"/trainer/cohorts/{cohort.id}", follow_redirects=True)
    assert "queued to be emailed to new.person@example.org" in response.get_data(as_text=True)
    assert smtp_server.messages == []  # the request never waits on SMTP
    assert run_jobs(app)["jobs"].done == 1
    [message] = smtp_server.to("new.person@example.org")
    assert subject(message) == "You're invited to join Night moderators, spring intake at Harbourside Trust"
    assert message["From"] == "Training <training@example.org>"
    assert "List-Unsubscribe" not in message  # an invitation is not a reminder
    text, html = parts(message)
    assert "Tess Trainer has invited you to join Night moderators, spring intake at Harbourside Trust" in text
    assert "Night moderators, spring intake</strong> at Harbourside Trust" in html
    register = next(u for u in links(text) if "/register?invite=" in u)
    assert str(escape(register)) in html
    newcomer = app.test_client()
    page = newcomer.get(local(register)).get_data(as_text=True)
    assert "You’ve been invited to join <em>Night moderators, spring intake</em> at Harbourside Trust" in page


def test_an_invitation_to_an_address_with_an_account_uses_its_language_and_is_refused_if_it_is_off(
        app, session, users, trainer, smtp_server):
    """The inviter's choice of language is for people without an account: Sam chose Welsh. Priya's account is
    switched off, so she could not use an invitation: the trainer is told, and nothing is sent."""
    from lms.core.services import ServiceError

    sam = users.create(email="sam@example.org")
    sam.language = "cy"
    priya = users.create(email="priya@example.org")
    priya.active = False
    session.commit()
    cohort = make_cohort(session, trainer, name="Night owls")
    with app.test_request_context():
        cohorts.create_invite(session, trainer, cohort, reusable=False, email="Sam@example.org", send_email=True,
                              language="en")
        with pytest.raises(ServiceError, match="belongs to an account that is switched off"):
            cohorts.create_invite(session, trainer, cohort, reusable=False, email="priya@example.org",
                                  send_email=True, language="en")
        session.commit()
    run_jobs(app)
    [message] = smtp_server.to("sam@example.org")
    assert subject(message) == "Gwahoddiad i ymuno â Night owls gyda Harbourside Trust"  # Sam chose Welsh
    # Sam has an account: the message leads to joining, not to creating another one.
    assert "/join/" in parts(message)[0] and "/register" not in parts(message)[0]
    assert not smtp_server.to("priya@example.org")


def test_emailing_needs_a_personal_link_with_an_address(client, session, users, trainer):
    users.login(trainer)
    cohort = make_cohort(session, trainer)
    response = post(client, f"/trainer/cohorts/{cohort.id}/invites", {"kind": "link", "days": "14", "send_email": "y"},
                    form_page=f"/trainer/cohorts/{cohort.id}")
    assert response.status_code == 400
    assert "To email an invitation, choose a personal link and enter their email address." in \
        response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Job)) == 0


# -- the queue ----------------------------------------------------------------------------------

def test_a_failing_job_is_retried_with_backoff_then_recorded(app, session):
    calls = []

    @queue.handler("test.always-fails")
    def _fails(_session, payload):
        calls.append(payload)
        raise RuntimeError("the server said no")

    job = queue.enqueue(session, "test.always-fails", {"n": 1}, max_attempts=3)
    session.commit()
    first = queue.run_due(session, "w1")
    session.refresh(job)
    assert (first.retry, job.attempts, job.status) == (1, 1, "queued")
    assert "RuntimeError: the server said no" in job.last_error
    assert job.run_at - utcnow() > timedelta(seconds=50)  # backed off: not run again at once
    assert queue.run_due(session, "w1").total == 0
    for _ in range(2):
        session.execute(update(Job).where(Job.id == job.id).values(run_at=utcnow()))
        session.commit()
        queue.run_due(session, "w1")
    session.refresh(job)
    assert (job.status, job.attempts, len(calls)) == (FAILED, 3, 3)
    assert job.failed_at is not None and queue.failed_jobs(session)[0].id == job.id
    assert [b.total_seconds() for b in map(queue.backoff, (1, 2, 3))] == [60, 120, 240]
    assert queue.backoff(50) == queue.MAX_BACKOFF


def test_an_unreachable_smtp_server_means_a_retry_not_a_lost_message(app, session, users, smtp_server):
    person = users.create()
    app.config["MAIL_PORT"] = smtp_server.port
    smtp_server.stop()  # nothing listens there now
    with app.app_context():
        mail.enqueue_email(session, "certificate_revoked", {"course_title": "C", "certificate_title": "T",
                                                            "reason": "r"}, to_user=person)
        session.commit()
        counts = queue.run_due(session, "w1")
    job = session.scalar(select(Job))
    assert counts.retry == 1 and job.status == "queued" and job.last_error
    # Retried for about 20 hours (an outage of an evening loses nothing), then kept as failed.
    assert job.max_attempts == queue.DEFAULT_MAX_ATTEMPTS
    assert sum((queue.backoff(n) for n in range(1, job.max_attempts)), timedelta()) > timedelta(hours=12)
    session.execute(update(Job).values(attempts=job.max_attempts - 1, run_at=utcnow()))
    session.commit()
    with app.app_context():
        assert queue.run_due(session, "w1").failed == 1
    # The operator sees what it was and sends it again once the server is back.
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "failed"]).output
    assert f"email (certificate_revoked → account {person.id})" in listed and "lms jobs retry" in listed
    back = SmtpServer()
    try:
        app.config["MAIL_PORT"] = back.port
        assert "Queued 1 failed job again." in runner.invoke(args=["jobs", "retry"]).output
        with app.app_context():
            assert queue.run_due(session, "w1").done == 1
        assert len(back.to(person.email)) == 1
    finally:
        back.stop()
    assert "No failed jobs." in runner.invoke(args=["jobs", "failed"]).output
    assert runner.invoke(args=["jobs", "retry", "x"]).exit_code == 2


def test_two_workers_never_run_the_same_job(app, session):
    ran: list[int] = []
    lock = threading.Lock()

    @queue.handler("test.count")
    def _count(_session, payload):
        with lock:
            ran.append(payload["n"])

    for n in range(60):
        queue.enqueue(session, "test.count", {"n": n})
    session.commit()

    def work(name):
        try:
            queue.run_due(db.session, name, batch=5)
        finally:
            db.session.remove()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(ran) == list(range(60))
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_worker_that_died_mid_job_lets_it_go_when_the_lease_ends(app, session):
    done = []
    queue.handler("test.ok")(lambda _s, p: done.append(p))
    job = queue.enqueue(session, "test.ok", {"n": 1})
    session.commit()
    assert queue.claim(session, "dead-worker", utcnow()) == [job.id]  # ...and then it died
    assert queue.run_due(session, "w2").total == 0  # leased: not taken over yet
    session.execute(update(Job).values(locked_until=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert queue.run_due(session, "w2").done == 1 and done == [{"n": 1}]


# -- reminders ------------------------------------------------------------------------------

def test_due_reminder_rules():
    due = TODAY
    assert due_reminder(due, due - timedelta(days=8), 4) is None
    assert due_reminder(due, due - timedelta(days=7), 4) == ("due_7", due)
    assert due_reminder(due, due - timedelta(days=2), 4) == ("due_7", due)
    assert due_reminder(due, due - timedelta(days=1), 4) == ("due_tomorrow", due)
    assert due_reminder(due, due, 4) is None
    assert due_reminder(due, due + timedelta(days=1), 4) == ("overdue", due + timedelta(days=1))
    assert due_reminder(due, due + timedelta(days=7), 4) == ("overdue", due + timedelta(days=1))
    assert due_reminder(due, due + timedelta(days=8), 4) == ("overdue", due + timedelta(days=8))
    assert due_reminder(due, due + timedelta(days=29), 4) is None  # the limit: four overdue reminders
    assert [refresher_kind(due, due - timedelta(days=d)) for d in (61, 60, 31, 30, 8, 7, 0, -1, -7, -8)] == [
        None, "expiry_60", "expiry_60", "expiry_30", "expiry_30", "expiry_7", "expiry_7", "expired", "expired", None]


def _trainee_in_cohort(session, users, trainer, due=DUE, email="tom@example.org"):
    trainee = users.create(email=email, display_name="Tom Trainee")
    cohort = make_cohort(session, trainer, name="Night moderators", courses=("listening",), due_on=due)
    join(session, cohort, trainee)
    return trainee, cohort


def test_due_date_reminders_arrive_once_each_as_time_moves(app, session, users, trainer, smtp_server):
    trainee, _cohort = _trainee_in_cohort(session, users, trainer)
    private_notes(session, trainee)
    received = lambda: smtp_server.to("tom@example.org")  # noqa: E731
    for day, expected in [(DUE - timedelta(days=8), 0), (DUE - timedelta(days=7), 1), (DUE - timedelta(days=6), 1),
                          (DUE - timedelta(days=1), 2), (DUE - timedelta(days=1), 2), (DUE, 2),
                          (DUE + timedelta(days=1), 3), (DUE + timedelta(days=3), 3), (DUE + timedelta(days=8), 4)]:
        run_jobs(app, day)
        assert len(received()) == expected, day
    subjects = [subject(m) for m in received()]
    assert subjects == ["Listening basics is due in 7 days", "Listening basics is due tomorrow",
                        "Listening basics is overdue", "Listening basics is overdue"]
    message = received()[0]
    text, html = parts(message)
    assert "Harbourside Trust" in text and "Harbourside Trust" in html
    assert "for Night moderators is due in 7 days" in text
    for m in received():  # private text never leaves in an email
        body = m.as_string()
        assert SECRET_REFLECTION not in body and SECRET_CHECKIN not in body
    # The course link works for the trainee.
    users.login(trainee)
    course = next(u for u in links(text) if "/courses/listening" in u)
    assert app.test_client().get(local(course)).status_code in (200, 302)
    keys = session.scalars(select(SentReminder.kind).where(SentReminder.user_id == trainee.id)).all()
    assert sorted(keys) == ["due_7", "due_tomorrow", "overdue", "overdue"]


def test_finished_courses_and_archived_cohorts_get_no_reminders(app, session, users, trainer, smtp_server):
    trainee, cohort = _trainee_in_cohort(session, users, trainer)
    enrol(session, trainee, "listening", completed=True)
    other, other_cohort = _trainee_in_cohort(session, users, trainer, email="other@example.org")
    other_cohort.archived_at = utcnow()
    session.commit()
    run_jobs(app, DUE + timedelta(days=1))
    assert smtp_server.messages == []


def test_who_joined_after_the_due_date_is_not_emailed_that_they_are_late(app, session, users, trainer,
                                                                           smtp_server):
    on_time, cohort = _trainee_in_cohort(session, users, trainer)
    latecomer = users.create(email="lee@example.org", display_name="Lee Latecomer")
    cohorts.add_member(session, cohort.id, latecomer,
                       joined_at=datetime.combine(DUE + timedelta(days=2), time(12, 0), tzinfo=UTC))
    session.commit()
    run_jobs(app, DUE + timedelta(days=3))
    assert [subject(m) for m in smtp_server.to("tom@example.org")] == ["Listening basics is overdue"]
    assert smtp_server.to("lee@example.org") == []


def test_two_sweeps_at_once_queue_each_reminder_once(app, session, users, trainer):
    for n in range(30):
        trainee = users.create(email=f"t{n}@example.org") if n == 0 else None
        if trainee is None:
            from tests.factories import quick_user
            trainee = quick_user(session, f"Trainee {n}")
        if n == 0:
            cohort = make_cohort(session, trainer, courses=("listening", "advanced"), due_on=DUE)
        join(session, cohort, trainee)
    barrier = threading.Barrier(2)
    results = []

    def sweeper():
        with app.app_context():
            try:
                barrier.wait(10)
                results.append(sweep(db.session, catalog().courses, DUE - timedelta(days=1), batch=7).total)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sum(results) == 60  # 30 trainees x 2 courses, split between the sweeps however they raced
    assert session.scalar(select(func.count()).select_from(Job)) == 60
    assert session.scalar(select(func.count()).select_from(SentReminder)) == 60


def test_refreshers_and_certificate_news(app, session, users, smtp_server):
    holder = users.create(email="holder@example.org", display_name="Holly Holder")
    valid_until = TODAY + timedelta(days=200)
    certificate = certify(session, holder, valid_until=valid_until, code="ABCD-EFGH")
    run_jobs(app, TODAY)
    [issued] = smtp_server.to("holder@example.org")
    assert subject(issued) == "Your certificate: Listener"
    text, html = parts(issued)
    assert "http://localhost/verify/ABCD-EFGH" in text and 'href="http://localhost/verify/ABCD-EFGH"' in html
    for days_before, expected in [(60, "expires in 60 days"), (45, None), (30, "expires in 30 days"),
                                 (7, "expires in 7 days"), (-1, "has expired")]:
        before = len(smtp_server.messages)
        run_jobs(app, valid_until - timedelta(days=days_before))
        new = smtp_server.messages[before:]
        if expected is None:
            assert new == []
        else:
            assert len(new) == 1 and expected in subject(new[0][1])
            assert new[0][1]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    certificate.status, certificate.revoked_at = "revoked", utcnow()
    certificate.revoked_reason = "Issued to the wrong person"
    session.commit()
    run_jobs(app, TODAY)
    revoked = smtp_server.messages[-1][1]
    assert subject(revoked) == "Your certificate Listener has been revoked"
    assert "The reason given: Issued to the wrong person" in parts(revoked)[0]
    # The last valid day is not the day it expired (it is valid through that day).
    expired = [m for _to, m in smtp_server.messages if "has expired" in subject(m)][0]
    assert (f"was valid until {valid_until.day} {valid_until:%B %Y}, and has now expired." in parts(expired)[0])


def test_a_refused_certificate_request_is_not_called_a_revocation(app, session, users, smtp_server):
    """A request refused at sign-off was e-mailed as "Your certificate ... has been revoked", though never issued."""
    holder = users.create(email="asker@example.org")
    pending = certify(session, holder, status="pending")
    pending.status, pending.revoked_at, pending.revoked_reason = "revoked", utcnow(), "The shadowed shift is missing"
    session.commit()
    run_jobs(app, TODAY)
    [message] = smtp_server.to("asker@example.org")
    assert subject(message) == "Your request for the certificate Listener was not approved"
    text, html = parts(message)
    assert "was not approved by" in text and "revoked" not in text and "revoked" not in html
    assert "The reason given: The shadowed shift is missing" in text
    assert "http://localhost/certificates" in text and 'href="http://localhost/certificates"' in html


def test_no_refresher_for_a_course_no_longer_offered(app, session, users, smtp_server):
    """Its e-mail asks the holder to take the course again, and links to it: a dead link when it is gone."""
    holder = users.create(email="former@example.org")
    valid_until = TODAY + timedelta(days=200)
    certify(session, holder, valid_until=valid_until, course_id="retired-course")
    run_jobs(app, valid_until - timedelta(days=30))
    assert not [m for m in smtp_server.to("former@example.org") if "expires" in subject(m)]


def test_sign_off_waiting_goes_to_the_cohorts_trainers(app, session, users, trainer, smtp_server):
    trainee, _cohort = _trainee_in_cohort(session, users, trainer)
    trainer_address = trainer.email
    pending = certify(session, trainee, status="pending")
    run_jobs(app, TODAY)
    run_jobs(app, TODAY)
    [message] = smtp_server.to(trainer_address)
    assert subject(message) == "A certificate is waiting for your sign-off: Listening basics"
    assert f"/certificates/manage/{pending.id}" in parts(message)[0]


# -- unsubscribing and preferences ----------------------------------------------------------

def test_one_click_unsubscribe_turns_that_kind_off(app, client, session, users, trainer, smtp_server):
    trainee, _cohort = _trainee_in_cohort(session, users, trainer)
    run_jobs(app, DUE - timedelta(days=7))
    [message] = smtp_server.to("tom@example.org")
    url = message["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://localhost/unsubscribe/")
    # As sent: one line, not folded or encoded, so mail programs can offer "Unsubscribe".
    assert f"List-Unsubscribe: <{url}>\r\n".encode() in message.raw
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in message.raw
    text, html = parts(message)
    assert url in text and url in html
    anonymous = app.test_client()
    # A link scanner's GET changes nothing; the page asks.
    page = anonymous.get(local(url))
    assert page.status_code == 200 and "Stop these reminders?" in page.get_data(as_text=True)
    assert mail.preferences(session, trainee.id)["due_dates"] is True
    # The mail program's one-click POST (RFC 8058): no form token, no login.
    response = anonymous.post(local(url), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    session.expire_all()
    chosen = mail.preferences(session, trainee.id)
    assert chosen["due_dates"] is False and all(on for name, on in chosen.items() if name != "due_dates")
    run_jobs(app, DUE - timedelta(days=1))
    assert len(smtp_server.to("tom@example.org")) == 1  # no "due tomorrow"
    assert anonymous.post("/unsubscribe/forged-token").status_code == 404


def test_account_page_sets_which_reminders_arrive(app, client, session, users):
    trainee = users.create()
    users.login(trainee)
    assert 'href="/account/reminders"' in client.get("/account/data").get_data(as_text=True)
    page = client.get("/account/reminders").get_data(as_text=True)
    assert "Due dates: a week before" in page and "sign-off" not in page  # trainers only
    response = post(client, "/account/reminders", {"due_dates": "y", "nudges": "y"})
    assert response.status_code == 302
    session.expire_all()
    # Unticked kinds a trainee is offered are off; trainers' kinds are left as they were.
    assert mail.preferences(session, trainee.id) == {
        "due_dates": True, "refreshers": False, "nudges": True, "sign_offs": True, "coach_marks": False,
        "coach_comments": False, "coach_confirmations": False, "coach_replies": True, "contact_requests": True}
    assert "Your reminder choices are saved." in client.get("/account/reminders").get_data(as_text=True)


# -- trainers' nudges and the summary line -------------------------------------------------------

def test_trainer_nudges_selected_trainees_once_a_day_rate_limited_and_audited(
        app, client, session, users, trainer, smtp_server):
    app.config["NUDGES_PER_HOUR"] = 2
    trainee, cohort = _trainee_in_cohort(session, users, trainer, due=TODAY - timedelta(days=3))
    done = users.create(email="done@example.org")
    third = users.create(email="third@example.org")
    join(session, cohort, done, third)
    enrol(session, done, "listening", completed=True)
    users.login(trainer)
    url = f"/trainer/cohorts/{cohort.id}/progress"
    page = client.get(url).get_data(as_text=True)
    assert "1 of 3 completed, 2 overdue" in page
    assert 'aria-label="Select Tom Trainee"' in page

    response = post(client, f"/trainer/cohorts/{cohort.id}/nudge", {"user_ids": [trainee.id, done.id]},
                    form_page=url, follow_redirects=True)
    assert "Reminder queued for 1 trainee. 1 not reminded" in response.get_data(as_text=True)
    response = post(client, f"/trainer/cohorts/{cohort.id}/nudge", {"user_ids": [trainee.id, third.id]},
                    form_page=url, follow_redirects=True)
    assert "You can remind up to 2 trainees an hour" in response.get_data(as_text=True)
    response = post(client, f"/trainer/cohorts/{cohort.id}/nudge", {"user_ids": [trainee.id]},
                    form_page=url, follow_redirects=True)
    assert "Reminder queued for 0 trainees. 1 not reminded: already reminded today" in response.get_data(as_text=True)
    assert post(client, f"/trainer/cohorts/{cohort.id}/nudge", {}, form_page=url,
                follow_redirects=True).get_data(as_text=True).count("Tick at least one trainee") == 1
    run_jobs(app)
    [message] = [m for m in smtp_server.to("tom@example.org") if subject(m).startswith("A reminder from")]
    assert subject(message) == "A reminder from Tess Trainer: your training for Night moderators"
    text, _html = parts(message)
    assert "Listening basics (overdue since" in text
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "cohort.nudge")).all()
    assert [e.target_user_id for e in entries] == [trainee.id]


def test_a_trainee_who_joined_after_the_due_date_is_never_overdue_where_a_trainer_looks(
        app, client, session, users, trainer, smtp_server):
    """As on their own My training page and in reminders (cohorts.joining): the date was past when they came."""
    trainee, cohort = _trainee_in_cohort(session, users, trainer, due=TODAY - timedelta(days=3))
    newcomer = users.create(email="nia@example.org", display_name="Nia Newcomer")
    joined_at = utcnow() - timedelta(hours=1)
    join(session, cohort, newcomer, joined_at=joined_at)
    users.login(trainer)
    url = f"/trainer/cohorts/{cohort.id}/progress"
    page = client.get(url).get_data(as_text=True)
    assert "0 of 2 completed, 1 overdue" in page
    row = page.split('aria-label="Select Nia Newcomer"', 1)[1].split("</tr>", 1)[0]
    assert "Not started" in row and "joined after the due date" in row and "Overdue" not in row
    overdue = client.get(url + "?status=overdue").get_data(as_text=True)
    assert "Tom Trainee" in overdue and "Nia Newcomer" not in overdue
    assert "Nia Newcomer" in client.get(url + "?status=not_started").get_data(as_text=True)
    board = client.get("/trainer/needs-you").get_data(as_text=True)
    assert "Overdue (1)" in board and "Tom Trainee" in board and "Nia Newcomer" not in board
    export = client.get(url + ".csv").get_data(as_text=True)
    newcomer_line = next(line for line in export.splitlines() if line.startswith("Nia Newcomer"))
    assert newcomer_line.split(",")[1] == str(clock.local_date(joined_at)) and ",Not started," in newcomer_line
    record = client.get(f"/trainer/cohorts/{cohort.id}/trainees/{newcomer.id}").get_data(as_text=True)
    assert "joined after the due date" in record and "not counted overdue" in record
    response = post(client, f"/trainer/cohorts/{cohort.id}/nudge", {"user_ids": [trainee.id, newcomer.id]},
                    form_page=url, follow_redirects=True)
    assert "Reminder queued for 2 trainees" in response.get_data(as_text=True)
    run_jobs(app)
    [old_hand] = [m for m in smtp_server.to("tom@example.org") if subject(m).startswith("A reminder from")]
    [joiner] = [m for m in smtp_server.to("nia@example.org") if subject(m).startswith("A reminder from")]
    assert "Listening basics (overdue since" in parts(old_hand)[0]
    for body in parts(joiner):
        assert "before you joined: please do it as soon as you can" in body and "overdue" not in body


def test_a_nudge_cannot_reach_someone_outside_the_cohort(app, client, session, users, trainer):
    _trainee, cohort = _trainee_in_cohort(session, users, trainer)
    stranger = users.create(email="stranger@example.org")
    users.login(trainer)
    url = f"/trainer/cohorts/{cohort.id}/progress"
    response = post(client, f"/trainer/cohorts/{cohort.id}/nudge", {"user_ids": [stranger.id]}, form_page=url,
                    follow_redirects=True)
    assert "Tick at least one trainee in this cohort to remind." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_jobs_run_once_command(app, runner, session, users, trainer, smtp_server):
    _trainee_in_cohort(session, users, trainer)
    result = runner.invoke(args=["jobs", "run", "--once", "--as-of", (DUE - timedelta(days=1)).isoformat()])
    assert result.exit_code == 0, result.output
    assert "reminders: 1 reminder(s) queued (due_tomorrow 1)" in result.output
    assert "jobs: 1 done" in result.output
    assert len(smtp_server.to("tom@example.org")) == 1
    assert "No failed jobs." in runner.invoke(args=["jobs", "failed"]).output


def test_a_nudge_for_ids_that_are_no_ids_says_to_tick_trainees(app, client, session, users, trainer):
    """An id past the database's integer (or '²') is no member: the form's own message, never a 500."""
    _trainee, cohort = _trainee_in_cohort(session, users, trainer)
    users.login(trainer)
    url = f"/trainer/cohorts/{cohort.id}/progress"
    for junk, message in (("99999999999999999999", "Tick trainees from the list."),
                          ("²", "Tick at least one trainee to remind.")):
        response = post(client, f"/trainer/cohorts/{cohort.id}/nudge", {"user_ids": [junk]}, form_page=url,
                        follow_redirects=True)
        assert response.status_code == 200
        assert f'<p class="flash flash-error" role="alert">{message}' in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_assigning_a_course_emails_the_cohort_once_in_each_members_language(
        app, client, session, users, trainer, smtp_server):
    """Assigned courses reach trainees in their inbox, not only on My training; a changed due date is not re-sent."""
    from lms.accounts.models import User

    cohort = make_cohort(session, trainer, name="Night moderators", courses=())
    tom, done = users.create(email="tom@example.org", display_name="Tom"), users.create(email="done@example.org")
    alys = users.create(email="alys@example.org", display_name="Alys")
    session.get(User, alys.id).language = "cy"
    session.commit()
    join(session, cohort, tom, done, alys)
    enrol(session, done, "listening", completed=True)
    users.login(trainer)
    url = f"/trainer/cohorts/{cohort.id}"
    due = (TODAY + timedelta(days=20)).isoformat()
    page = post(client, f"{url}/courses", {"course_id": "listening", "due_on": due}, form_page=url,
                follow_redirects=True).get_data(as_text=True)
    assert "Course assigned. 2 members are e-mailed about it." in page
    again = post(client, f"{url}/courses", {"course_id": "listening", "due_on": ""}, form_page=url,
                 follow_redirects=True).get_data(as_text=True)
    assert "Course assigned." in again and "e-mailed" not in again  # a changed date: the reminders tell of it
    run_jobs(app, TODAY)
    [english] = smtp_server.to("tom@example.org")
    assert subject(english) == f"{trainer.display_name} has asked you to take a course for Night moderators"
    text, html = parts(english)
    assert "Listening basics (due " in text and "/courses/listening" in text and "take a break at any time" in text
    [welsh] = smtp_server.to("alys@example.org")
    assert "Hanfodion gwrando" in parts(welsh)[0] and subject(welsh).startswith("Mae Tess Trainer wedi gofyn i chi")
    assert smtp_server.to("done@example.org") == []  # already completed it


def test_a_claimed_certificate_is_emailed_at_once_not_at_the_next_sweep(app, client, session, users, smtp_server):
    """Claiming queues the e-mail in the same transaction; the worker's queue sends it, and the sweep adds none."""
    holder = users.create(email="owl@example.org", display_name="Owl")
    enrol(session, holder, "listening", completed=True)
    users.login(holder)
    url = "/certificates/claim/listening"
    assert client.post(url, data={"legal_name": "Olwen Owl", "submit": "1",
                                  "csrf_token": csrf_token(client, url)}).status_code == 302
    with app.app_context():
        assert queue.run_due(db.session, "w1").done == 1  # the queue alone: no sweep has run
    [issued] = smtp_server.to("owl@example.org")
    assert subject(issued) == "Your certificate: Listener"
    run_jobs(app)  # the sweep finds it already sent
    assert len(smtp_server.to("owl@example.org")) == 1


def test_a_changed_address_is_told_to_the_old_one_and_a_changed_password_to_the_account(
        app, client, session, users, smtp_server):
    """Someone who took over an account, or a typo in the new address, is noticed by the person reading the
    old mailbox; a password changed by someone else is noticed too. Neither can be unsubscribed from. The old
    address is told once the new one is confirmed from its mailbox, not when it is asked for."""
    from tests.conftest import PASSWORD

    kit = users.create(display_name="Kit", email="kit@example.org")
    users.login(kit)
    post(client, "/account/password", {"current": PASSWORD, "new": "a brand new passphrase",
                                       "confirm": "a brand new passphrase"})
    post(client, "/account/profile/email", {"email-new_email": "kit.jones.typo@exampel.org",
                                            "email-confirm_email": "kit.jones.typo@exampel.org",
                                            "email-password": "a brand new passphrase"}, form_page="/account/profile")
    run_jobs(app)
    assert [subject(m) for m in smtp_server.to("kit@example.org")] == ["The password of your account was changed"]
    [asked] = smtp_server.to("kit.jones.typo@exampel.org")
    assert subject(asked) == "Confirm your new e-mail address"
    confirm = local(next(u for u in links(parts(asked)[0]) if "/account/email/confirm/" in u))
    post(client, confirm, {})
    run_jobs(app)
    told = {subject(message): message for message in smtp_server.to("kit@example.org")}
    assert set(told) == {"The password of your account was changed", "The e-mail address of your account was changed"}
    address = told["The e-mail address of your account was changed"]
    text = " ".join(parts(address)[0].split())
    assert "to k…o@exampel.org" in text and "someone may know your password" in text
    assert "Nobody reads replies to this address" in text  # every message says where answers go
    assert "kit.jones.typo" not in text and "List-Unsubscribe" not in address
    assert len(smtp_server.to("kit.jones.typo@exampel.org")) == 1  # the link, and nothing else


def test_a_queued_due_date_reminder_that_is_no_longer_true_is_not_sent(app, session, users, trainer, smtp_server):
    """A mail server down for hours keeps reminders queued; meanwhile one course is taken off the cohort and
    another gets a new due date: neither old reminder may then arrive. The one still true does."""
    nina = users.create(email="nina@example.org")
    cohort = make_cohort(session, trainer, courses=("listening", "advanced"), due_on=DUE)
    join(session, cohort, nina)
    with app.app_context():
        sweep(db.session, catalog().courses, DUE - timedelta(days=1))  # "due tomorrow", queued, not yet sent
        db.session.commit()
    assert mail.pending_email_count(session) == 2
    with app.test_request_context():
        group = db.session.get(type(cohort), cohort.id)
        cohorts.unassign_course(db.session, trainer, group, "advanced")
        db.session.commit()
    run_jobs(app, DUE + timedelta(days=40))  # a sweep far past any reminder window: it queues nothing new
    assert [subject(m) for m in smtp_server.to("nina@example.org")] == ["Listening basics is due tomorrow"]


def test_a_course_assigned_due_within_the_week_is_not_followed_by_its_due_soon_reminder(
        app, session, users, trainer, smtp_server):
    """The announcement gives the due date; "due in 5 days" in the same minute would say it again."""
    from lms.cohorts import nudges

    tom = users.create(email="tom@example.org")
    cohort = make_cohort(session, trainer, name="Night moderators", courses=())
    join(session, cohort, tom)
    due = TODAY + timedelta(days=5)
    with app.test_request_context():
        nudges.assign_and_announce(db.session, db.session.get(type(trainer), trainer.id),
                                   db.session.get(type(cohort), cohort.id), "listening", due, catalog().courses, TODAY)
        db.session.commit()
    run_jobs(app, TODAY)
    assert [subject(m) for m in smtp_server.to("tom@example.org")] == [
        f"{trainer.display_name} has asked you to take a course for Night moderators"]
    run_jobs(app, due - timedelta(days=1))
    assert subject(smtp_server.to("tom@example.org")[-1]) == "Listening basics is due tomorrow"


def test_a_forgotten_password_is_replaced_through_a_link_that_works_once(app, client, session, users, smtp_server):
    """The page answers alike for any address; the link works once, for an hour, for an active account only."""
    from lms.accounts import services as accounts
    from lms.accounts.models import User

    kit = users.create(email="kit@example.org", display_name="Kit")
    gone = users.create(email="gone@example.org")
    session.get(User, gone.id).active = False
    session.commit()
    answers = set()
    for address in ("Kit@Example.org", "nobody@example.org", "gone@example.org"):
        asked = post(client, "/password/forgot", {"email": address}, follow_redirects=True)
        page = re.sub(r'<input[^>]*name="csrf_token"[^>]*>', "", asked.get_data(as_text=True))  # signed with the second
        answers.add(" ".join(page.split()).split("<main", 1)[1][:600])
    assert len(answers) == 1 and "a link to choose a new password is on its way" in answers.pop()
    run_jobs(app)
    assert not smtp_server.to("nobody@example.org") and not smtp_server.to("gone@example.org")
    [message] = smtp_server.to("kit@example.org")
    assert subject(message) == "Choose a new password"
    link = local(next(u for u in links(parts(message)[0]) if "/password/reset/" in u))
    page = client.get(link)
    assert page.status_code == 200 and "Save my new password" in page.get_data(as_text=True)
    saved = post(client, link, {"new": "a brand new passphrase", "confirm": "a brand new passphrase"},
                 follow_redirects=True)
    assert "Your new password is saved. Log in with it." in saved.get_data(as_text=True)
    assert users.login("kit@example.org", password="a brand new passphrase",
                       client=app.test_client()).status_code == 302
    spent = client.get(link)  # the password it replaced is gone: so is the link
    assert spent.status_code == 404 and "This link no longer works" in spent.get_data(as_text=True)
    assert client.get("/password/reset/forged.token.here").status_code == 404
    run_jobs(app)
    assert "The password of your account was changed" in [subject(m) for m in smtp_server.to("kit@example.org")]
    with app.app_context():  # an hour on, a link not used is spent too
        token = accounts.password_reset_token(session.get(User, kit.id))
    from unittest.mock import patch
    with patch("itsdangerous.timed.time.time", return_value=__import__("time").time() + 3601):
        assert client.get(f"/password/reset/{token}").status_code == 404
