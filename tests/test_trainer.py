"""Trainer tools: cohorts, invitations, the progress table, the trainee page, insight and exports.

Progress rows are made directly with the models (the learning pages are
another concern); the helpers here are shared by the other trainer/admin tests.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from lms.accounts.models import User
from lms.admin.models import AuditEntry
from lms.cohorts import reports
from lms.cohorts import services as cohorts
from lms.cohorts.models import Cohort, CohortMember, CohortTrainer, Invite
from lms.core.db import db
from lms.core.models import utcnow
from lms.core.services import ServiceError
from lms.learning.models import AssessmentAttempt
from tests.conftest import PASSWORD, csrf_token
from tests.factories import (
    LISTENING_REQUIRED,
    SECRET_CHECKIN,
    SECRET_REFLECTION,
    TODAY,
    certify,
    counted,
    enrol,
    join,
    make_cohort,
    play,
    post,
    private_notes,
    quick_user,
)


def catalog_of(app):
    return app.extensions["lms_catalog"].catalog


def table(app, cohort, **query):
    return reports.progress_table(db.session, cohort, catalog_of(app), reports.Query(**query), TODAY)


# -- cohorts and invitations ------------------------------------------------------------------

def test_trainer_creates_a_cohort_and_sees_it_on_the_dashboard(client, session, trainer):
    assert client.get("/trainer/").status_code == 200
    response = post(client, "/trainer/cohorts/new", {"name": "Night moderators, spring intake",
                                                     "description": "Evening shift"})
    assert response.status_code == 302
    cohort = session.scalar(select(Cohort))
    assert cohort.name == "Night moderators, spring intake"
    assert session.scalar(select(CohortTrainer.user_id).where(CohortTrainer.cohort_id == cohort.id)) == trainer.id
    page = client.get("/trainer/").get_data(as_text=True)
    assert "Night moderators, spring intake" in page and 'href="/trainer/content"' in page
    assert session.scalar(select(AuditEntry.action)) == "cohort.create"
    # An empty name is a clear message, not a crash.
    response = post(client, "/trainer/cohorts/new", {"name": "  "}, form_page="/trainer/cohorts/new")
    assert response.status_code == 400 and "Give the cohort a name" in response.get_data(as_text=True)


def test_edit_and_archive_a_cohort(client, session, trainer):
    cohort = make_cohort(session, trainer)
    url = f"/trainer/cohorts/{cohort.id}"
    assert post(client, f"{url}/edit", {"name": "Renamed", "description": "d"}).status_code == 302
    token = cohorts.create_invite(session, trainer, cohort, reusable=True)
    session.commit()
    assert post(client, f"{url}/archive", {"confirmed": "yes"}, form_page=url).status_code == 302
    session.expire_all()
    assert session.get(Cohort, cohort.id).name == "Renamed" and session.get(Cohort, cohort.id).archived_at
    assert cohorts.cohort_of_invite(session, token) is None  # archiving stops its links
    assert post(client, f"{url}/archive", form_page=url).status_code == 302
    session.expire_all()
    assert session.get(Cohort, cohort.id).archived_at is None


def field_error(html: str, field_id: str) -> str:
    """The message shown at a field (the `field` macro's error paragraph), "" if none."""
    found = re.search(rf'id="{field_id}-error"[^>]*>(.*?)</p>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def test_a_cohort_name_or_description_with_control_characters_is_refused_at_its_field(client, session, trainer):
    cohort = make_cohort(session, trainer, name="Night shift")
    url = f"/trainer/cohorts/{cohort.id}/edit"
    name = post(client, url, {"name": "ctl\x01\x1b[31mname", "description": ""})
    html = name.get_data(as_text=True)
    assert "Cohort saved." not in html
    assert field_error(html, "name") == "Error: Your cohort name contains characters that cannot be shown."
    assert "ctl\x01\x1b[31mname" in html  # what was typed stays in the box
    description = post(client, url, {"name": "Night shift", "description": "Evenings\x07 only"})
    assert (field_error(description.get_data(as_text=True), "description")
            == "Error: Your cohort description contains characters that cannot be shown.")
    session.expire_all()
    assert session.get(Cohort, cohort.id).name == "Night shift" and session.get(Cohort, cohort.id).description == ""
    # A description keeps its line breaks and tabs.
    assert post(client, url, {"name": "Night shift", "description": "Evenings\r\n\tonly"}).status_code == 302
    session.expire_all()
    assert session.get(Cohort, cohort.id).description == "Evenings\r\n\tonly"
    # The rule is the service's too, whoever calls it.
    with pytest.raises(ServiceError, match="Your cohort name contains characters that cannot be shown."):
        cohorts.create_cohort(session, trainer, "Bell\x07")
    with pytest.raises(ServiceError, match="Your cohort description contains characters that cannot be shown."):
        cohorts.update_cohort(session, trainer, cohort, "Night shift", "Escape\x1b[0m")


def test_single_use_invite_registers_into_the_cohort_once(app, client, session, trainer):
    cohort = make_cohort(session, trainer)
    url = f"/trainer/cohorts/{cohort.id}"
    created = post(client, f"{url}/invites", {"kind": "single", "email": "", "days": "14"}, form_page=url)
    # Redirected: reloading the page that shows the link cannot create (or e-mail) a second invitation.
    assert created.status_code == 303 and created.headers["Location"].endswith(url)
    page = client.get(url)
    token = re.search(r"/register\?invite=([\w-]+)", page.get_data(as_text=True)).group(1)
    invite = session.scalar(select(Invite))
    assert invite.cohort_id == cohort.id and invite.max_uses == 1 and invite.token_hash != token
    assert token not in client.get(url).get_data(as_text=True)  # shown once only

    newcomer = app.test_client()
    form = {"display_name": "Nightowl", "email": "owl@example.org", "password": PASSWORD, "confirm": PASSWORD,
            "invite": token}
    assert post(newcomer, "/register", form, form_page=f"/register?invite={token}").status_code == 302
    owl = session.scalar(select(User).where(User.email == "owl@example.org"))
    assert cohorts.member_of(session, cohort, owl.id) is not None
    # A second person cannot use it.
    second = app.test_client()
    form.update(email="second@example.org")
    post(second, "/register", form, form_page="/register")
    second_user = session.scalar(select(User).where(User.email == "second@example.org"))
    assert second_user is None or cohorts.member_of(session, cohort, second_user.id) is None


@pytest.mark.parametrize("app_config", [{"REGISTRATION": "invite"}])
def test_cohort_link_is_reusable_and_revocable_with_invite_only_registration(app, client, session, trainer):
    cohort = make_cohort(session, trainer)
    token = cohorts.create_invite(session, trainer, cohort, reusable=True)
    session.commit()
    for n in range(2):
        newcomer = app.test_client()
        form = {"display_name": f"Member {n}", "email": f"m{n}@example.org", "password": PASSWORD,
                "confirm": PASSWORD, "invite": token}
        assert post(newcomer, "/register", form, form_page=f"/register?invite={token}").status_code == 302
    assert len(session.scalars(select(CohortMember).where(CohortMember.cohort_id == cohort.id)).all()) == 2
    invite = session.scalar(select(Invite))
    url = f"/trainer/cohorts/{cohort.id}"
    assert post(client, f"{url}/invites/{invite.id}/revoke", form_page=url).status_code == 302
    revoked = app.test_client().get(f"/register?invite={token}")
    # A withdrawn link says so (issue 15), rather than the generic "registration is by invitation".
    assert revoked.status_code == 410 and "This invitation has been withdrawn" in revoked.get_data(as_text=True)
    assert "No account has been created" in revoked.get_data(as_text=True)
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "invite.revoke")) is not None
    # Followed by someone already signed in (the join link): no talk of accounts or logging in.
    signed_in = client.get(f"/join/{token}")
    words = signed_in.get_data(as_text=True)
    assert signed_in.status_code == 410 and "This invitation has been withdrawn" in words
    assert "Nothing has changed." in words and "No account has been created" not in words
    assert "if you already have an account" not in words and "Go to my training" in words


