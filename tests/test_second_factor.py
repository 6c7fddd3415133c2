"""Issue 11, item 9: a second factor for staff.

Trainers and admins can turn on an authenticator app (TOTP): a code is asked for
after the password, works once, and guessing is throttled; recovery codes are
shown once, stored hashed and each works once. An admin can require it of all
staff, and reset it for someone who lost their phone. Every change is audited.
"""
from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select, text

from lms.accounts import second_factor
from lms.accounts.models import RecoveryCode, SecondFactor, User
from lms.admin.models import AuditEntry
from lms.core.crypto import TOKEN_PREFIX
from lms.core.services import ServiceError
from tests.conftest import PASSWORD
from tests.factories import post

NOW = datetime(2026, 3, 4, 10, 0, 15, tzinfo=UTC)


def _code(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def turn_on(app, session, user, when: datetime | None = None) -> tuple[str, list[str]]:
    """Set up a second factor as the page would; (secret, recovery codes). Confirmed two minutes ago by default,
    so that a code for the present moment has not been used yet."""
    when = when or datetime.now(UTC) - timedelta(minutes=2)
    with app.app_context():
        user = session.get(User, user.id)
        secret = second_factor.begin(session, user).secret
        codes = second_factor.confirm(session, user, _code(secret, when), now=when)
        session.commit()
    return secret, codes


def _actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# -- services ------------------------------------------------------------------------


def test_a_code_works_once_and_only_near_its_time(app, session, users):
    trainer = users.create(role="trainer")
    secret, _codes = turn_on(app, session, trainer, when=NOW)
    with app.app_context():
        user = session.get(User, trainer.id)
        # Used to confirm the set-up: never again, nor any code older than it.
        for when in (NOW, NOW - timedelta(seconds=30)):
            with pytest.raises(ServiceError, match="already been used"):
                second_factor.verify(session, user, _code(secret, when), now=NOW)
        # One step ahead is accepted (a phone's clock a little fast), once.
        ahead = _code(secret, NOW + timedelta(seconds=30))
        assert second_factor.verify(session, user, ahead, now=NOW) == "app"
        with pytest.raises(ServiceError):
            second_factor.verify(session, user, ahead, now=NOW)
        # Two steps away is too far, either way.
        later = NOW + timedelta(minutes=5)
        for off in (-60, 60):
            with pytest.raises(ServiceError):
                second_factor.verify(session, user, _code(secret, later + timedelta(seconds=off)), now=later)
        with pytest.raises(ServiceError):
            second_factor.verify(session, user, "000000" if _code(secret, later) != "000000" else "111111", now=later)
        spaced = _code(secret, later)
        assert second_factor.verify(session, user, f" {spaced[:3]} {spaced[3:]} ", now=later) == "app"
        session.commit()
    assert session.get(SecondFactor, trainer.id).last_used_step == int(later.timestamp()) // 30


def test_the_secret_is_encrypted_and_recovery_codes_are_stored_only_as_hashes(app, session, users):
    trainer = users.create(role="trainer")
    secret, codes = turn_on(app, session, trainer)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", code) for code in codes)
    with session.get_bind().connect() as connection:
        stored_secret = connection.execute(text("SELECT secret FROM second_factors")).scalar_one()
        stored_hashes = set(connection.execute(text("SELECT code_hash FROM recovery_codes")).scalars())
    assert stored_secret.startswith(TOKEN_PREFIX) and secret not in stored_secret
    assert stored_hashes == {hashlib.sha256(code.replace("-", "").encode()).hexdigest() for code in codes}
    assert not any(code.replace("-", "") in stored for code in codes for stored in stored_hashes)
    assert session.get(SecondFactor, trainer.id).secret == secret  # read back through the data keys


def test_a_recovery_code_works_once(app, session, users):
    trainer = users.create(role="trainer")
    _secret, codes = turn_on(app, session, trainer)
    with app.app_context():
        user = session.get(User, trainer.id)
        assert second_factor.verify(session, user, codes[0]) == "recovery"
        with pytest.raises(ServiceError, match="already been used"):
            second_factor.verify(session, user, codes[0])
        # Typed by hand: capitals, spaces instead of dashes.
        assert second_factor.verify(session, user, codes[1].upper().replace("-", " ")) == "recovery"
        with pytest.raises(ServiceError):
            second_factor.verify(session, user, "aaaa-bbbb-cccc-dddd")
        session.commit()
        assert second_factor.recovery_codes_left(session, trainer.id) == 8
    assert _actions(session).count("second_factor.recovery_code_used") == 2
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "second_factor.recovery_code_used")
                          .order_by(AuditEntry.id.desc())).details == {"left": 8}


