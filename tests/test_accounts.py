"""Accounts: registration, login, throttling, sessions, passwords, roles."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts import services as accounts
from lms.accounts.models import LoginAttempt, User
from lms.core.services import ServiceError
from tests.conftest import DATA_KEY, PASSWORD, csrf_token

CSRF_VALUE = re.compile(r'value="[^"]*"')


def register(client, email="sam@example.org", name="Sam", password=PASSWORD, confirm=None, invite=""):
    return client.post("/register", data={
        "display_name": name, "email": email, "password": password, "confirm": confirm or password,
        "invite": invite, "csrf_token": csrf_token(client, "/login"),
    })


@pytest.mark.parametrize("name", ["Ctl\x1b[31m\x07Name", "Sam\u202eevil"])
def test_registration_refuses_a_name_that_cannot_be_shown(client, session, name):
    """Control characters were stored as typed (the profile refused them already)."""
    response = register(client, name=name)
    assert response.status_code == 200
    assert "Your display name contains characters that cannot be shown." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_registration_keeps_a_name_on_one_line(client, session):
    """A line break in a name made every e-mail to the person fail (a header): it is a space, as in the profile."""
    assert register(client, name="Crlf\r\nBcc: x@evil.example").status_code == 302
    assert session.scalar(select(User.display_name)) == "Crlf Bcc: x@evil.example"


def test_register_hashes_with_argon2id_then_the_person_logs_in(client, session, users):
    response = register(client, email="Sam@Example.org ")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    user = session.scalar(select(User))
    assert user.email == "sam@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert user.role == "trainee" and user.legal_name is None
    assert users.login("sam@example.org").status_code == 302
    assert "Sam" in client.get("/home").get_data(as_text=True)


def test_long_unicode_passphrase_is_accepted(client, users):
    phrase = "Mae'r ddraig goch yn hedfan dros y mynyddoedd 🐉 — ça va très bien, 谢谢 " * 2
    assert len(phrase) > 64
    register(client, email="long@example.org", password=phrase)
    assert users.login("long@example.org", password=phrase).status_code == 302


def test_no_composition_rules_but_a_minimum_length(client, session):
    page = register(client, password="short")
    assert "at least 8 characters" in page.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(User)) == 0
    assert register(client, password="alllowercaseletters").status_code == 302


def test_registration_never_tells_whether_an_email_has_an_account(app, users, session):
    taken = users.create(email="taken@example.org", display_name="Original")
    pages = []
    for email in ("TAKEN@example.org", "new@example.org"):
        visitor = app.test_client()
        response = register(visitor, email=email, name="Someone", password="a different passphrase")
        assert response.status_code == 302 and response.headers["Location"].endswith("/login")
        page = visitor.get("/login").get_data(as_text=True)
        assert accounts.REGISTERED.split(":")[0] in page
        pages.append(CSRF_VALUE.sub("", page))
    assert pages[0] == pages[1]
    # The existing account is untouched: its own password still works, the new one does not.
    assert session.get(User, taken.id).display_name == "Original"
    assert users.login("taken@example.org", password="a different passphrase").status_code == 200
    assert users.login("taken@example.org").status_code == 302


def test_registration_is_rate_limited_per_address(app, client):
    app.config["REGISTER_LIMIT"] = 2
    for n in range(2):
        assert register(app.test_client(), email=f"p{n}@example.org").status_code == 302
    refused = register(app.test_client(), email="p3@example.org")
    assert refused.status_code == 429 and "Too many requests" in refused.get_data(as_text=True)
    other = app.test_client()
    token = csrf_token(other, "/register")
    assert other.post("/register", data={
        "display_name": "Elsewhere", "email": "p4@example.org", "password": PASSWORD, "confirm": PASSWORD,
        "invite": "", "csrf_token": token}, environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 302


def test_failed_login_message_is_the_same_for_unknown_and_known_accounts(client, users):
    users.create(email="known@example.org")
    wrong = users.login("known@example.org", password="wrong password").get_data(as_text=True)
    unknown = users.login("nobody@example.org", password="wrong password").get_data(as_text=True)
    assert str(accounts.LOGIN_FAILED) in wrong and str(accounts.LOGIN_FAILED) in unknown


@pytest.mark.parametrize("exists", [True, False])
def test_login_is_throttled_in_the_database(app, client, users, session, exists):
    if exists:
        users.create(email="target@example.org")
    for _ in range(app.config["LOGIN_THROTTLE_MAX"]):
        users.login("target@example.org", password="guess")
    # Even the right password is refused while throttled, with the same neutral message.
    page = users.login("target@example.org").get_data(as_text=True)
    assert str(accounts.LOGIN_THROTTLED) in page
    assert session.scalar(select(func.count()).select_from(LoginAttempt)
                          .where(LoginAttempt.key == "email:target@example.org")) >= app.config["LOGIN_THROTTLE_MAX"]


def test_throttling_holds_across_workers(app, users, session):
    """Two app instances (as two gunicorn workers) share the count."""
    from lms import create_app

    users.create(email="target@example.org")
    other_worker = create_app(dict(app.config))
    with other_worker.test_client() as second:
        for i in range(app.config["LOGIN_THROTTLE_MAX"]):
            users.login("target@example.org", password="guess", client=second if i % 2 else None)
    assert str(accounts.LOGIN_THROTTLED) in users.login("target@example.org").get_data(as_text=True)


def test_throttle_window_expires(app, users, session):
    user = users.create(email="target@example.org")
    policy = accounts.ThrottlePolicy(max_failures=2, window=timedelta(minutes=15))
    old = accounts.utcnow() - timedelta(minutes=20)
    session.add_all([LoginAttempt(key="email:target@example.org", created_at=old) for _ in range(5)])
    session.commit()
    assert accounts.authenticate(session, user.email, PASSWORD, "127.0.0.1", policy) is user


def test_deactivated_account_cannot_log_in(users, session):
    user = users.create(email="gone@example.org")
    accounts.set_active(session, user, False)
    session.commit()
    assert str(accounts.LOGIN_FAILED) in users.login(user).get_data(as_text=True)


def test_logout_is_post_only_and_ends_remember_cookie(app, client, users):
    user = users.create()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y",
                                "csrf_token": csrf_token(client, "/login")})
    remember = client.get_cookie("remember_token")
    assert remember is not None
    assert client.get("/logout").status_code == 405
    assert users.logout().status_code == 302
    # Replaying the old remember-me cookie in a new browser does not log in.
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/home").status_code == 302


def test_password_change_ends_other_sessions(app, client, users):
    user = users.create()
    users.login(user)
    other = app.test_client()
    users.login(user, client=other)
    assert other.get("/home").status_code == 200
    response = client.post("/account/password", data={
        "current": PASSWORD, "new": "a brand new passphrase", "confirm": "a brand new passphrase",
        "csrf_token": csrf_token(client, "/account/password")})
    assert response.status_code == 302
    assert client.get("/home").status_code == 200  # this browser stays in
    assert other.get("/home").status_code == 302  # the other is logged out
    users.logout()
    assert users.login(user, password="a brand new passphrase").status_code == 302


def test_password_change_needs_the_current_password(client, users, session):
    user = users.create()
    users.login(user)
    page = client.post("/account/password", data={
        "current": "not it", "new": "a brand new passphrase", "confirm": "a brand new passphrase",
        "csrf_token": csrf_token(client, "/account/password")})
    assert "current password is not right" in page.get_data(as_text=True)


def test_deactivation_ends_sessions_at_once(app, client, users, session):
    user = users.create()
    users.login(user)
    assert client.get("/home").status_code == 200
    accounts.set_active(session, session.get(User, user.id), False)
    session.commit()
    assert client.get("/home").status_code == 302


def test_admin_reset_gives_a_working_temporary_password(client, users, session):
    user = users.create()
    temporary = accounts.reset_password(session, user)
    session.commit()
    assert users.login(user, password=PASSWORD).status_code == 200  # old one refused
    assert users.login(user, password=temporary).status_code == 302


def test_session_cookie_flags_and_fresh_session(app, client, users):
    user = users.create()
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    response = users.login(user)
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    with client.session_transaction() as s:
        assert "planted" not in s


def test_secure_cookie_in_production(tmp_path):
    from lms import create_app
    from tests.conftest import FIXTURE_CONTENT

    app = create_app({"ENVIRONMENT": "production", "PUBLIC_BASE_URL": "https://training.example.org",
                      "SECRET_KEY": "9f2c7e41b0d85a36e4c1f7b29d0a6e58",
                      "DATA_KEYS": DATA_KEY, "CONTENT_DIR": str(FIXTURE_CONTENT),
                      "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"},
                     instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


@pytest.mark.parametrize("target, expected", [
    ("/support", "/support"),
    ("https://evil.example/", "/home"),
    ("//evil.example/", "/home"),
    ("/\\evil.example", "/home"),
    ("javascript:alert(1)", "/home"),
    ("/courses\n/x", "/home"),  # a link broken across two lines in an e-mail
    ("/support\x7f", "/home"),
])
def test_next_only_redirects_to_local_paths(client, users, target, expected):
    user = users.create()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target,
                                           "csrf_token": csrf_token(client, "/login")})
    location = response.headers["Location"]
    assert location in (expected, "/") if expected == "/home" else location == expected
    # The language switch takes the same `next`, and falls back to the page it can trust.
    assert client.get("/language/cy", query_string={"next": target}).status_code in (302, 303)


def test_invite_only_registration(app_config, app, client, users, session):
    app.config["REGISTRATION"] = "invite"
    assert client.get("/register").status_code == 403
    assert "by invitation" in register(client).get_data(as_text=True)
    token = accounts.create_invite(session, created_by=None, max_uses=1)
    session.commit()
    assert register(client, email="first@example.org", invite=token).status_code == 302
    page = register(client, email="second@example.org", invite=token)
    assert page.status_code in (200, 403)
    assert session.scalar(select(func.count()).select_from(User)) == 1


def test_service_rejects_unknown_role(session):
    with pytest.raises(ServiceError, match="Role must be one of"):
        accounts.create_user(session, email="x@example.org", display_name="X", password=PASSWORD, role="root")


def test_the_login_page_says_what_to_do_about_a_forgotten_password(client, app):
    """A link to choose a new password by e-mail; for an address no longer read, who can help, naming the charity."""
    app.config["CHARITY_NAME"] = "Harbourside Trust"
    assert '<a href="/password/forgot">Forgotten your password?</a>' in client.get("/login").get_data(as_text=True)
    page = " ".join(client.get("/password/forgot").get_data(as_text=True).split())
    assert ("No longer use that address? Ask your trainer or volunteer coordinator: an administrator at Harbourside "
            "Trust can give you a one-time password") in page
