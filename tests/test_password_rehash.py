"""Passwords hashed with other argon2 parameters are upgraded at the next successful login (issue 18, item 7)."""
from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select

from lms.accounts.models import User
from lms.core import passwords
from tests.conftest import PASSWORD

#: argon2-cffi's own default profile: what accounts made before the profile was chosen hold.
OLD = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)


def _stored_hash(session, email: str) -> str:
    session.expire_all()
    return session.scalar(select(User.password_hash).where(User.email == email))


def test_a_hash_with_old_parameters_is_upgraded_at_login(app, client, session):
    from tests.conftest import Users

    users = Users(app, client)
    user = users.create()
    session.get(User, user.id).password_hash = OLD.hash(PASSWORD)
    session.commit()
    with app.app_context():
        assert passwords.needs_rehash(_stored_hash(session, user.email))

    assert users.login(user).status_code == 302
    upgraded = _stored_hash(session, user.email)
    with app.app_context():  # the app's profile (the tests' cheap one), and still the same password
        assert not passwords.needs_rehash(upgraded)
        assert passwords.verify_password(upgraded, PASSWORD)
    assert "m=65536" not in upgraded

    # A current hash is left as it is: no write, no new salt.
    client.post("/logout", data={})
    assert users.login(user, client=app.test_client()).status_code == 302
    assert _stored_hash(session, user.email) == upgraded


def test_a_wrong_password_never_rehashes(app, client, session):
    from tests.conftest import Users

    users = Users(app, client)
    user = users.create()
    old = OLD.hash(PASSWORD)
    session.get(User, user.id).password_hash = old
    session.commit()
    assert users.login(user, password="not the password at all").status_code == 200
    assert _stored_hash(session, user.email) == old