def test_set_up_needs_a_code_from_the_new_key(app, session, users):
    trainer = users.create(role="trainer")
    with app.app_context():
        user = session.get(User, trainer.id)
        secret = second_factor.begin(session, user).secret
        assert second_factor.begin(session, user).secret == secret  # a reload shows the same key
        assert not second_factor.is_on(session, trainer.id)
        with pytest.raises(ServiceError, match="does not match"):
            second_factor.confirm(session, user, _code(pyotp.random_base32(), NOW), now=NOW)
        with pytest.raises(ServiceError, match="not turned on"):
            second_factor.verify(session, user, _code(secret, NOW), now=NOW)
        second_factor.confirm(session, user, _code(secret, NOW), now=NOW)
        session.commit()
        assert second_factor.is_on(session, trainer.id)
        with pytest.raises(ServiceError, match="already turned on"):
            second_factor.begin(session, user)
    assert _actions(session) == ["second_factor.enable"]


def test_new_recovery_codes_and_turning_off_need_the_password_and_a_code(app, session, users):
    trainer = users.create(role="trainer")
    secret, old_codes = turn_on(app, session, trainer)
    with app.app_context():
        user = session.get(User, trainer.id)
        with pytest.raises(ServiceError, match="not your password"):
            second_factor.new_recovery_codes(session, user, "wrong password", _code(secret, datetime.now(UTC)))
        with pytest.raises(ServiceError, match="code is not right"):
            second_factor.new_recovery_codes(session, user, PASSWORD, "123")
        new_codes = second_factor.new_recovery_codes(session, user, PASSWORD, old_codes[0])
        session.commit()
        with pytest.raises(ServiceError):
            second_factor.verify(session, user, old_codes[1])  # the old set no longer works
        with pytest.raises(ServiceError, match="not your password"):
            second_factor.turn_off(session, user, "wrong password", new_codes[0])
        second_factor.turn_off(session, user, PASSWORD, new_codes[0])
        session.commit()
    assert session.get(SecondFactor, trainer.id) is None
    assert session.scalar(select(RecoveryCode)) is None
    assert _actions(session) == ["second_factor.enable", "second_factor.recovery_code_used",
                                 "second_factor.recovery_codes", "second_factor.recovery_code_used",
                                 "second_factor.disable"]


# -- logging in ----------------------------------------------------------------------


def _log_in(client, user, next_url: str = ""):
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    return client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token,
                                       "next": next_url})


