"""What the account's mailbox is told, through a real SMTP server on loopback: a new login address takes effect
only from a link sent to it; an administrator's password reset is told to the account (never with the temporary
password); deleting one's own account is confirmed to the address it had."""
from __future__ import annotations

import re
import time
from unittest.mock import patch

import pytest
from markupsafe import escape
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.core.db import db
from lms.jobs.models import Job
from lms.mail import services as mail
from tests.conftest import PASSWORD, mail_config
from tests.factories import certify, links, local, parts, post, run_jobs, subject

CONFIRM = "Confirm your new e-mail address"
TOLD = "The e-mail address of your account was changed"


@pytest.fixture
def app_config(smtp_server):
    return mail_config(smtp_server)


def _me(session, user) -> User:
    session.expire_all()
    return session.get(User, user.id)


def _ask(client, new_email: str, password: str = PASSWORD, confirm: str | None = None):
    return post(client, "/account/profile/email", {"email-new_email": new_email,
                                                   "email-confirm_email": confirm or new_email,
                                                   "email-password": password},
                form_page="/account/profile", follow_redirects=True)


def _confirm_link(smtp_server, address: str) -> str:
    [message] = [m for m in smtp_server.to(address) if subject(m) == CONFIRM]
    return next(u for u in links(parts(message)[0]) if "/account/email/confirm/" in u)


