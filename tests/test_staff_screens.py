"""Staff screens that are safe and readable (issue 14, item 6): irreversible actions ask first, on a page
that works without JavaScript; sign-off shows who the trainee is; a trainee is told why a certificate was
refused or revoked; the audit log reads as sentences with names; trainers land on their own page."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.admin import audit
from lms.admin.models import AuditEntry
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, CohortMember
from lms.learning.models import ReflectionEntry
from tests.conftest import PASSWORD, csrf_token
from tests.factories import certify, enrol, issue, join, make_cohort, post

LMS = Path(__file__).resolve().parent.parent / "lms"


@pytest.fixture
def world(app, session, users):
    """A trainer (Sam) with a cohort holding Alex, who has an issued certificate and a reflection."""
    trainer = users.create(role="trainer", display_name="Sam Trainer", email="sam@example.org")
    alex = users.create(display_name="Alex", email="alex@example.org")
    cohort = make_cohort(session, trainer, name="Spring intake")
    join(session, cohort, alex)
    certificate = issue(app, session, alex, name="Alexandra Example")
    entry = ReflectionEntry(user_id=alex.id, course_id="listening", step_id="welcome", reflection_id="r-hardest",
                            prompt_text="What is hardest?", text="Staying calm when it is late.")
    session.add(entry)
    session.commit()
    return {"trainer": trainer, "alex": alex, "cohort": cohort, "certificate": certificate, "entry": entry}


def _state(session, world) -> tuple:
    """Everything the seven actions could change, read fresh."""
    session.expire_all()
    alex = session.get(User, world["alex"].id)
    return (session.get(Certificate, world["certificate"].id).status,
            session.scalar(select(func.count()).select_from(Certificate)),
            session.get(Cohort, world["cohort"].id).archived_at,
            session.scalar(select(func.count()).select_from(CohortMember)),
            session.scalar(select(func.count()).select_from(ReflectionEntry)),
            alex.active, alex.password_hash, alex.session_token,
            session.scalar(select(func.count()).select_from(AuditEntry)))


def _actions(world, admin_id):
    """(who acts, URL, what the first POST carries, words the confirmation page must show)."""
    c, cohort, alex = world["certificate"], world["cohort"], world["alex"]
    return [
        ("trainer", f"/certificates/manage/{c.id}/revoke", {"reason": "Issued in error"},
         ["Revoke Alex’s certificate for Listening basics?", "Issued in error", "Revoke the certificate"]),
        ("trainer", f"/certificates/manage/{c.id}/reissue", {"holder_name": "Alexandra Exemple"},
         ["Re-issue Alex’s certificate for Listening basics to “Alexandra Exemple”?", "is revoked"]),
        ("trainer", f"/trainer/cohorts/{cohort.id}/members/{alex.id}/remove", {},
         ["Remove Alex from Spring intake?", "keeps their own progress"]),
        ("trainer", f"/trainer/cohorts/{cohort.id}/archive", {},
         ["Archive the cohort “Spring intake”?", "1 trainee keep"]),
        ("admin", f"/admin/users/{alex.id}/password", {},
         ["Reset Alex’s password?", "alex@example.org", "Your own password, to confirm"]),
        ("admin", f"/admin/users/{alex.id}/active", {},
         ["Deactivate Alex’s account?", "logged out everywhere", "Your own password, to confirm"]),
        ("alex", f"/my/reflections/{world['entry'].id}/delete", {},
         ["Delete your reflection on", "Staying calm when it is late.", "Delete the reflection"]),
    ]


def test_every_irreversible_action_asks_first_and_only_the_confirmed_post_acts(app, client, session, users, world):
    admin = users.create(role="admin", display_name="Ada Admin")
    people = {"trainer": world["trainer"], "admin": admin, "alex": world["alex"]}
    for who, url, data, words in _actions(world, admin.id):
        users.login(people[who])
        before = _state(session, world)
        asked = post(client, url, data, form_page="/support")
        page = asked.get_data(as_text=True)
        assert asked.status_code == 200, url
        for phrase in words:
            assert phrase in page, (url, phrase)
        # The confirmation form: the same URL, confirmed=yes, a CSRF token, what the first POST carried, a Cancel link.
        form = re.search(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page.split('id="confirm-title"')[1],
                         re.S)
        assert form and form.group(1) == url, url
        assert 'name="confirmed" value="yes"' in form.group(2) and 'name="csrf_token"' in form.group(2)
        for name, value in data.items():
            assert f'name="{name}" value="{value}"' in form.group(2)
        assert re.search(r'<a href="[^"]+">Cancel</a>', form.group(2))
        assert _state(session, world) == before, f"the first POST changed something: {url}"
        # The confirmed POST without its CSRF token is refused and changes nothing.
        assert client.post(url, data={**data, "confirmed": "yes"}).status_code == 400
        assert _state(session, world) == before, url
        users.logout()
    # Now each confirmed POST acts (the admin ones with the admin's own password); revoking is
    # left out, as re-issuing revokes the same certificate (tests below revoke through the pages).
    actions = _actions(world, admin.id)
    for who, url, data, _words in [actions[i] for i in (1, 6, 4, 5, 3, 2)]:
        users.login(people[who])
        extra = {"reset-admin_password": PASSWORD} if url.endswith("/password") else (
            {"active-admin_password": PASSWORD} if url.endswith("/active") else {})
        before = _state(session, world)
        response = post(client, url, {**data, **extra, "confirmed": "yes"}, form_page="/support")
        assert response.status_code in (200, 302), url
        assert _state(session, world) != before, f"the confirmed POST did nothing: {url}"
        users.logout()
    session.expire_all()
    assert session.get(Certificate, world["certificate"].id).status == "revoked"
    assert session.get(Cohort, world["cohort"].id).archived_at is not None
    assert session.scalar(select(func.count()).select_from(ReflectionEntry)) == 0
    assert not session.get(User, world["alex"].id).active


def test_a_wrong_admin_password_on_the_confirmation_page_says_so_there(client, session, users, world):
    users.login(users.create(role="admin"))
    url = f"/admin/users/{world['alex'].id}/active"
    response = post(client, url, {"confirmed": "yes", "active-admin_password": "not mine"}, form_page="/support")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "That is not your password, so nothing was changed." in page
    assert "Deactivate Alex’s account?" in page and 'class="error-summary"' in page
    session.expire_all()
    assert session.get(User, world["alex"].id).active


def test_sign_off_shows_the_trainee_their_cohorts_and_a_refusal_worded_as_such(app, client, session, users, world):
    pending = certify(session, world["alex"], status="pending",
                      enrolment=enrol(session, world["alex"], completed=True, cycle=2))
    users.login(world["trainer"])
    listing = client.get("/certificates/manage").get_data(as_text=True)
    assert "Waiting for your sign-off" in listing and "Alex" in listing and "(Spring intake)" in listing
    url = f"/certificates/manage/{pending.id}"
    page = client.get(url).get_data(as_text=True)
    record = f'href="/trainer/cohorts/{world["cohort"].id}/trainees/{world["alex"].id}"'
    assert "<strong dir=\"auto\">Alex</strong>" in page and record in page and "Spring intake" in page
    assert "Refuse this certificate" in page and "Refuse certificate" in page and "Revoke" not in page
    asked = post(client, f"{url}/revoke", {"reason": "The role-play was not passed"}, form_page=url)
    assert "Refuse Alex’s certificate for Listening basics?" in asked.get_data(as_text=True)
    done = post(client, f"{url}/revoke", {"reason": "The role-play was not passed", "confirmed": "yes"},
                form_page=url, follow_redirects=True)
    assert "The certificate is refused." in done.get_data(as_text=True)
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.details["certificate_id"].as_integer()
                                                          == pending.id)) == "certificate.refused"
    # Alex is told why, and what to do next, on the certificates page and on the course page.
    users.logout()
    users.login(world["alex"])
    for path in ("/certificates", "/courses/listening"):
        body = client.get(path).get_data(as_text=True)
        assert "Your certificate for Listening basics was not approved" in body, path
        assert "The role-play was not passed" in body and "What to do next:" in body, path


def test_a_revoked_certificate_tells_its_holder_why(client, session, users, world):
    users.login(world["trainer"])
    url = f"/certificates/manage/{world['certificate'].id}"
    post(client, f"{url}/revoke", {"reason": "Issued to the wrong person", "confirmed": "yes"}, form_page=url)
    users.logout()
    users.login(world["alex"])
    body = client.get("/certificates").get_data(as_text=True)
    assert "Your certificate for Listening basics was revoked" in body and "Issued to the wrong person" in body
    assert "talk to your trainer" in body and 'href="/courses/listening"' in body


def test_the_audit_log_reads_as_sentences_with_names(client, session, users, world):
    users.login(world["trainer"])
    url = f"/certificates/manage/{world['certificate'].id}"
    post(client, f"{url}/revoke", {"reason": "Issued in error", "confirmed": "yes"}, form_page=url)
    users.logout()
    users.login(users.create(role="admin", display_name="Ada Admin"))
    post(client, "/admin/settings", {"SITE_NAME": "Night Line Training", "REGISTRATION": "open",
                                     "CERTIFICATE_PRIMARY_COLOUR": "#1d4f91"})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Sam Trainer revoked Alex’s certificate for Listening basics: reason “Issued in error”." in page
    assert "Sam Trainer created the cohort “Spring intake”." in page
    assert "Ada Admin changed the site settings: Site name" in page
    assert f'href="/certificates/manage/{world["certificate"].id}"' in page
    for code in ("certificate.revoked", "settings.update", "certificate_id", "cohort_id"):
        assert code not in page, code


def _recorded_actions() -> set[str]:
    """Every action name passed to audit.record anywhere in lms/, read from the code itself."""
    found: set[str] = set()
    for path in LMS.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                     and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                     for t in n.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"):
                found |= _names(node.args[2], constants)
    return found


def _names(node: ast.expr, constants: dict[str, str]) -> set[str]:
    """The action names an argument can be: a string, a module constant, either branch of `a if c else b`."""
    if isinstance(node, ast.IfExp):
        return _names(node.body, constants) | _names(node.orelse, constants)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Name) and node.id in constants:
        return {constants[node.id]}
    raise AssertionError(f"an audit action the test cannot read: {ast.unparse(node)}")


def test_every_audited_action_has_words():
    actions = _recorded_actions()
    assert len(actions) >= 25 and "cohort.nudge" in actions and "certificate.refused" in actions
    missing = sorted(actions - set(audit.DESCRIPTIONS))
    assert not missing, f"audit actions without a description in lms/admin/audit.py DESCRIPTIONS: {missing}"


@pytest.mark.parametrize("action", sorted(audit.DESCRIPTIONS))
def test_each_description_fills_in_names_not_codes(action):
    entry = AuditEntry(actor_id=1, actor_name="Sam Trainer", action=action, target_user_id=2, target="listening",
                       details={"certificate_id": 6, "cohort_id": 3, "course_id": "listening", "step_id": "welcome",
                                "reason": "Issued in error", "role": "trainer", "previous": "trainee",
                                "keys": ["SITE_NAME"], "verdict": "accepted", "revoked_certificates": 1})
    line = audit.describe(entry, "Alex", cohorts={3: "Spring intake"})
    assert "{" not in line.text and "_id" not in line.text and action not in line.text
    assert line.text.endswith(".") and ("Sam Trainer" in line.text or "Alex" in line.text or "listening" in line.text)


@pytest.mark.parametrize("role, landing", [("trainer", "/trainer/needs-you"), ("admin", "/trainer/needs-you"),
                                           ("trainee", "/")])
def test_trainers_land_on_their_page_after_logging_in(users, role, landing):
    response = users.login(users.create(role=role))
    assert response.status_code == 302 and response.headers["Location"].endswith(landing)


def test_a_next_page_still_wins_over_the_landing_page(client, users):
    trainer = users.create(role="trainer")
    response = client.post("/login", data={"email": trainer.email, "password": PASSWORD, "next": "/certificates",
                                           "csrf_token": csrf_token(client, "/login")})
    assert response.headers["Location"].endswith("/certificates")