def test_existing_trainee_joins_with_a_cohort_link(app, client, session, users, trainer):
    cohort = make_cohort(session, trainer)
    token = cohorts.create_invite(session, trainer, cohort, reusable=True)
    session.commit()
    trainee = users.create(display_name="Already Here")
    other = app.test_client()
    users.login(trainee, client=other)
    assert "Join Night moderators" in other.get(f"/join/{token}").get_data(as_text=True)
    assert post(other, f"/join/{token}").status_code == 302
    assert cohorts.member_of(session, cohort, trainee.id) is not None
    assert post(other, f"/join/{token}", form_page=f"/join/{token}").status_code == 302  # twice is harmless
    assert other.get("/join/not-a-real-token").status_code == 404


def test_a_personal_invitation_opened_by_another_account_says_so_without_a_join_button(
        app, client, session, users, trainer):
    cohort = make_cohort(session, trainer)
    token = cohorts.create_invite(session, trainer, cohort, reusable=False, email="invited@example.org")
    session.commit()
    someone_else = users.create(email="someone@example.org")
    other = app.test_client()
    users.login(someone_else, client=other)
    page = other.get(f"/join/{token}")
    assert page.status_code == 403
    assert "This invitation was sent to a different email address." in page.get_data(as_text=True)
    assert "Join this group" not in page.get_data(as_text=True)
    assert other.post(f"/join/{token}", data={}).status_code in (400, 403)
    assert cohorts.member_of(session, cohort, someone_else.id) is None