def _page(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


# -- a new login address ------------------------------------------------------------------------

def test_a_new_address_takes_effect_only_when_confirmed_from_the_new_mailbox(app, client, session, users,
                                                                             smtp_server):
    kit = users.create(display_name="Kit", email="kit@example.org")
    users.login(kit)
    asked = _page(_ask(client, " New@Example.org "))
    # Said next to the form, where the person is looking: where the link went, what holds meanwhile, for how long.
    assert ('id="email-notice-1"' in asked and "We have sent a link to new@example.org." in asked
            and "Until you open it, you still log in with kit@example.org, as before." in asked
            and "The link works for 24 hours." in asked)
    assert _me(session, kit).email == "kit@example.org"
    assert users.login("kit@example.org", client=app.test_client()).status_code == 302
    assert users.login("new@example.org", client=app.test_client()).status_code == 200

    run_jobs(app)
    assert not smtp_server.to("kit@example.org")  # the old address is told only once it has changed
    [message] = smtp_server.to("new@example.org")
    assert subject(message) == CONFIRM and "List-Unsubscribe" not in message
    text, html = parts(message)
    flat = " ".join(text.split())
    assert "with this address, new@example.org," in flat and "for the next 24 hours" in flat
    assert "If you did not ask, you can ignore this e-mail: nothing changes." in flat
    link = _confirm_link(smtp_server, "new@example.org")
    assert "lang=" not in link and str(escape(link)) in html

    # Opening the link (a mail scanner does) changes nothing and queues nothing.
    for _ in range(2):
        page = client.get(local(link))
        assert page.status_code == 200 and "Use this email address" in page.get_data(as_text=True)
    assert _me(session, kit).email == "kit@example.org" and mail.pending_email_count(session) == 0
    assert client.post(local(link), data={}).status_code == 400  # no CSRF token: nothing done
    assert _me(session, kit).email == "kit@example.org"

    done = post(client, local(link), {}, follow_redirects=True)
    assert done.request.path == "/account/profile"
    assert "Your email address is now new@example.org. Log in with it from now on." in _page(done)
    assert _me(session, kit).email == "new@example.org"
    assert users.login("new@example.org", client=app.test_client()).status_code == 302
    assert users.login("kit@example.org", client=app.test_client()).status_code == 200

    run_jobs(app)
    [told] = smtp_server.to("kit@example.org")
    assert subject(told) == TOLD and "to n…w@example.org" in " ".join(parts(told)[0].split())
    assert len(smtp_server.to("new@example.org")) == 1  # the new address got the link, nothing more

    spent = client.get(local(link))  # the address it replaced is gone: so is the link
    body = _page(spent)
    assert spent.status_code == 404 and "This link no longer works" in body
    assert "A link to confirm a new email address works once, for 24 hours" in body


def test_only_the_account_itself_confirms_a_signed_out_visitor_logs_in_first(app, client, session, users,
                                                                              smtp_server):
    """A mistyped address may be a stranger's mailbox: the link alone never hands them the account."""
    kit = users.create(display_name="Kit", email="kit@example.org")
    users.login(kit)
    _ask(client, "kit.phone@example.org")
    run_jobs(app)
    link = local(_confirm_link(smtp_server, "kit.phone@example.org"))
    stranger = app.test_client()  # whoever reads that mailbox, signed out
    opened = stranger.get(link)
    assert opened.status_code == 302 and "/login?next=" in opened.headers["Location"]
    assert post(stranger, link, {}, form_page="/login").status_code in (302, 400)
    users.login(users.create(display_name="Stranger", email="stranger@example.org"), client=stranger)
    other = stranger.get(link)
    assert other.status_code == 403 and "This link is for another account." in _page(other)
    assert "Use this email address" not in other.get_data(as_text=True)
    assert post(stranger, link, {}, form_page="/account/profile").status_code == 403
    assert _me(session, kit).email == "kit@example.org"

    phone = app.test_client()  # Kit, on their phone: logs in with the address they still have, and comes back
    assert users.login("kit@example.org", client=phone).status_code == 302
    assert "Use this email address" in phone.get(link).get_data(as_text=True)
    done = post(phone, link, {}, follow_redirects=True)
    assert done.request.path == "/account/profile"
    assert "Your email address is now kit.phone@example.org. Log in with it from now on." in _page(done)
    assert _me(session, kit).email == "kit.phone@example.org"


def test_forged_expired_spent_and_switched_off_links_get_our_404(app, client, session, users, smtp_server):
    kit = users.create(display_name="Kit", email="kit@example.org")
    users.login(kit)
    forged = client.get("/account/email/confirm/forged.token.here")
    assert forged.status_code == 404 and "This link no longer works" in _page(forged)
    assert 'href="/account/profile"' in forged.get_data(as_text=True)
    assert client.post("/account/email/confirm/forged.token.here",
                       data={"csrf_token": ""}).status_code == 400  # refused before anything is read

    _ask(client, "first@example.org")
    _ask(client, "second@example.org")
    run_jobs(app)
    first, second = (local(_confirm_link(smtp_server, a)) for a in ("first@example.org", "second@example.org"))
    with app.test_request_context(), patch("itsdangerous.timed.time.time",
                                           return_value=time.time() + accounts.EMAIL_CHANGE_LINK_HOURS * 3600 + 1):
        assert accounts.email_change_for(db.session, first.split("?")[0].rsplit("/", 1)[1]) is None  # a day on

    assert post(client, second, {}).status_code == 303  # the address changed: every other link is spent
    expired = client.get(first)
    assert expired.status_code == 404 and "This link no longer works" in _page(expired)
    assert _me(session, kit).email == "second@example.org"

    _ask(client, "third@example.org")
    run_jobs(app)
    third = local(_confirm_link(smtp_server, "third@example.org"))
    accounts.set_active(session, session.get(User, kit.id), False)
    session.commit()
    with app.test_request_context():  # a switched-off account (it can no longer log in to open it either)
        assert accounts.email_change_for(db.session, third.split("?")[0].rsplit("/", 1)[1]) is None
    assert _me(session, kit).email == "second@example.org"


def test_an_address_taken_meanwhile_is_refused_and_nothing_changes(app, client, session, users, smtp_server):
    kit = users.create(display_name="Kit", email="kit@example.org")
    users.login(kit)
    _ask(client, "wanted@example.org")
    run_jobs(app)
    link = local(_confirm_link(smtp_server, "wanted@example.org"))
    users.create(display_name="Quicker", email="wanted@example.org")
    unavailable = "That email address cannot be used for this account. Please choose another."
    shown = client.get(link)
    assert shown.status_code == 409 and unavailable in _page(shown) and "Use this email address" not in _page(shown)
    refused = post(client, link, {}, form_page=link)
    assert refused.status_code == 409 and unavailable in _page(refused) and "Quicker" not in _page(refused)
    assert _me(session, kit).email == "kit@example.org"
    run_jobs(app)
    assert not smtp_server.to("kit@example.org")

    # Asked for at the start, it is refused at once, as before: no link goes out.
    again = _ask(client, "WANTED@example.org")
    assert unavailable in _page(again)
    run_jobs(app)
    assert len(smtp_server.to("wanted@example.org")) == 1


def test_a_welsh_account_gets_the_link_with_its_language(app, client, session, users, smtp_server):
    cerys = users.create(display_name="Cerys", email="cerys@example.org")
    session.get(User, cerys.id).language = "cy"
    session.commit()
    users.login(cerys)
    _ask(client, "cerys.newydd@example.org")
    run_jobs(app)
    [message] = smtp_server.to("cerys.newydd@example.org")
    assert '<html lang="cy">' in parts(message)[1]
    assert subject(message) == "Cadarnhewch eich cyfeiriad e-bost newydd"
    link = next(u for u in links(parts(message)[0]) if "/account/email/confirm/" in u)
    assert "lang=cy" in link
    # Opened signed out, it asks Cerys to log in first: in Welsh, whatever the browser asks for.
    page = app.test_client().get(local(link), headers={"Accept-Language": "en"}, follow_redirects=True)
    assert page.request.path == "/login" and '<html lang="cy">' in page.get_data(as_text=True)


# -- an administrator's password reset --------------------------------------------------------------

def _told_of_reset(smtp_server, address: str, temporary: str):
    [message] = smtp_server.to(address)
    assert subject(message) == "An administrator reset the password of your account"
    text, html = parts(message)
    flat = " ".join(text.split())
    assert re.search(r"An administrator at Harbourside Trust reset the password of your account at .+ on "
                     r"\d{1,2} [A-Z][a-z]+ \d{4}", flat)
    assert "You will be given a temporary password, not by e-mail: it works once" in flat
    assert "If you did not expect this, contact your trainer or Harbourside Trust straight away." in flat
    # Never the password itself: not in the text, the HTML, the headers or the bytes as sent.
    assert temporary not in text and temporary not in html and temporary.encode() not in message.raw
    assert "List-Unsubscribe" not in message


def test_an_administrators_reset_is_told_to_the_account_without_the_password(app, client, session, users,
                                                                             smtp_server):
    admin = users.create(role="admin", display_name="Ada Admin", email="ada@example.org")
    target = users.create(display_name="Forgetful", email="forgetful@example.org")
    users.login(admin)
    url = f"/admin/users/{target.id}"
    body = post(client, f"{url}/password", {"reset-admin_password": PASSWORD, "confirmed": "yes"},
                form_page=url).get_data(as_text=True)
    temporary = re.search(r'class="temporary-password"><code>([^<]+)</code>', body).group(1)
    assert smtp_server.messages == []  # queued with the reset, sent by the worker
    for job in session.scalars(select(Job)):
        assert temporary not in str(job.payload)  # nor stored in the queue
    run_jobs(app)
    _told_of_reset(smtp_server, "forgetful@example.org", temporary)
    assert not smtp_server.to("ada@example.org")


def test_a_reset_from_the_command_line_is_told_too(app, runner, session, users, smtp_server):
    users.create(display_name="Cli Person", email="cli@example.org")
    reset = runner.invoke(args=["user", "reset-password", "cli@example.org"])
    temporary = reset.output.split(": ", 1)[1].splitlines()[0]
    run_jobs(app)
    _told_of_reset(smtp_server, "cli@example.org", temporary)


# -- deleting one's own account ---------------------------------------------------------------------

def _delete(client, revoke: bool):
    form = {"password": PASSWORD, "confirm": "y", **({"revoke": "y"} if revoke else {})}
    return post(client, "/account/delete", form, form_page="/account/data")


@pytest.mark.parametrize(("revoke", "said", "not_said"), [
    (True, "1 certificate was revoked at your request: checking it now shows that it was revoked, with no name.",
     "stays checkable"),
    (False, "The 1 certificate you were issued stays checkable as genuine, with the name printed on it, so a "
            "printed copy still works.", "revoked"),
])
def test_deleting_ones_account_is_told_to_the_address_it_had(app, client, session, users, smtp_server,
                                                             revoke, said, not_said):
    leaver = users.create(display_name="Leaver Person", email="leaver@example.org")
    certify(session, leaver, valid_until=None, code="LEAVER-1")
    certify(session, leaver, course_id="advanced", status="pending")  # never issued: goes without a word
    users.login(leaver)
    assert _delete(client, revoke).status_code == 302
    assert session.scalar(select(User).where(User.email == "leaver@example.org")) is None
    run_jobs(app)
    [message] = smtp_server.to("leaver@example.org")
    assert subject(message) == "Your account has been deleted"
    text, html = parts(message)
    flat = " ".join(text.split())
    assert re.search(r"Your account at .+ was deleted on \d{1,2} [A-Z][a-z]+ \d{4}, as you asked\.", flat)
    assert "reflections, written responses and wellbeing check-ins went with it" in flat
    assert said in flat and not_said not in flat
    assert "Leaver Person" not in text and "Leaver Person" not in html  # the name is what was erased
    # Sent, the job is gone with the only copy of the address the site kept.
    with app.app_context():
        assert db.session.scalar(select(Job).where(Job.kind == mail.EMAIL_JOB)) is None


def test_deleting_an_account_with_no_certificates_says_nothing_of_them(app, client, session, users, smtp_server):
    leaver = users.create(display_name="Quiet", email="quiet@example.org")
    users.login(leaver)
    assert _delete(client, revoke=True).status_code == 302
    run_jobs(app)
    [message] = smtp_server.to("quiet@example.org")
    assert "certificate" not in parts(message)[0]
