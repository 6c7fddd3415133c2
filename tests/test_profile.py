"""Profile and data (issue 14, item 8): a person changes their display name, email (with their password,
confirmed from the new mailbox)
and the legal name for future certificates; their data reads as a page as well as a JSON file."""
from __future__ import annotations

import json

from sqlalchemy import select

from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.learning.models import ReflectionEntry
from tests.conftest import PASSWORD
from tests.factories import issue, post


def _me(session, user) -> User:
    session.expire_all()
    return session.get(User, user.id)


def test_the_account_page_and_the_nav_lead_to_the_profile(client, users):
    users.login(users.create(display_name="Kit"))
    account = client.get("/account/data").get_data(as_text=True)
    assert 'href="/account/profile"' in account and 'href="/account/data/view"' in account
    page = client.get("/account/profile").get_data(as_text=True)
    assert 'aria-current="page">Account</a>' in page
    assert 'value="Kit"' in page and "keep the name printed on them" in page


def test_names_change_and_issued_certificates_keep_theirs(app, client, session, users):
    kit = users.create(display_name="Kit")
    certificate = issue(app, session, kit, name="Kit Old-Name")
    users.login(kit)
    response = post(client, "/account/profile", {"display_name": "  Kit   Moss ", "legal_name": "Katherine Moss"},
                    follow_redirects=True)
    assert "Your names are saved." in response.get_data(as_text=True)
    me = _me(session, kit)
    assert (me.display_name, me.legal_name) == ("Kit Moss", "Katherine Moss")
    # The issued certificate is a frozen record: neither its name nor its PDF changed.
    assert session.get(Certificate, certificate.id).holder_name == "Kit Old-Name"
    # The next claim is prefilled with the new legal name.
    assert 'value="Katherine Moss"' in client.get("/account/profile").get_data(as_text=True)


def test_bad_names_are_refused_with_our_words(client, session, users):
    kit = users.create(display_name="Kit")
    users.login(kit)
    empty = post(client, "/account/profile", {"display_name": "   ", "legal_name": ""})
    assert empty.status_code == 400 and "Enter a display name." in empty.get_data(as_text=True)
    long = post(client, "/account/profile", {"display_name": "x" * 81, "legal_name": ""})
    assert long.status_code == 400 and "Keep it to 80 characters or fewer." in long.get_data(as_text=True)
    control = post(client, "/account/profile", {"display_name": "Kit\x07", "legal_name": ""})
    assert control.status_code == 400 and "cannot be shown" in control.get_data(as_text=True)
    assert _me(session, kit).display_name == "Kit"


def test_email_changes_only_with_the_password(app, client, session, users):
    kit = users.create(display_name="Kit", email="kit@example.org")
    users.login(kit)
    typed = {"email-new_email": "new@example.org", "email-confirm_email": "new@example.org"}
    wrong = post(client, "/account/profile/email", {**typed, "email-password": "guess"},
                 form_page="/account/profile")
    assert wrong.status_code == 400 and "That is not your password" in wrong.get_data(as_text=True)
    missing = post(client, "/account/profile/email", typed,
                   form_page="/account/profile")
    assert missing.status_code == 400 and "Enter your password to change your email address." in missing.get_data(
        as_text=True)
    assert _me(session, kit).email == "kit@example.org"
    mismatch = post(client, "/account/profile/email", {**typed, "email-confirm_email": "new@exmaple.org",
                                                       "email-password": PASSWORD}, form_page="/account/profile")
    assert mismatch.status_code == 400 and "The two addresses do not match." in mismatch.get_data(as_text=True)
    done = post(client, "/account/profile/email", {"email-new_email": " New@Example.org ",
                                                   "email-confirm_email": "new@example.org",
                                                   "email-password": PASSWORD},
                form_page="/account/profile", follow_redirects=True)
    # A link goes to the new address (tests/test_account_notices.py follows it): until then nothing changes.
    assert "We have sent a link to new@example.org." in done.get_data(as_text=True)
    assert _me(session, kit).email == "kit@example.org"
    assert users.login("kit@example.org", client=app.test_client()).status_code == 302
    assert users.login("new@example.org", client=app.test_client()).status_code == 200


def test_a_taken_email_is_refused_without_saying_whose(client, session, users):
    users.create(display_name="Someone Else", email="taken@example.org")
    kit = users.create(display_name="Kit", email="kit@example.org")
    users.login(kit)
    response = post(client, "/account/profile/email", {"email-new_email": "TAKEN@example.org",
                                                       "email-confirm_email": "taken@example.org",
                                                       "email-password": PASSWORD}, form_page="/account/profile")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "That email address cannot be used for this account. Please choose another." in body
    assert "Someone Else" not in body and "already has an account" not in body and "in use" not in body
    assert _me(session, kit).email == "kit@example.org"


def test_profile_forms_need_their_csrf_token(client, session, users):
    kit = users.create(display_name="Kit")
    users.login(kit)
    assert client.post("/account/profile", data={"display_name": "Hacked"}).status_code == 400
    assert client.post("/account/profile/email", data={"email-new_email": "x@example.org",
                                                       "email-confirm_email": "x@example.org",
                                                       "email-password": PASSWORD}).status_code == 400
    assert _me(session, kit).display_name == "Kit"


def test_profile_pages_need_a_login(app):
    guest = app.test_client()
    for url in ("/account/profile", "/account/data/view"):
        response = guest.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_my_data_reads_as_a_page_with_the_same_content_as_the_file(app, client, session, users):
    kit = users.create(display_name="Kit Reader", email="reader@example.org")
    other = users.create(display_name="Other Person")
    issue(app, session, kit, name="Katherine Reader")
    session.add(ReflectionEntry(user_id=kit.id, course_id="listening", step_id="welcome", reflection_id="r-hardest",
                                prompt_text="What is hardest?", text="Words only I wrote."))
    session.add(ReflectionEntry(user_id=other.id, course_id="listening", step_id="welcome", reflection_id="r-hardest",
                                prompt_text="What is hardest?", text="Someone else's words."))
    session.commit()
    users.login(kit)
    response = client.get("/account/data/view")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Everything we store about you" in page and "reader@example.org" in page
    assert "Your certificates" in page and "Katherine Reader" in page
    assert "Your reflections" in page and "Words only I wrote." in page
    assert "Someone else" not in page and "password_hash" not in page.lower() and "Password hash" not in page
    exported = json.loads(client.get("/account/data/download").get_data(as_text=True))
    reflections = exported["tables"]["reflection_entries"]
    assert [r["text"] for r in reflections] == ["Words only I wrote."]
    assert session.scalar(select(User.display_name).where(User.id == kit.id)) == "Kit Reader"