def test_co_trainer_and_course_assignment(client, session, users, trainer):
    colleague = users.create(role="trainer", email="colleague@example.org")
    trainee = users.create(email="trainee@example.org")
    cohort = make_cohort(session, trainer, courses=())
    url = f"/trainer/cohorts/{cohort.id}"
    assert post(client, f"{url}/trainers", {"email": "colleague@example.org"}, form_page=url).status_code == 302
    assert cohorts.is_trainer_of(session, colleague, cohort.id)
    response = post(client, f"{url}/trainers", {"email": "trainee@example.org"}, form_page=url)
    assert response.status_code == 400 and "no active trainer account" in response.get_data(as_text=True)
    assert not cohorts.is_trainer_of(session, trainee, cohort.id)

    due = (TODAY + timedelta(days=30)).isoformat()
    assert post(client, f"{url}/courses", {"course_id": "listening", "due_on": due}, form_page=url).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Course assigned." in page and "already passed" not in page
    assert [(c.course_id, c.due_on.isoformat())
            for c in cohorts.assigned_courses(session, cohort)] == [("listening", due)]
    # Unknown course and a malformed date: a clear message, never a 500.
    assert post(client, f"{url}/courses", {"course_id": "nope"}, form_page=url).status_code == 400
    bad_date = post(client, f"{url}/courses", {"course_id": "advanced", "due_on": "31/31/2020"}, form_page=url)
    assert bad_date.status_code == 400
    assert "Enter the due date as a date, like 2026-03-31." in bad_date.get_data(as_text=True)
    # A year typed wrong is caught, not turned into "overdue by 739,949 days"; the recent past is fine.
    for typo in ("0026-12-24", "9999-12-31", (TODAY - timedelta(days=400)).isoformat()):
        refused = post(client, f"{url}/courses", {"course_id": "advanced", "due_on": typo}, form_page=url)
        assert refused.status_code == 400, typo
        assert "Check the year: a due date can be up to a year before today" in refused.get_data(as_text=True)
    recent = (TODAY - timedelta(days=10)).isoformat()
    assert post(client, f"{url}/courses", {"course_id": "advanced", "due_on": recent}, form_page=url).status_code == 302
    # Allowed, with a warning: every trainee who has not finished is overdue at once.
    assert "Its due date has already passed: every trainee who has not finished it shows as overdue now" in (
        client.get(url).get_data(as_text=True))
    # Removing asks first, saying what goes (the due date) and what stays (everyone's progress).
    asked = post(client, f"{url}/courses/advanced/remove", form_page=url)
    words = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "its due date is forgotten" in words and "keeps their own progress" in words
    assert len(cohorts.assigned_courses(session, cohort)) == 2
    for course_id in ("advanced", "listening"):
        done = post(client, f"{url}/courses/{course_id}/remove", {"confirmed": "yes"}, form_page=url)
        assert done.status_code == 302
    assert cohorts.assigned_courses(session, cohort) == []


# -- the progress table -----------------------------------------------------------------------

