"""Admin tools: users (search, role, deactivate, reset password), site settings, audit log."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.admin.models import AuditEntry
from lms.core.models import SiteSetting
from tests.conftest import PASSWORD, csrf_token
from tests.factories import post, quick_user

#: The admin's own password, asked again by the forms that change someone's access.
ACTIVE = {"active-admin_password": PASSWORD, "confirmed": "yes"}
RESET = {"reset-admin_password": PASSWORD, "confirmed": "yes"}


@pytest.fixture
def admin(users):
    admin = users.create(role="admin", display_name="Ada Admin", email="ada@example.org")
    users.login(admin)
    return admin


def test_users_list_searches_filters_and_pages(client, session, admin):
    for n in range(55):
        quick_user(session, f"Volunteer {n:02d}")
    quick_user(session, "Tom Trainer", role="trainer")
    session.commit()
    page = client.get("/admin/users").get_data(as_text=True)
    assert "57 accounts" in page and "Page 1 of 2" in page and 'rel="next"' in page
    assert "Volunteer 54" in client.get("/admin/users?page=2").get_data(as_text=True)
    found = client.get("/admin/users?q=tom.trainer%40").get_data(as_text=True)
    assert "1 account." in found and "Tom Trainer" in found
    assert "1 account." in client.get("/admin/users?role=trainer").get_data(as_text=True)
    for query in ("?page=zz", "?role=emperor", "?q=%25", "?page=-1"):
        assert client.get(f"/admin/users{query}").status_code == 200, query
    assert client.get("/admin/users/999999").status_code == 404


def test_change_role_is_audited_and_the_last_admin_stays(client, session, users, admin):
    target = users.create(display_name="Future Trainer")
    url = f"/admin/users/{target.id}"
    assert post(client, f"{url}/role", {"role": "trainer", "admin_password": PASSWORD},
                form_page=url).status_code == 302
    session.expire_all()
    assert session.get(User, target.id).role == "trainer"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.set_role"))
    assert (entry.actor_name, entry.target_user_id, entry.details["role"]) == ("Ada Admin", target.id, "trainer")
    # A made-up role is refused.
    post(client, f"{url}/role", {"role": "emperor", "admin_password": PASSWORD}, form_page=url)
    session.expire_all()
    assert session.get(User, target.id).role == "trainer"
    # The only admin cannot demote themselves.
    me = f"/admin/users/{admin.id}"
    response = post(
        client, f"{me}/role", {"role": "trainee", "admin_password": PASSWORD}, form_page=me, follow_redirects=True,
    )
    assert "only admin" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, admin.id).role == "admin"


def test_deactivation_ends_their_sessions_at_once(app, client, session, users, admin):
    target = users.create(display_name="Leaving Volunteer")
    theirs = app.test_client()
    users.login(target, client=theirs)
    assert theirs.get("/home").status_code == 200
    url = f"/admin/users/{target.id}"
    assert post(client, f"{url}/active", ACTIVE, form_page=url).status_code == 302
    assert theirs.get("/home").status_code == 302  # logged out, no waiting
    assert users.login(target, client=app.test_client()).status_code == 200  # and cannot log in
    assert session.scalar(select(AuditEntry.action).where(AuditEntry.target_user_id == target.id)) == "user.deactivate"
    assert post(client, f"{url}/active", ACTIVE, form_page=url).status_code == 302
    session.expire_all()
    assert session.get(User, target.id).active
    # Nobody deactivates themselves.
    me = f"/admin/users/{admin.id}"
    post(client, f"{me}/active", ACTIVE, form_page=me)
    session.expire_all()
    assert session.get(User, admin.id).active


def test_a_deactivation_confirmed_twice_stays_a_deactivation(client, session, users, admin):
    """Two clicks, a resubmitted page or two tabs: the confirmation says what it does, and does only that."""
    target = users.create(display_name="Leaving Volunteer")
    url = f"/admin/users/{target.id}"
    assert 'name="make_active" value="0"' in client.get(url).get_data(as_text=True)
    asked = post(client, f"{url}/active", {"make_active": "0"}, form_page=url)
    assert "Deactivate Leaving Volunteer’s account?" in asked.get_data(as_text=True)
    assert 'name="make_active" value="0"' in asked.get_data(as_text=True)  # carried to the confirmed POST
    for _ in range(2):
        response = post(client, f"{url}/active", {**ACTIVE, "make_active": "0"}, form_page=url, follow_redirects=True)
    assert "Leaving Volunteer is already deactivated: nothing was changed." in response.get_data(as_text=True)
    session.expire_all()
    assert not session.get(User, target.id).active
    assert session.scalars(select(AuditEntry.action).where(AuditEntry.target_user_id == target.id)).all() == [
        "user.deactivate"]
    for _ in range(2):
        response = post(client, f"{url}/active", {**ACTIVE, "make_active": "1"}, form_page=url, follow_redirects=True)
    assert "Leaving Volunteer can already log in: nothing was changed." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, target.id).active


def test_reset_password_shows_a_temporary_password_once(app, client, session, users, admin):
    target = users.create(display_name="Forgetful")
    theirs = app.test_client()
    users.login(target, client=theirs)
    url = f"/admin/users/{target.id}"
    response = post(client, f"{url}/password", RESET, form_page=url)
    body = response.get_data(as_text=True)
    temporary = re.search(r'class="temporary-password"><code>([^<]+)</code>', body).group(1)
    assert theirs.get("/home").status_code == 302  # old sessions ended
    fresh = app.test_client()
    assert users.login(target, password=temporary, client=fresh).status_code == 302
    assert temporary not in client.get(url).get_data(as_text=True)
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "user.reset_password")) is not None


def test_site_settings_are_validated_and_audited(app, client, session, admin):
    url = "/admin/settings"
    page = client.get(url).get_data(as_text=True)
    assert "<legend>Registration</legend>" in page
    form = {"SITE_NAME": "Kōrero Training", "CHARITY_NAME": "Example Trust", "CHARITY_NUMBER": "123",
            "REGISTRATION": "invite", "STAFF_SECOND_FACTOR": "optional",
            "CERTIFICATE_SIGNATORY": "Jo Bloggs, Training Lead",
            "CERTIFICATE_PRIMARY_COLOUR": "#AA3300", "SUPPORT_INTRO": "Take a break whenever you need."}
    assert post(client, url, form).status_code == 302
    assert session.get(SiteSetting, "REGISTRATION").value == "invite"
    assert session.get(SiteSetting, "CERTIFICATE_PRIMARY_COLOUR").value == "#aa3300"
    assert "Kōrero Training" in client.get("/home").get_data(as_text=True)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "settings.update"))
    assert "REGISTRATION" in entry.details["keys"]
    # Invite-only now applies to registration.
    assert app.test_client().get("/register").status_code == 403

    bad_colour = post(client, url, dict(form, CERTIFICATE_PRIMARY_COLOUR="red"))
    assert bad_colour.status_code == 400 and "six hex digits" in bad_colour.get_data(as_text=True)
    bad_choice = post(client, url, dict(form, REGISTRATION="everyone"))
    assert bad_choice.status_code == 400
    assert session.get(SiteSetting, "REGISTRATION").value == "invite"


def test_every_refused_setting_is_named_beside_its_field_and_nothing_is_saved(client, session, admin):
    url = "/admin/settings"
    form = {"SITE_NAME": "", "CHARITY_NAME": "A new name", "CHARITY_NUMBER": "123", "REGISTRATION": "open",
            "STAFF_SECOND_FACTOR": "optional", "CERTIFICATE_SIGNATORY": "Jo Bloggs",
            "CERTIFICATE_PRIMARY_COLOUR": "red", "SUPPORT_INTRO": "Take a break whenever you need."}
    refused = post(client, url, form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    summary = page.split('class="error-summary-list"', 1)[1].split("</ul>", 1)[0]
    # Both problems at once, each linked to its own field, and each said beside that field too.
    assert 'href="#SITE_NAME"' in summary and "the site needs a name" in summary
    assert 'href="#CERTIFICATE_PRIMARY_COLOUR"' in summary and "six hex digits" in summary
    after_summary = page.split("</ul>", 1)[1]
    assert "the site needs a name" in after_summary and "six hex digits" in after_summary
    assert session.get(SiteSetting, "CHARITY_NAME") is None  # the valid change waits for the others


def test_settings_with_control_characters_are_refused_beside_their_field(client, session, admin):
    url = "/admin/settings"
    form = {"SITE_NAME": "Training", "CHARITY_NAME": "Example\x1b[31m Trust", "CHARITY_NUMBER": "123",
            "REGISTRATION": "open", "STAFF_SECOND_FACTOR": "optional", "CERTIFICATE_SIGNATORY": "Jo Bloggs",
            "CERTIFICATE_PRIMARY_COLOUR": "#aa3300", "SUPPORT_INTRO": "Take a break.\x07",
            "ORG": "crisis_line = 0800 000\x01 000"}
    refused = post(client, url, form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    after_summary = page.split("</ul>", 1)[1]
    for label in ("Charity name", "Support page introduction",
                  "Organisation details used in the training (one name = value per line)"):
        assert f"{label}: this contains characters that cannot be shown." in after_summary, label
    assert session.get(SiteSetting, "CHARITY_NAME") is None and session.get(SiteSetting, "SUPPORT_INTRO") is None
    # A text box keeps its line breaks and tabs.
    fine = dict(form, CHARITY_NAME="Example Trust", SUPPORT_INTRO="Take a break.\r\n\tCall us.",
                ORG="crisis_line = 0800 000 000")
    assert post(client, url, fine).status_code == 302
    assert session.get(SiteSetting, "SUPPORT_INTRO").value == "Take a break.\r\n\tCall us."


def test_audit_log_is_newest_first_and_paged(client, session, users, admin):
    target = users.create(display_name="Someone")
    for n in range(52):
        session.add(AuditEntry(actor_id=admin.id, actor_name="Ada Admin", action=f"test.action{n:02d}",
                               target_user_id=target.id, target="Someone"))
        session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert page.index("test.action51") < page.index("test.action50")
    assert "Page 1 of 2" in page and "test.action00" not in page
    assert "test.action00" in client.get("/admin/audit?page=2").get_data(as_text=True)
    assert client.get("/admin/audit?page=x").status_code == 200


def test_admin_pages_are_csrf_protected(client, admin, users):
    target = users.create()
    response = client.post(f"/admin/users/{target.id}/active", data={})
    assert response.status_code == 400
    assert csrf_token(client, "/admin/settings")
