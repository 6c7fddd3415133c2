"""Issue 11, item 3a: no insider quietly takes over an account.

An administrator's reset gives a temporary password that works once, for 24
hours, and forces a new password that only the person knows; the person is told
that an administrator reset theirs, and when. Changing someone's role or access
asks for the admin's own password again. The audit log says what happened in
plain words.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.admin.models import AuditEntry
from lms.core.models import utcnow
from tests.conftest import PASSWORD
from tests.factories import post

NEW_PASSWORD = "a-password-only-I-know"


@pytest.fixture
def admin(users):
    admin = users.create(role="admin", display_name="Ada Admin", email="ada@example.org")
    users.login(admin)
    return admin


def _reset(client, target) -> str:
    url = f"/admin/users/{target.id}"
    body = post(client, f"{url}/password", {"reset-admin_password": PASSWORD, "confirmed": "yes"},
                form_page=url).get_data(as_text=True)
    assert "works once, within 24 hours" in body
    return re.search(r'class="temporary-password"><code>([^<]+)</code>', body).group(1)


def test_the_temporary_password_works_once_and_forces_a_new_one(app, client, session, users, admin):
    target = users.create(display_name="Forgetful", email="forgetful@example.org")
    temporary = _reset(client, target)

    theirs = app.test_client()
    response = users.login(target, password=temporary, client=theirs)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/new-password")
    page = theirs.get("/account/new-password").get_data(as_text=True)
    # When, in the site's one date format and the charity's time: "on 3 March 2026 at 14:05".
    assert re.search(
        r"An administrator reset your password on\s*<time [^>]*>\d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d</time>", page,
    )
    # Every other page waits until a new password is chosen; crisis contacts never do.
    assert theirs.get("/home").headers["Location"].endswith("/account/new-password")
    assert theirs.get("/support").status_code == 200
    # Spent: a second login with it fails, even before the new password is chosen.
    assert users.login(target, password=temporary, client=app.test_client()).status_code == 200

    mismatch = post(theirs, "/account/new-password", {"new": NEW_PASSWORD, "confirm": "other"})
    assert mismatch.status_code == 400 and "The two passwords do not match." in mismatch.get_data(as_text=True)
    done = post(theirs, "/account/new-password", {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert theirs.get("/home").status_code == 200
    assert users.login(target, password=NEW_PASSWORD, client=app.test_client()).status_code == 302
    session.expire_all()
    assert not session.get(User, target.id).must_change_password


def test_the_temporary_password_expires(app, client, session, users, admin):
    target = users.create(display_name="Slow Reader")
    temporary = _reset(client, target)
    session.execute(update(User).where(User.id == target.id)
                    .values(temporary_password_until=utcnow() - timedelta(minutes=1)))
    session.commit()
    response = users.login(target, password=temporary, client=app.test_client())
    assert response.status_code == 200
    assert "That temporary password has expired" in response.get_data(as_text=True)


def test_access_changes_ask_for_the_admins_own_password(app, client, session, users, admin):
    target = users.create(display_name="Target Volunteer")
    url = f"/admin/users/{target.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="admin_password"' in page
    # Deactivating and resetting ask for it on their confirmation page (the first POST changes nothing).
    for action, field in (("active", 'id="active-admin_password"'), ("password", 'id="reset-admin_password"')):
        asked = post(client, f"{url}/{action}", {}, form_page=url)
        assert asked.status_code == 200 and field in asked.get_data(as_text=True)
    wrong = {"admin_password": "not-my-password", "role": "admin"}
    response = post(client, f"{url}/role", wrong, form_page=url)
    assert response.status_code == 400 and "That is not your password, so nothing was changed." in response.get_data(
        as_text=True)
    missing = post(client, f"{url}/active", {"confirmed": "yes"}, form_page=url)
    assert missing.status_code == 400 and "Enter your own password to confirm" in missing.get_data(as_text=True)
    reset = post(client, f"{url}/password", {"reset-admin_password": "guess", "confirmed": "yes"}, form_page=url)
    assert reset.status_code == 400 and 'class="temporary-password"' not in reset.get_data(as_text=True)
    session.expire_all()
    still = session.get(User, target.id)
    assert (still.role, still.active, still.temporary_password_until) == ("trainee", True, None)
    assert session.scalar(select(AuditEntry).where(AuditEntry.target_user_id == target.id)) is None


def test_the_audit_log_says_what_happened_in_plain_words(client, session, users, admin):
    target = users.create(display_name="Audited Volunteer")
    _reset(client, target)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "reset Audited Volunteer’s password and ended their sessions" in page


def test_a_reset_from_the_command_line_is_temporary_too(session, users):
    target = users.create(display_name="Cli Person")
    now = utcnow()
    accounts.reset_password(session, target, now=now)
    session.commit()
    assert target.temporary_password_until == now + timedelta(hours=24)
    assert target.password_reset_by_admin_at == now