def test_every_status_in_the_progress_table(app, client, session, trainer):
    cohort = make_cohort(session, trainer, courses=("listening", "advanced"))
    names = ["Ann", "Ben", "Cat", "Dev", "Eve", "Fay", "Gus"]
    ann, ben, cat, dev, eve, fay, gus = (quick_user(session, n) for n in names)
    join(session, cohort, ann, ben, cat, dev, eve, fay, gus)
    enrol(session, ben, steps=("welcome", "optional"))  # 1 of 4 required: 25%
    enrol(session, cat, completed=True)
    certify(session, dev, valid_until=TODAY + timedelta(days=365))
    certify(session, eve, valid_until=TODAY + timedelta(days=30))
    certify(session, fay, valid_until=TODAY - timedelta(days=1))
    # A retake: the latest cycle's steps count, the first completion stands.
    enrol(session, gus, steps=LISTENING_REQUIRED, cycle=1)
    enrol(session, gus, steps=("welcome",), cycle=2)

    rows = {r.name: r.cells[0] for r in table(app, cohort).rows}
    assert {n: (c.status, c.percent) for n, c in rows.items()} == {
        "Ann": ("not_started", 0), "Ben": ("in_progress", 25), "Cat": ("completed", 100),
        "Dev": ("certificate", 100), "Eve": ("refresher_due", 100), "Fay": ("expired", 100),
        "Gus": ("in_progress", 25),
    }
    # Every status filter finds exactly the members the cells say.
    for status in reports.STATUSES:
        found = {r.name for r in table(app, cohort, course="listening", status=status).rows}
        assert found == {n for n, c in rows.items() if c.status == status}, status

    page = client.get(f"/trainer/cohorts/{cohort.id}/progress").get_data(as_text=True)
    for label in ("Not started", "In progress", "25%", "Completed", "Certificate", "Refresher due", "Expired"):
        assert label in page


def test_overdue_when_the_due_date_has_passed(app, session, trainer):
    cohort = make_cohort(session, trainer, due_on=TODAY - timedelta(days=1))
    late, idle, done = quick_user(session, "Late"), quick_user(session, "Idle"), quick_user(session, "Done")
    join(session, cohort, late, idle, done)
    enrol(session, late, steps=("welcome", "practice"))
    enrol(session, done, completed=True)
    cells = {r.name: (r.cells[0].status, r.cells[0].percent) for r in table(app, cohort).rows}
    assert cells == {"Done": ("completed", 100), "Idle": ("overdue", 0), "Late": ("overdue", 50)}
    assert {r.name for r in table(app, cohort, status="overdue").rows} == {"Idle", "Late"}


def test_status_filter_over_several_courses_sorted_by_last_active(app, session, trainer):
    """The filter looks at every course shown; last activity counts only those courses."""
    cohort = make_cohort(session, trainer, courses=("listening", "advanced"), due_on=TODAY - timedelta(days=1))
    ann, ben, cat, dan = (quick_user(session, n) for n in ("Ann", "Ben", "Cat", "Dan"))
    join(session, cohort, ann, ben, cat, dan)
    now = utcnow()
    enrol(session, ann, "listening", completed=True, last_active=now - timedelta(days=3))
    enrol(session, ann, "advanced", last_active=now - timedelta(days=1))  # overdue here only
    enrol(session, ben, "listening", last_active=now - timedelta(days=2))
    enrol(session, ben, "retired-course", last_active=now)  # not assigned: not his last activity here
    enrol(session, cat, "listening", completed=True, last_active=now - timedelta(hours=1))
    enrol(session, cat, "advanced", completed=True, last_active=now - timedelta(days=4))  # all done: not overdue
    # Dan has done nothing: overdue, never active, last in either order.
    latest_first = table(app, cohort, status="overdue", sort="last_active", descending=True)
    assert [r.name for r in latest_first.rows] == ["Ann", "Ben", "Dan"]
    assert latest_first.total == 3
    assert [r.name for r in table(app, cohort, status="overdue", sort="last_active").rows] == ["Ben", "Ann", "Dan"]
    assert [r.name for r in table(app, cohort, status="completed", sort="last_active").rows] == ["Ann", "Cat"]
    # The summary line counts the whole cohort: Cat finished both courses; Ann, Ben and Dan have one past due.
    columns = reports.columns_for(db.session, cohort, catalog_of(app))
    assert reports.summary(db.session, cohort, columns, TODAY) == reports.Summary(4, 1, 3)
    # With no due date passed nobody is overdue, and the count of those who finished is the same.
    assert reports.summary(db.session, cohort, columns, TODAY - timedelta(days=30)) == reports.Summary(4, 1, 0)
    # A course completed twice (a refresher) counts once; a completed course not assigned here counts for nothing.
    enrol(session, cat, "listening", completed=True, cycle=2)
    enrol(session, ben, "listening", completed=True, cycle=2)
    enrol(session, ben, "retired-course", completed=True, cycle=2)
    assert reports.summary(db.session, cohort, columns, TODAY) == reports.Summary(4, 1, 3)
    enrol(session, ben, "advanced", completed=True)
    assert reports.summary(db.session, cohort, columns, TODAY) == reports.Summary(4, 2, 2)


