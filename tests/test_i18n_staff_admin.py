"""Staff pages in Welsh (issue 20): admin, audit log, certificates, second factor and the data page.

Each logs in as someone whose account language is Welsh and reads the page and the message after an action.
"""
from __future__ import annotations

from flask_babel import force_locale

from lms.accounts.models import User
from lms.admin import audit
from lms.admin.models import AuditEntry
from tests.conftest import PASSWORD, csrf_token
from tests.factories import issue, post


def _welsh(users, session, role: str, **kwargs) -> User:
    user = users.create(role=role, **kwargs)
    session.get(User, user.id).language = "cy"
    session.commit()
    users.login(user)
    return user


def test_an_admin_reads_the_users_pages_in_welsh_and_a_role_change_is_said_in_welsh(client, session, users):
    _welsh(users, session, "admin", display_name="Ada Admin")
    target = users.create(display_name="Tomos")
    found = client.get("/admin/users").get_data(as_text=True)
    assert '<html lang="cy">' in found and "<h1>Defnyddwyr</h1>" in found and "cyfrif." in found
    url = f"/admin/users/{target.id}"
    page = client.get(url).get_data(as_text=True)
    assert "<h2>Rôl</h2>" in page and "Eich cyfrinair eich hun, i gadarnhau" in page
    done = post(client, f"{url}/role", {"role": "trainer", "admin_password": PASSWORD}, form_page=url,
                follow_redirects=True).get_data(as_text=True)
    assert "Rôl Tomos bellach yw hyfforddwr." in done
    wrong = post(client, f"{url}/role", {"role": "trainee", "admin_password": "not mine"}, form_page=url)
    assert wrong.status_code == 400
    assert "Nid dyna eich cyfrinair, felly ni newidiwyd dim." in wrong.get_data(as_text=True)
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "<h1>Log archwilio</h1>" in log
    assert "Newidiodd Ada Admin rôl Tomos (o’r blaen: hyfforddai; nawr: hyfforddwr)." in log
    settings = post(client, "/admin/settings", {"SITE_NAME": "", "REGISTRATION": "open",
                                                "STAFF_SECOND_FACTOR": "optional", "CERTIFICATE_LANGUAGES": "holder"})
    assert settings.status_code == 400 and "Enw’r wefan: mae angen enw ar y wefan." in settings.get_data(as_text=True)


def test_the_audit_log_keeps_its_english_words_and_placeholders(app):
    entry = AuditEntry(actor_id=1, actor_name="Sam", action="user.set_role", target_user_id=2, target="Alex",
                       details={"role": "trainer", "previous": "trainee"})
    with app.test_request_context():
        assert audit.describe(entry, "Alex").text == "Sam changed Alex’s role from trainee to trainer."
        with force_locale("cy"):
            line = audit.describe(entry, "Alex")
    assert line.text == "Newidiodd Sam rôl Alex (o’r blaen: hyfforddai; nawr: hyfforddwr)."
    assert line.links[0][2] == "Alex (cyfrif)"


def test_a_trainer_revokes_a_certificate_in_welsh(app, client, session, users):
    certificate = issue(app, session, users.create(display_name="Gwen"))
    _welsh(users, session, "admin")
    url = f"/certificates/manage/{certificate.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Dirymu’r dystysgrif hon" in page and "<dt>Llofnodwr</dt>" in page
    assert "<h1>Tystysgrifau</h1>" in client.get("/certificates/manage").get_data(as_text=True)
    asked = client.post(f"{url}/revoke", data={"csrf_token": csrf_token(client, url), "reason": "Camgymeriad"})
    assert "Dirymu tystysgrif Gwen ar gyfer" in asked.get_data(as_text=True)
    done = client.post(f"{url}/revoke", data={"csrf_token": csrf_token(client, url), "reason": "Camgymeriad",
                                              "confirmed": "yes"}, follow_redirects=True).get_data(as_text=True)
    assert "Mae’r dystysgrif wedi’i dirymu. Mae ei thudalen wirio bellach yn dweud hynny, gyda’ch rheswm." in done


def test_a_trainer_sets_up_a_second_factor_in_welsh(client, session, users):
    _welsh(users, session, "trainer")
    page = client.get("/account/second-factor").get_data(as_text=True)
    assert "<h1>Ail ffactor: ap dilysu</h1>" in page and "Y cod 6 digid y mae eich ap yn ei ddangos nawr" in page
    wrong = post(client, "/account/second-factor", {"code": "000000"})
    assert wrong.status_code == 400 and "Nid yw’r cod hwnnw’n cyfateb." in wrong.get_data(as_text=True)


def test_the_readable_data_page_is_in_welsh(client, session, users):
    _welsh(users, session, "trainer")
    page = client.get("/account/data/view").get_data(as_text=True)
    assert "<h1>Popeth rydym yn ei gadw amdanoch</h1>" in page and "Eich proffil" in page


def test_an_e_mailed_invitation_is_logged_as_sent_to_the_person_not_the_cohort(app):
    entry = AuditEntry(actor_id=1, actor_name="Sam", action="invite.create", target="cohort Night owls",
                       details={"email": "newbie@example.org", "emailed": True})
    unsent = AuditEntry(actor_id=1, actor_name="Sam", action="invite.create", target="cohort Night owls",
                        details={"email": "newbie@example.org"})
    with app.test_request_context():
        assert audit.describe(entry).text == "Sam e-mailed newbie@example.org an invitation to the cohort “Night owls”."
        assert (audit.describe(unsent).text
                == "Sam created an invitation for newbie@example.org to the cohort “Night owls”.")
        with force_locale("cy"):
            welsh = audit.describe(entry).text
    assert "newbie@example.org" in welsh and "Night owls" in welsh and "e-mailed" not in welsh


def test_the_audit_log_writes_cohorts_with_their_preposition_and_due_dates_in_words(app):
    """Welsh joins "i" and "o" to "y garfan" ("i’r garfan"); a due date reads as on every other page."""
    assigned = AuditEntry(actor_id=1, actor_name="Sam", action="cohort.assign_course", target="cohort Night owls",
                          details={"course_id": "gone", "due_on": "2026-12-11"})
    removed = AuditEntry(actor_id=1, actor_name="Sam", action="cohort.remove_member", target="cohort Night owls",
                         target_user_id=2, details={})
    with app.test_request_context():
        assert audit.describe(assigned).text == "Sam assigned gone to the cohort “Night owls”, due 11 December 2026."
        assert audit.describe(removed, "Dana").text == "Sam removed Dana from the cohort “Night owls”."
        with force_locale("cy"):
            welsh_assigned, welsh_removed = audit.describe(assigned).text, audit.describe(removed, "Dana").text
    assert "i’r garfan “Night owls”" in welsh_assigned and "11 Rhagfyr 2026" in welsh_assigned
    assert "o’r garfan “Night owls”" in welsh_removed
    assert " i y " not in welsh_assigned + welsh_removed and " o y " not in welsh_removed
