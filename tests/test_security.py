"""Issue 11: security that holds behind a proxy, across workers and against insiders."""
from __future__ import annotations

import secrets
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

from lms.accounts import services as accounts
from lms.accounts.models import LoginAttempt
from lms.core.db import db
from tests.conftest import PASSWORD, csrf_token

# -- item 1: login throttling that cannot lock everyone out ---------------------------------------------------


def _login_from(client, email: str, password: str, address: str, forwarded: str | None = None):
    environ = {"REMOTE_ADDR": address}
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base=environ, headers=headers)


def test_an_account_attacked_from_one_address_still_opens_with_its_password_from_another(app, users):
    user = users.create(email="target@example.org")
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(app.config["LOGIN_THROTTLE_MAX"]):
        _login_from(attacker, user.email, "guess", "203.0.113.9")
    refused = _login_from(attacker, user.email, PASSWORD, "203.0.113.9")
    assert str(accounts.LOGIN_THROTTLED) in refused.get_data(as_text=True)
    assert _login_from(owner, user.email, PASSWORD, "198.51.100.7").status_code == 302


def test_one_address_guessing_at_many_accounts_is_stopped(app, users):
    app.config["LOGIN_THROTTLE_ADDRESS_MAX"] = 6
    victim = users.create(email="victim@example.org")
    attacker = app.test_client()
    for n in range(6):
        _login_from(attacker, f"person{n}@example.org", "guess", "203.0.113.9")
    page = _login_from(attacker, victim.email, PASSWORD, "203.0.113.9").get_data(as_text=True)
    assert str(accounts.LOGIN_THROTTLED) in page
    assert _login_from(app.test_client(), victim.email, PASSWORD, "198.51.100.7").status_code == 302


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(database_url, content_dir, tmp_path, users):
    from lms import create_app
    from tests.conftest import _config

    proxied = create_app(_config(database_url, content_dir, TRUSTED_PROXIES=1, LOGIN_THROTTLE_ADDRESS_MAX=6),
                         instance_path=str(tmp_path / "proxied"))
    admin = users.create(role="admin", email="admin@example.org")
    attacker = proxied.test_client()
    # Everything arrives from the proxy's address; the proxy names the client.
    for n in range(10):
        _login_from(attacker, f"person{n}@example.org", "guess", "10.0.0.1", forwarded="203.0.113.9")
    assert str(accounts.LOGIN_THROTTLED) in _login_from(
        attacker, admin.email, PASSWORD, "10.0.0.1", forwarded="203.0.113.9").get_data(as_text=True)
    # Everyone else, through the same proxy, still logs in.
    assert _login_from(proxied.test_client(), admin.email, PASSWORD, "10.0.0.1",
                       forwarded="198.51.100.7").status_code == 302


def test_without_trusted_proxies_a_forged_forwarded_header_changes_nothing(app, users):
    app.config["LOGIN_THROTTLE_ADDRESS_MAX"] = 4
    user = users.create(email="target@example.org")
    attacker = app.test_client()
    for n in range(4):
        _login_from(attacker, f"person{n}@example.org", "guess", "203.0.113.9", forwarded=f"192.0.2.{n}")
    page = _login_from(attacker, user.email, PASSWORD, "203.0.113.9", forwarded="192.0.2.200")
    assert str(accounts.LOGIN_THROTTLED) in page.get_data(as_text=True)


def test_trusted_proxies_must_be_a_count(database_url, content_dir, tmp_path):
    import pytest

    from lms import create_app
    from lms.core.config import ConfigError
    from tests.conftest import _config

    with pytest.raises(ConfigError, match="LMS_TRUSTED_PROXIES must be the number of proxies"):
        create_app(_config(database_url, content_dir, TRUSTED_PROXIES="yes"), instance_path=str(tmp_path / "i"))


def test_simultaneous_wrong_passwords_get_exactly_the_allowed_number_checked(app, users, monkeypatch):
    """20 guesses at once, as from 4 workers: exactly LOGIN_THROTTLE_MAX reach the password check."""
    user = users.create(email="target@example.org")
    policy = accounts.ThrottlePolicy(max_failures=5, window=timedelta(minutes=15))
    checked, lock = [], threading.Lock()
    real_verify = accounts.verify_password

    def slow_verify(stored, password):
        with lock:
            checked.append(password)
        time.sleep(0.05)  # argon2's time: the others arrive while this one is checking
        return real_verify(stored, password)

    monkeypatch.setattr(accounts, "verify_password", slow_verify)
    start = threading.Barrier(20)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        start.wait()
        try:
            accounts.authenticate(db.session, user.email, f"guess {n}", "203.0.113.9", policy)
        except accounts.ServiceError as exc:
            outcomes.append(str(exc))
        finally:
            db.session.remove()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(checked) == 5
    assert outcomes.count(accounts.LOGIN_FAILED) == 5 and outcomes.count(accounts.LOGIN_THROTTLED) == 15
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)
                                 .where(LoginAttempt.key == "email:target@example.org")) == 5