def test_search_sort_and_pages(app, client, session, trainer):
    cohort = make_cohort(session, trainer)
    people = [quick_user(session, f"Person {n:03d}") for n in range(60)]
    join(session, cohort, *people)
    enrol(session, people[7], steps=("welcome", "practice", "roleplay"))
    enrol(session, people[3], completed=True, last_active=utcnow() - timedelta(days=30))
    enrol(session, people[9], steps=("welcome",))

    first = table(app, cohort)
    assert (first.total, first.pages, len(first.rows)) == (60, 2, 50)
    assert [r.name for r in table(app, cohort, page=2).rows][0] == "Person 050"
    assert table(app, cohort, page=99).page == 2  # clamped, not an error
    assert [r.name for r in table(app, cohort, search="person 00").rows][:3] == [
        "Person 000", "Person 001", "Person 002"]
    assert table(app, cohort, search="%").total == 0  # wildcards are literal
    by_progress = [r.name for r in table(app, cohort, sort="progress", descending=True).rows[:3]]
    assert by_progress == ["Person 003", "Person 007", "Person 009"]
    by_activity = [r.name for r in table(app, cohort, sort="last_active", descending=True).rows[:3]]
    assert by_activity[2] == "Person 003"

    html = client.get(f"/trainer/cohorts/{cohort.id}/progress?q=Person&sort=progress&order=desc&page=2")
    body = html.get_data(as_text=True)
    assert html.status_code == 200 and "Page 2 of 2" in body and 'rel="prev"' in body
    # Nonsense in the query string is ignored, never a 500.
    for query in ("?page=abc", "?status=bogus", "?sort=drop+table", "?course=nope&order=sideways", "?page=-4",
                  "?cohort_id=99&page=2&q=Person"):
        assert client.get(f"/trainer/cohorts/{cohort.id}/progress{query}").status_code == 200, query


def _count_queries(client, url: str) -> int:
    with counted(client.application) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_progress_page_uses_a_constant_number_of_queries(client, session, trainer):
    cohort = make_cohort(session, trainer, courses=("listening", "advanced"))
    people = [quick_user(session, f"P{n:02d}") for n in range(60)]
    join(session, cohort, *people[:5])
    for person in people:
        enrol(session, person, steps=("welcome",))
        enrol(session, person, course_id="advanced", completed=True)
        certify(session, person, course_id="advanced", valid_until=TODAY + timedelta(days=400))
    url = f"/trainer/cohorts/{cohort.id}/progress"
    client.get(url)  # warm-up: settings cache, schema check
    small = _count_queries(client, url)
    join(session, cohort, *people[5:])
    large = _count_queries(client, url)
    assert small == large, (small, large)
    assert small <= 12
    assert large == _count_queries(client, url + "?sort=progress&status=in_progress&q=P")


# -- one trainee: steps, attempts, run paths; never reflections ------------------------------------