def test_after_the_password_nothing_opens_until_the_code(app, client, session, users):
    trainer = users.create(role="trainer")
    secret, _codes = turn_on(app, session, trainer)
    response = _log_in(client, trainer, next_url="/trainer/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    # Half logged in is not logged in: every page but the code page sends them to log in.
    for url in ("/trainer/", "/home", "/account/second-factor", "/account/data", "/admin/users"):
        assert client.get(url).status_code == 302 and "/login" in client.get(url).headers["Location"], url
    assert "Enter your code" in client.get("/login/code").get_data(as_text=True)

    wrong = post(client, "/login/code", {"code": "12345x"})
    assert wrong.status_code == 400 and "That code is not right" in wrong.get_data(as_text=True)
    assert client.get("/trainer/").status_code == 302
    # The right password alone is no login: "last logged in" waits for the code.
    assert session.scalar(select(User.last_login_at).where(User.id == trainer.id)) is None
    right = post(client, "/login/code", {"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 302 and right.headers["Location"].endswith("/trainer/")
    session.expire_all()
    assert session.scalar(select(User.last_login_at).where(User.id == trainer.id)) is not None
    assert client.get("/trainer/").status_code == 200
    # Used: the same code does not log in a second browser.
    other = app.test_client()
    _log_in(other, trainer)
    assert post(other, "/login/code", {"code": pyotp.TOTP(secret).now()}).status_code == 400
    assert other.get("/trainer/").status_code == 302


def test_code_page_without_a_password_first_goes_to_login(client):
    assert client.get("/login/code").headers["Location"].endswith("/login")


def test_the_code_step_runs_out_and_ends_with_a_password_change(app, client, session, users, monkeypatch):
    from lms.accounts import views

    trainer = users.create(role="trainer")
    secret, _codes = turn_on(app, session, trainer)
    monkeypatch.setattr(views, "PENDING_SECONDS", -1)
    _log_in(client, trainer)
    response = client.get("/login/code")
    assert response.headers["Location"].endswith("/login")
    assert "The time to enter your code ran out" in client.get("/login").get_data(as_text=True)
    monkeypatch.setattr(views, "PENDING_SECONDS", 300)
    _log_in(client, trainer)
    with app.app_context():
        session.get(User, trainer.id).end_sessions()  # e.g. an administrator reset the password meanwhile
        session.commit()
    assert client.get("/login/code").headers["Location"].endswith("/login")


def test_code_guesses_are_throttled(app, client, session, users):
    trainer = users.create(role="trainer")
    secret, _codes = turn_on(app, session, trainer)
    _log_in(client, trainer)
    for _ in range(app.config["LOGIN_THROTTLE_MAX"]):
        assert post(client, "/login/code", {"code": "000000"}).status_code == 400
    # Even the right code now waits, and from another browser too: the count is the account's.
    throttled = post(client, "/login/code", {"code": pyotp.TOTP(secret).now()})
    assert throttled.status_code == 429 and "Too many codes tried" in throttled.get_data(as_text=True)
    other = app.test_client()
    _log_in(other, trainer)
    assert post(other, "/login/code", {"code": pyotp.TOTP(secret).now()}).status_code == 429
    assert client.get("/trainer/").status_code == 302


def test_logging_in_with_a_recovery_code_spends_it(app, client, session, users):
    trainer = users.create(role="trainer")
    _secret, codes = turn_on(app, session, trainer)
    _log_in(client, trainer)
    response = post(client, "/login/code", {"code": codes[3]})
    assert response.status_code == 302
    assert "You have 9 left" in client.get("/home").get_data(as_text=True)
    users.logout()
    _log_in(client, trainer)
    assert post(client, "/login/code", {"code": codes[3]}).status_code == 400


# -- the set-up pages ----------------------------------------------------------------


def test_a_trainer_sets_it_up_sees_recovery_codes_once_and_turns_it_off(app, client, session, users):
    trainer = users.create(role="trainer")
    users.login(trainer)
    page = client.get("/account/second-factor")
    assert page.headers["Cache-Control"] == "no-store"
    body = page.get_data(as_text=True)
    assert '<svg' in body and 'class="qr-code"' in body
    secret = re.search(r'id="second-factor-key">([A-Z2-7 ]+)<', body).group(1).replace(" ", "")
    assert session.get(SecondFactor, trainer.id).secret == secret
    assert client.get("/account/second-factor").get_data(as_text=True).count(secret[:4]) >= 1  # same key on reload

    wrong = post(client, "/account/second-factor", {"code": "000000" if _code(secret, datetime.now(UTC)) != "000000"
                                                      else "111111"})
    assert wrong.status_code == 400 and "That code does not match" in wrong.get_data(as_text=True)
    done = post(client, "/account/second-factor", {"code": pyotp.TOTP(secret).now()})
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "Shown only this once" in body
    codes = re.findall(r"<li><code>([a-z2-7-]{19})</code></li>", body)
    assert len(codes) == 10
    again = client.get("/account/second-factor").get_data(as_text=True)
    assert codes[0] not in again and "You have <strong>10</strong> unused recovery codes" in again

    bad = post(client, "/account/second-factor/off", {"off-password": "nope", "off-code": codes[0]},
               form_page="/account/second-factor")
    assert bad.status_code == 400 and "That is not your password" in bad.get_data(as_text=True)
    assert second_factor.is_on(session, trainer.id)
    off = post(client, "/account/second-factor/off", {"off-password": PASSWORD, "off-code": codes[0]},
               form_page="/account/second-factor")
    assert off.status_code == 302
    assert not second_factor.is_on(session, trainer.id)
    assert [a for a in _actions(session) if a.startswith("second_factor.")] == [
        "second_factor.enable", "second_factor.recovery_code_used", "second_factor.disable"]


def test_new_recovery_codes_from_the_page(app, client, session, users):
    trainer = users.create(role="trainer")
    secret, old = turn_on(app, session, trainer)
    users.login(trainer)
    post(client, "/login/code", {"code": pyotp.TOTP(secret).now()})
    response = post(client, "/account/second-factor/recovery-codes", {"codes-password": PASSWORD, "codes-code": old[0]},
                    form_page="/account/second-factor")
    body = response.get_data(as_text=True)
    new = re.findall(r"<li><code>([a-z2-7-]{19})</code></li>", body)
    assert response.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    with app.app_context(), pytest.raises(ServiceError):
        second_factor.verify(session, session.get(User, trainer.id), old[1])
    # Rendered after the POST (the codes are shown once): its forms must not fill themselves from what was sent.
    fields = re.findall(r'<input[^>]*\bname="(?:codes|off)-(?:code|password)"[^>]*>', body)
    assert len(fields) == 4, fields
    assert old[0] not in body and PASSWORD not in body
    assert not any(re.search(r'\bvalue="[^"]', f) for f in fields), fields


def test_trainees_have_no_second_factor_page(client, users):
    users.login(users.create())
    assert client.get("/account/second-factor").status_code == 403
    assert "Second factor" not in client.get("/account/data").get_data(as_text=True)


# -- the admin's requirement and reset -----------------------------------------------


def _require(client, session, admin_user):
    from lms.core.models import SiteSetting

    form = {"SITE_NAME": "Peer Support Training", "CHARITY_NAME": "Example", "CHARITY_NUMBER": "",
            "REGISTRATION": "open", "STAFF_SECOND_FACTOR": "required", "CERTIFICATE_SIGNATORY": "Lead",
            "CERTIFICATE_PRIMARY_COLOUR": "#1d4f91", "SUPPORT_INTRO": "", "ORG": ""}
    assert post(client, "/admin/settings", form).status_code == 302
    assert session.get(SiteSetting, "STAFF_SECOND_FACTOR").value == "required"


def test_an_admin_can_require_a_second_factor_of_every_trainer_and_admin(app, client, session, users):
    from lms.core import settings

    admin = users.create(role="admin")
    trainer = users.create(role="trainer")
    trainee = users.create()
    users.login(admin)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Second factor for staff (trainers and admins)" in page
    _require(client, session, admin)
    with app.app_context():
        settings.clear_cache()
    # The admin who required it has none yet: sent to set one up, like every member of staff.
    assert client.get("/admin/users").headers["Location"].endswith("/account/second-factor")
    users.logout()

    users.login(trainer)
    for url in ("/home", "/trainer/", "/account/data"):
        assert client.get(url).headers["Location"].endswith("/account/second-factor"), url
    assert client.get("/support").status_code == 200  # crisis contacts are never closed
    body = client.get("/account/second-factor").get_data(as_text=True)
    assert "This site requires every trainer and admin to use a second factor" in body
    secret = re.search(r'id="second-factor-key">([A-Z2-7 ]+)<', body).group(1).replace(" ", "")
    post(client, "/account/second-factor", {"code": pyotp.TOTP(secret).now()})
    assert client.get("/trainer/").status_code == 200
    users.logout()

    users.login(trainee)  # trainees are not asked
    assert client.get("/home").status_code == 200
    assert "settings.update" in _actions(session)


def test_an_admin_resets_a_lost_second_factor_with_their_own_password(app, client, session, users):
    admin = users.create(role="admin", display_name="Ada Admin")
    trainer = users.create(role="trainer", display_name="Lost Phone")
    turn_on(app, session, trainer)
    users.login(admin)
    url = f"/admin/users/{trainer.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Reset second factor" in page and "On since" in page
    # The button asks first, on a page of its own that changes nothing.
    asked = post(client, f"{url}/second-factor", {}, form_page=url)
    assert asked.status_code == 200 and "Reset Lost Phone’s second factor?" in asked.get_data(as_text=True)
    assert second_factor.is_on(session, trainer.id)
    refused = post(client, f"{url}/second-factor", {"confirmed": "yes", "factor-admin_password": "not mine"},
                   form_page=url)
    assert refused.status_code == 400 and "That is not your password" in refused.get_data(as_text=True)
    assert second_factor.is_on(session, trainer.id)
    done = post(client, f"{url}/second-factor", {"confirmed": "yes", "factor-admin_password": PASSWORD},
                form_page=url)
    assert done.status_code == 302
    assert "second factor was reset" in client.get(url).get_data(as_text=True)
    assert not second_factor.is_on(session, trainer.id) and session.scalar(select(RecoveryCode)) is None
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "second_factor.reset"))
    assert (entry.actor_name, entry.target_user_id) == ("Ada Admin", trainer.id)
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "Ada Admin reset Lost Phone’s second factor" in log
    users.logout()
    # Their password alone logs in now.
    assert "/login" not in _log_in(client, trainer).headers["Location"]
    assert client.get("/trainer/").status_code == 200


def test_an_admins_password_reset_does_not_skip_the_second_factor(app, client, session, users):
    """A temporary password from an administrator opens nothing without the person's code."""
    from lms.accounts import services as accounts

    trainer = users.create(role="trainer")
    secret, _codes = turn_on(app, session, trainer)
    with app.app_context():
        temporary = accounts.reset_password(session, session.get(User, trainer.id))
        session.commit()
    response = users.login(trainer, password=temporary)
    assert response.headers["Location"].endswith("/login/code")
    assert client.get("/account/new-password").status_code == 302
    done = post(client, "/login/code", {"code": pyotp.TOTP(secret).now()})
    assert done.headers["Location"].endswith("/account/new-password")


def test_a_code_of_other_digits_is_refused_not_a_crash(app, session, users):
    """'²²²²²²' passes `str.isdigit`; compared with the real code it would raise (non-ASCII): it is no code."""
    trainer = users.create(role="trainer")
    turn_on(app, session, trainer, when=NOW)
    assert not second_factor.looks_like_app_code("²²²²²²") and not second_factor.looks_like_app_code("١٢٣٤٥٦")
    with app.app_context(), pytest.raises(ServiceError):
        second_factor.verify(session, session.get(User, trainer.id), "²²²²²²", now=NOW)
