"""Every trainer, coaching and admin route, walked from the URL map, as a trainee and as a trainer of another
cohort; and every trainee-side coaching route as someone other than its trainee."""
from __future__ import annotations

import re

from flask import url_for
from sqlalchemy import func, select

from lms.admin.models import AuditEntry
from lms.coaching.models import ContactRequest, RunComment
from lms.cohorts import services as cohorts
from lms.cohorts.models import Invite
from lms.learning.models import ResponseEntry
from lms.roleplay.models import WellbeingCheckin
from tests.conftest import csrf_token
from tests.factories import enrol, join, make_cohort, play, quick_user


def _world(session, users):
    owner = users.create(role="trainer", display_name="Owner Trainer")
    outsider = users.create(role="trainer", display_name="Other Trainer")
    trainee = users.create(display_name="Plain Trainee")
    admin = users.create(role="admin")
    cohort = make_cohort(session, owner, name="Owner's Private Cohort")
    make_cohort(session, outsider, name="Someone else's cohort")
    member = quick_user(session, "Member Secretname")
    join(session, cohort, member, trainee)
    enrolment = enrol(session, member, steps=("welcome",))
    run = play(session, member, [("start", 2, -1, True)], outcome="fail")
    run.enrolment_id, run.step_id = enrolment.id, "roleplay"  # a course run: open to the cohort's trainers
    cohorts.create_invite(session, owner, cohort, reusable=True)
    entry = ResponseEntry(user_id=member.id, enrolment_id=enrolment.id, course_id="listening", step_id="welcome",
                          response_id="welcome-r1", prompt_text="Write it", text="Member's response")
    checkin = WellbeingCheckin(user_id=member.id, run_id=run.id, feeling="struggling")
    session.add_all([entry, checkin])
    session.flush()
    # Written by the admin, so the admin's walk can open its edit page (only an author edits a comment).
    comment = RunComment(run_id=run.id, position=0, author_id=admin.id, author_name="Admin", text="A comment")
    request = ContactRequest(user_id=member.id, checkin_id=checkin.id, note_for_trainer="Call me")
    session.add_all([comment, request])
    session.commit()
    invite_id = session.scalar(select(Invite.id))
    values = {"cohort_id": cohort.id, "user_id": member.id, "invite_id": invite_id, "course_id": "listening",
              "scenario_id": "late-post", "entry_id": entry.id, "run_id": run.id, "comment_id": comment.id,
              "request_id": request.id}
    return owner, outsider, trainee, admin, member, values


def _routes(app, values):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("trainer.", "coaching.", "admin.")):
            with app.test_request_context():
                url = url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method, url


def _send(client, method: str, url: str, token: str):
    return client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})


def test_trainer_and_admin_routes_refuse_trainees_and_other_trainers(app, client, session, users):
    owner, outsider, trainee, admin, member, values = _world(session, users)
    routes = list(_routes(app, values))
    assert len({rule.endpoint for rule, _m, _u in routes}) >= 20  # the walk really found the routes
    audit_before = session.scalar(select(func.count()).select_from(AuditEntry))

    users.login(trainee)
    token = csrf_token(client, "/account/data")
    for _rule, method, url in routes:
        assert _send(client, method, url, token).status_code == 403, f"trainee: {method} {url}"
    users.logout()

    users.login(outsider)
    token = csrf_token(client, "/account/data")
    for rule, method, url in routes:
        response = _send(client, method, url, token)
        body = response.get_data(as_text=True)
        if rule.endpoint.startswith("admin."):
            assert response.status_code == 403, f"other trainer: {method} {url}"
        elif rule.arguments - {"scenario_id"}:  # about someone: a cohort, a response, a run, a comment...
            assert response.status_code in (403, 404), f"other trainer: {method} {url} -> {response.status_code}"
        else:
            # Pages of their own (dashboard, new cohort, scenarios, needs you, queues):
            # nothing of the other cohort shows.
            assert response.status_code in (200, 302, 400), f"{method} {url}"
            assert "Member Secretname" not in body and "Private Cohort" not in body, url
            assert "Member's response" not in body and "Call me" not in body, url
    insight = client.get("/trainer/scenarios/late-post").get_data(as_text=True)
    assert re.search(r"<dt>Runs</dt><dd>0</dd>", insight)  # the member's run is not theirs to see
    # Nothing was changed by any of it (the outsider's own POST to "new cohort" had no name).
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    users.logout()

    users.login(admin)
    for _rule, method, url in routes:
        if method == "GET":
            assert client.get(url).status_code == 200, f"admin: GET {url}"
    assert re.search(r"<dt>Runs</dt><dd>1</dd>", client.get("/trainer/scenarios/late-post").get_data(as_text=True))


def test_the_owner_sees_their_cohort(client, session, users):
    owner, _outsider, _trainee, _admin, member, values = _world(session, users)
    users.login(owner)
    assert client.get(f"/trainer/cohorts/{values['cohort_id']}/trainees/{member.id}").status_code == 200
    assert "Member Secretname" in client.get(f"/trainer/cohorts/{values['cohort_id']}/progress").get_data(as_text=True)
    assert client.get("/trainer/cohorts/999999").status_code == 404


def test_a_trainees_coaching_actions_are_theirs_alone(app, client, session, users):
    """Sharing a run, replying to a comment, asking for and withdrawing a contact request: 404 for anyone else."""
    owner, outsider, trainee, admin, member, values = _world(session, users)
    stranger = users.create(display_name="Other Cohort Trainee")
    make_cohort(session, outsider, name="Elsewhere")
    routes = [(rule, method, url) for rule, method, url in _all_routes(app, values, "feedback.")]
    assert {rule.endpoint for rule, _m, _u in routes} == {
        "feedback.share_run", "feedback.reply", "feedback.request_contact", "feedback.withdraw_request"}
    audit_before = session.scalar(select(func.count()).select_from(AuditEntry))
    for person in (trainee, stranger, owner, outsider, admin):
        users.login(person)
        token = csrf_token(client, "/account/data")
        for _rule, method, url in routes:
            response = client.post(url, data={"csrf_token": token, "shared": "1", "text": "Hi", "want": "y"})
            assert response.status_code == 404, f"{person.display_name}: {method} {url} -> {response.status_code}"
        users.logout()
    session.expire_all()
    assert session.scalar(select(RunComment.reply_text)) is None
    assert session.scalar(select(ContactRequest.status)) == "open"
    assert session.scalar(select(func.count()).select_from(ContactRequest)) == 1
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


def _all_routes(app, values, prefix: str):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(prefix):
            with app.test_request_context():
                url = url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method, url