def test_trainee_page_shows_attempts_and_run_paths_but_no_private_notes(client, session, trainer):
    cohort = make_cohort(session, trainer)
    sam = quick_user(session, "Sam Trainee")
    join(session, cohort, sam)
    enrolment = enrol(session, sam, steps=("welcome", "practice"))
    session.add(AssessmentAttempt(enrolment_id=enrolment.id, step_id="assessment", number=1, answers={},
                                  results={}, score_percent=40, pass_mark=50, passed=False))
    session.commit()
    play(session, sam, [("start", 2, -1, True), ("secret", 0, 1, False)], outcome="pass", enrolment=enrolment)
    private_notes(session, sam)

    page = client.get(f"/trainer/cohorts/{cohort.id}/trainees/{sam.id}").get_data(as_text=True)
    assert "Check your learning" in page and "40%" in page and "Not passed" in page
    assert "Promise to keep it secret" in page and "Red line" in page
    assert "Never promise secrecy" in page  # the feedback of the red-line choice
    assert "Tell them you need to get help after all" in page
    # Each choice is placed by the situation a trainer recognises, not by the node's id.
    assert 'At “<span lang="en">You promised. They tell you more.</span>”:' in page
    assert "<code>secret</code>" not in page
    assert SECRET_REFLECTION not in page and SECRET_CHECKIN not in page
    # Someone not in the cohort: 404, whoever they are.
    stranger = quick_user(session, "Stranger")
    session.commit()
    assert client.get(f"/trainer/cohorts/{cohort.id}/trainees/{stranger.id}").status_code == 404


def test_no_trainer_or_admin_page_or_export_reveals_private_notes(client, session, users):
    admin = users.create(role="admin")
    users.login(admin)
    cohort = make_cohort(session, admin)
    sam = quick_user(session, "Sam")
    join(session, cohort, sam)
    enrol(session, sam, steps=("welcome",))
    play(session, sam, [("start", 0, 2, False)], finished=False)
    private_notes(session, sam)
    base = f"/trainer/cohorts/{cohort.id}"
    urls = ["/trainer/", base, f"{base}/progress", f"{base}/progress.csv", f"{base}/certificates.csv",
            f"{base}/trainees/{sam.id}", "/trainer/scenarios", "/trainer/scenarios/late-post",
            "/admin/users", f"/admin/users/{sam.id}", "/admin/audit", "/admin/settings"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert SECRET_REFLECTION not in body and SECRET_CHECKIN not in body, url


# -- scenario insight ---------------------------------------------------------------------------

def test_scenario_insight_counts_choices_and_highlights_red_lines(client, session, users, trainer):
    cohort = make_cohort(session, trainer)
    a, b, c, outsider = (quick_user(session, n) for n in ("A", "B", "C", "Outsider"))
    join(session, cohort, a, b, c)
    # Shared practice runs: trainers count only those (and course runs); see test_run_visibility.py.
    play(session, a, [("start", 0, 2, False), ("reach-out", 0, 1, False)], outcome="pass", shared=True)
    play(session, b, [("start", 2, -1, True), ("secret", 0, 1, False)], outcome="pass", shared=True)
    play(session, c, [("start", 1, -2, False)], outcome="fail", shared=True)
    play(session, c, [("start", 0, 2, False)], finished=False, shared=True)
    play(session, outsider, [("start", 2, -1, True)] * 1, outcome="fail", shared=True)  # not in the trainer's cohorts

    from lms.roleplay import insight

    scenario = catalog_of(client.application).scenario("late-post")
    result = insight.scenario_insight(session, trainer, scenario)
    assert (result.runs, result.finished, result.passed, result.pass_rate, result.red_line_runs) == (4, 3, 2, 67, 1)
    start = next(n for n in result.nodes if n.node_id == "start")
    assert [(ch.count, ch.percent, ch.red_line, ch.recommended) for ch in start.choices] == [
        (2, 50, False, True), (1, 25, False, False), (1, 25, True, False)]
    assert {bar.label: bar.count for bar in result.scores} == {"-2": 1, "-1": 0, "0": 1, "1": 0, "2": 0, "3": 1}
    assert result.outcomes == {"pass": 2, "fail": 1}

    page = client.get("/trainer/scenarios/late-post").get_data(as_text=True)
    assert "67%" in page and "Red line" in page and "Recommended" in page and "<svg" in page
    assert "Promise to keep it secret" in page and "2 (50%)" in page
    assert client.get("/trainer/scenarios/no-such-scenario").status_code == 404
    assert "A late post" in client.get("/trainer/scenarios").get_data(as_text=True)

    admin = users.create(role="admin")
    assert insight.scenario_insight(session, admin, scenario).runs == 5


# -- exports ----------------------------------------------------------------------------------

def test_csv_exports_are_attachments_and_defuse_formulas(client, session, trainer):
    cohort = make_cohort(session, trainer)
    evil = quick_user(session, "=HYPERLINK(\"http://evil\",\"x\")")
    plain = quick_user(session, "Plain Name")
    join(session, cohort, evil, plain)
    enrol(session, plain, steps=("welcome",))
    certify(session, evil, valid_until=TODAY + timedelta(days=200))
    base = f"/trainer/cohorts/{cohort.id}"

    response = client.get(f"{base}/progress.csv")
    assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:4] == ["Name", "Joined", "Last active", "Listening basics: status"]
    names = {row[0]: row for row in rows[1:]}
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in names and names["Plain Name"][3:5] == ["In progress", "25"]
    assert names["Plain Name"][1] == "2020-01-01"  # when join() puts members in

    filtered = client.get(f"{base}/progress.csv?status=in_progress").get_data(as_text=True)
    assert "Plain Name" in filtered and "HYPERLINK" not in filtered

    response = client.get(f"{base}/certificates.csv")
    assert response.headers["Cache-Control"] == "no-store" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[1][0].startswith("'=") and rows[1][1].startswith("'=") and rows[1][4] == "valid"
    assert rows[1][9] == f"http://localhost/verify/code-{evil.id}-listening"