def test_a_correct_login_is_not_counted_as_a_failure(app, users, session):
    user = users.create(email="target@example.org")
    for _ in range(8):
        assert users.login(user).status_code == 302
        users.logout()
    assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 0


# -- item 2: rate limits shared by every worker and server ----------------------------------------------------

CODE = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def test_verify_limit_is_shared_by_every_worker(app):
    """Two app instances (as two workers, or two servers) count the same address together."""
    from lms import create_app

    app.config["CERTIFICATE_VERIFY_LIMIT"] = 4
    other_worker = create_app({**app.config})
    clients = [app.test_client(), other_worker.test_client()]
    statuses = [clients[n % 2].get(f"/verify/{CODE}").status_code for n in range(6)]
    assert statuses == [404] * 4 + [429] * 2
    # A flood from one address leaves every other verifier alone.
    assert app.test_client().get(f"/verify/{CODE}", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 404


def test_rate_limit_counts_exactly_under_concurrency(app):
    from lms.core import ratelimit

    allowed, lock = [], threading.Lock()
    start = threading.Barrier(12)

    def one() -> None:
        start.wait()
        try:
            ok = ratelimit.hit(db.session, "test:203.0.113.9", 5, 60)
        finally:
            db.session.remove()
        with lock:
            allowed.append(ok)

    threads = [threading.Thread(target=one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert allowed.count(True) == 5 and allowed.count(False) == 7


def test_invitation_look_ups_are_rate_limited(app, users):
    app.config["INVITE_LIMIT"] = 3
    guesser = app.test_client()
    for n in range(3):
        # "this link is not valid" (counted all the same)
        assert guesser.get(f"/register?invite=guess{n}").status_code == 404
    assert guesser.get("/register?invite=guess9").status_code == 429
    member = users.create()
    users.login(member, client=guesser)
    assert guesser.get("/join/guess10").status_code == 429


def test_password_changes_are_rate_limited(app, users, client):
    app.config["PASSWORD_LIMIT"] = 2
    users.login(users.create())
    for _ in range(2):
        page = client.post("/account/password", data={"current": "wrong guess", "new": "a new passphrase",
                                                       "confirm": "a new passphrase",
                                                       "csrf_token": csrf_token(client, "/account/password")})
        assert page.status_code == 200
    page = client.post("/account/password", data={"current": PASSWORD, "new": "a new passphrase",
                                                   "confirm": "a new passphrase",
                                                   "csrf_token": csrf_token(client, "/account/password")})
    assert page.status_code == 429


# -- item 6: production checks no switch can turn off ----------------------------------------------------------

def _production(tmp_path, **extra) -> dict:
    from tests.conftest import DATA_KEY, FIXTURE_CONTENT

    return {"ENVIRONMENT": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
            "CONTENT_DIR": str(FIXTURE_CONTENT), "DATA_KEYS": DATA_KEY,
            "PUBLIC_BASE_URL": "https://training.example.org", **extra}


def test_testing_mode_from_the_environment_refuses_to_start_in_production(tmp_path, monkeypatch):
    import pytest

    from lms import create_app
    from lms.core.config import ConfigError

    monkeypatch.setenv("LMS_TESTING", "true")
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError) as refused:
        create_app(_production(tmp_path), instance_path=str(tmp_path / "i"))
    assert "Testing mode (LMS_TESTING) is for the test suite only" in str(refused.value)
    assert "SECRET_KEY is too short" in str(refused.value)  # testing mode no longer skips the key checks


def test_a_low_entropy_secret_key_is_refused_like_a_short_one(tmp_path):
    import pytest

    from lms import create_app
    from lms.core.config import ConfigError

    for key in ("a" * 64, "ab" * 32, "passwordpassword" * 3, "0123456789abcdef" * 2):
        with pytest.raises(ConfigError, match="SECRET_KEY is too predictable"):
            create_app(_production(tmp_path, SECRET_KEY=key), instance_path=str(tmp_path / "i"))
    import secrets

    for _ in range(50):  # real random keys always pass
        create_app(_production(tmp_path, SECRET_KEY=secrets.token_hex(16)), instance_path=str(tmp_path / "i"))


# -- item 7: certificate templates in a sandbox -----------------------------------------------------------------

def test_a_certificate_template_cannot_reach_python_internals(app, session, users, client, tmp_path):
    import pytest

    from lms.certificates import document
    from lms.certificates.pdf import RenderError

    template = tmp_path / "escape.html"
    template.write_text("<p>{{ ''.__class__.__mro__[1].__subclasses__() }}</p><p>{{ holder_name }}</p>")
    app.config["CERTIFICATE_TEMPLATE"] = str(template)
    document.init_app(app)
    with app.app_context(), pytest.raises(RenderError, match="The certificate template could not be used"):
        document.render_html({"holder_name": "Jane"})
    # Through the claim page: our message, no 500, no certificate.
    from tests.factories import complete

    trainee = users.create()
    users.login(trainee)
    complete(session, trainee)
    page = client.post("/certificates/claim/listening", data={
        "legal_name": "Jane Example", "submit": "y", "csrf_token": csrf_token(client, "/certificates/claim/listening")})
    assert page.status_code < 500
    assert "certificate design has a problem" in page.get_data(as_text=True)


# -- item 8: links from LMS_PUBLIC_BASE_URL -------------------------------------------------------------------

def test_invitation_links_use_the_public_base_url_never_the_host_header(app, session, users, client):
    import re

    app.config["PUBLIC_BASE_URL"] = "https://training.example.org"
    trainer = users.create(role="trainer")
    users.login(trainer)
    from lms.cohorts import services as cohorts

    with app.app_context():
        cohort = cohorts.create_cohort(session, trainer, "Spring")
        session.commit()
        cohort_id = cohort.id
    url = f"/trainer/cohorts/{cohort_id}"
    page = client.post(f"{url}/invites", data={"kind": "single", "email": "", "days": "14",
                                               "csrf_token": csrf_token(client, url)}, follow_redirects=True)
    links = re.findall(r'value="(https?://[^"]+)"', page.get_data(as_text=True))
    assert len(links) == 2 and all(link.startswith("https://training.example.org/") for link in links)
    # Whatever Host a request names, an absolute link starts with the configured address.
    from flask import url_for

    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert url_for("auth.register", invite="t", _external=True) == "https://training.example.org/register?invite=t"


# -- item 5: deletion that deletes ---------------------------------------------------------------------------

def test_deletion_pseudonymises_the_audit_log_and_hides_a_revoked_holder(app, session, users, client):
    from lms.accounts import users as user_admin
    from lms.admin.models import AuditEntry
    from lms.certificates.models import Certificate
    from tests.factories import issue

    person = users.create(role="trainer", display_name="Pat Person")
    admin = users.create(role="admin")
    certificate = issue(app, session, person, name="Patricia Person")
    with app.app_context():
        target = session.get(type(person), person.id)
        user_admin.change_role(session, session.get(type(admin), admin.id), target, "trainee")
        session.commit()
    from lms.admin import audit

    audit.record(session, session.get(type(person), person.id), "cohort.create", target="Spring")
    session.commit()
    users.login(person)
    response = client.post("/account/delete", data={"password": PASSWORD, "revoke": "y", "confirm": "y",
                                                    "csrf_token": csrf_token(client, "/account/data")})
    assert response.status_code == 302
    session.expire_all()
    names = {(e.actor_name, e.target) for e in session.scalars(select(AuditEntry))}
    assert not any("Pat Person" in actor or "Pat Person" in target for actor, target in names)
    assert (f"deleted user #{person.id}", "Spring") in names
    assert any(target == f"deleted user #{person.id}" for _, target in names)
    kept = session.get(Certificate, certificate.id)
    assert kept.status == "revoked" and kept.holder_name == "" and kept.pdf is None
    page = client.get(f"/verify/{kept.code}").get_data(as_text=True)
    assert "Patricia" not in page and "Not shown, at the holder’s request" in page
    data = client.get(f"/verify/{kept.code}.json").get_json()
    assert data["status"] == "revoked" and data["holder_name"] is None


def test_deleted_words_do_not_linger_in_the_sqlite_write_ahead_log(app, session, users, client, db_backend):
    from pathlib import Path

    from lms.privacy import services as privacy

    person = users.create(display_name="Wal Words Zebrafinch")
    users.login(person)
    assert client.post("/account/delete", data={"password": PASSWORD, "confirm": "y",
                                                "csrf_token": csrf_token(client, "/account/data")}
                       ).status_code == 302
    if db_backend == "sqlite":
        database_file = Path(app.config["DATABASE_URL"][len("sqlite:///"):])
        wal = database_file.with_name(database_file.name + "-wal")
        assert not wal.exists() or b"Zebrafinch" not in wal.read_bytes()
        assert b"Zebrafinch" not in database_file.read_bytes()
    else:
        with app.app_context():
            assert privacy.checkpoint(db.session) is None


def test_a_changed_secret_key_signs_everyone_out_and_a_fallback_key_keeps_them_in(app, users, client):
    """The session cookie's serializer is made once per set of keys (security.SessionCookies): changing the
    keys must still take effect on the next request."""
    users.login(users.create(email="rotating@example.org"))
    assert client.get("/account/data").status_code == 200
    old_key = app.config["SECRET_KEY"]

    app.config["SECRET_KEY"] = app.secret_key = secrets.token_hex(32)
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert client.get("/account/data").status_code == 200  # the old key is still accepted as a fallback

    app.config["SECRET_KEY_FALLBACKS"] = []
    signed_out = client.get("/account/data")
    assert signed_out.status_code == 302 and "/login" in signed_out.headers["Location"]