def test_safe_cell():
    from lms.cohorts.exports import safe_cell

    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(risky) == "'" + risky
    assert safe_cell("Ann") == "Ann" and safe_cell(None) == "" and safe_cell(5) == "5"
    assert safe_cell(date(2026, 1, 2)) == "2026-01-02"


def test_personal_invite_for_an_email_is_kept_and_a_bad_email_is_our_message(app, client, session, trainer):
    cohort = make_cohort(session, trainer)
    url = f"/trainer/cohorts/{cohort.id}"
    page = post(client, f"{url}/invites",
                {"kind": "single", "email": "Owl@Example.org", "days": "14", "send_email": "y"}, form_page=url,
                follow_redirects=True)
    assert page.status_code == 200 and "/register?invite=" in page.get_data(as_text=True)
    assert session.scalar(select(Invite)).email == "owl@example.org"
    # The forms start empty again: the email is not waiting in the invitation form (ticked to be sent
    # again) nor in the co-trainer form, whose field has the same name.
    shown = lxml_html.fromstring(page.get_data(as_text=True))
    assert shown.get_element_by_id("email").get("value") in (None, "")
    assert shown.get_element_by_id("co_trainer_email").get("value") in (None, "")
    assert shown.get_element_by_id("send_email").get("checked") is None
    # The invited person finds the address the invitation is for already in the box.
    token = re.search(r"/register\?invite=([\w-]+)", page.get_data(as_text=True)).group(1)
    register = lxml_html.fromstring(app.test_client().get(f"/register?invite={token}").get_data(as_text=True))
    assert register.get_element_by_id("email").get("value") == "owl@example.org"
    bad = post(client, f"{url}/invites", {"kind": "single", "email": "not an email", "days": "14"}, form_page=url)
    assert bad.status_code == 400
    assert "That is not an email address: check it, or leave it empty." in bad.get_data(as_text=True)
    assert len(session.scalars(select(Invite)).all()) == 1


def test_json_bodies_are_read_as_forms(client, session, trainer):
    token = csrf_token(client, "/trainer/cohorts/new")
    created = client.post("/trainer/cohorts/new", json={"name": 5, "description": None}, headers={"X-CSRFToken": token})
    assert created.status_code == 302 and session.scalar(select(Cohort)).name == "5"
    for body in ([1, "two"], {"name": {"nested": 1}}):
        refused = client.post("/trainer/cohorts/new", json=body, headers={"X-CSRFToken": token})
        assert (refused.status_code == 400
                and "Something in that request was not right" in refused.get_data(as_text=True))
    assert len(session.scalars(select(Cohort)).all()) == 1


def test_after_filtering_progress_the_count_of_what_matched_takes_the_focus(client, session, trainer):
    cohort = make_cohort(session, trainer)
    url = f"/trainer/cohorts/{cohort.id}/progress"
    assert 'id="progress-count" tabindex="-1" autofocus' not in client.get(url).get_data(as_text=True)
    filtered = client.get(f"{url}?status=completed&sort=name").get_data(as_text=True)
    assert 'id="progress-count" tabindex="-1" autofocus' in filtered
