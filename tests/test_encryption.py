"""Issue 11, item 3b: reflections, check-in notes and notes to trainers are encrypted at rest.

A database dump or backup holds only Fernet tokens for them; the app reads them
back with LMS_DATA_KEYS (the first key encrypts, all decrypt); `lms keys rotate`
re-encrypts with the first key; a key that cannot read the stored text stops the
app at start-up with a message that says what to do.
"""
from __future__ import annotations

import pytest
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import text

from lms import create_app
from lms.coaching.models import ContactRequest
from lms.core.config import ConfigError
from lms.core.db import db
from lms.learning.models import ReflectionEntry
from lms.roleplay.models import WellbeingCheckin
from tests.conftest import FIXTURE_CONTENT, _config

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
REFLECTION = "I froze when the member mentioned their brother."
CHECKIN = "Struggling after the self-harm scenario."
NOTE = "Please call me, not email."


@pytest.fixture
def app_config() -> dict:
    return {"DATA_KEYS": OLD_KEY}


def _write_private_words(session, user) -> None:
    session.add(ReflectionEntry(user_id=user.id, course_id="listening", step_id="welcome", reflection_id="r-1",
                                prompt_text="What was hardest?", text=REFLECTION))
    checkin = WellbeingCheckin(user_id=user.id, feeling="struggling", note=CHECKIN)
    session.add(checkin)
    session.flush()
    session.add(ContactRequest(user_id=user.id, checkin_id=checkin.id, note_for_trainer=NOTE))
    session.commit()


def _raw(engine) -> list[str]:
    """What a dump of the database holds in the encrypted columns, read without the app's types."""
    with engine.connect() as connection:
        return [connection.execute(text(f"SELECT {column} FROM {table}")).scalar_one()
                for table, column in (("reflection_entries", "text"), ("wellbeing_checkins", "note"),
                                      ("contact_requests", "note_for_trainer"))]


def _app(database_url, tmp_path, keys: str):
    return create_app(_config(database_url, FIXTURE_CONTENT, DATA_KEYS=keys), instance_path=str(tmp_path / "i2"))


def test_the_database_holds_no_plain_text(app, session, users):
    _write_private_words(session, users.create())
    raw = _raw(db.engine)
    for stored, plain in zip(raw, (REFLECTION, CHECKIN, NOTE), strict=True):
        assert plain not in stored and "brother" not in stored
        assert Fernet(OLD_KEY).decrypt(stored.encode()).decode() == plain
    session.expire_all()
    # Services and pages read plain text, unchanged.
    assert session.query(ReflectionEntry).one().text == REFLECTION
    assert session.query(WellbeingCheckin).one().note == CHECKIN
    assert session.query(ContactRequest).one().note_for_trainer == NOTE


def test_keys_rotate_re_encrypts_with_the_first_key(app, session, users, database_url, tmp_path):
    _write_private_words(session, users.create())
    rotating = _app(database_url, tmp_path, f"{NEW_KEY},{OLD_KEY}")
    result = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 3 private texts" in result.output
    rotating.extensions["lms_db"].dispose()
    new_only = _app(database_url, tmp_path, NEW_KEY)  # starts: the new key reads everything
    for stored, plain in zip(_raw(new_only.extensions["lms_db"].engine), (REFLECTION, CHECKIN, NOTE), strict=True):
        assert Fernet(NEW_KEY).decrypt(stored.encode()).decode() == plain
    new_only.extensions["lms_db"].dispose()


def test_a_wrong_key_stops_the_app_at_start_up(app, session, users, database_url, tmp_path):
    _write_private_words(session, users.create())
    with pytest.raises(ConfigError) as info:
        _app(database_url, tmp_path, NEW_KEY)
    message = str(info.value)
    assert "LMS_DATA_KEYS cannot decrypt private text stored in the database" in message
    assert NEW_KEY not in message and OLD_KEY not in message


def test_a_malformed_key_is_refused(database_url, tmp_path):
    with pytest.raises(ConfigError, match="LMS_DATA_KEYS: key 2 is not a Fernet key"):
        _app(database_url, tmp_path, f"{NEW_KEY},not-a-key")


def test_production_requires_data_keys(tmp_path):
    config = {"ENVIRONMENT": "production", "PUBLIC_BASE_URL": "https://training.example.org",
              "SECRET_KEY": "3b8e1f0c6a2d47e95c0b1a8f7e6d2c4b",
              "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "CONTENT_DIR": str(FIXTURE_CONTENT)}
    with pytest.raises(ConfigError, match="LMS_DATA_KEYS is not set"):
        create_app(config, instance_path=str(tmp_path / "i"))


def test_development_derives_a_stable_key_and_says_so(tmp_path, caplog):
    config = {"ENVIRONMENT": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
              "CONTENT_DIR": str(FIXTURE_CONTENT)}
    first = create_app(dict(config), instance_path=str(tmp_path / "i"))
    second = create_app(dict(config), instance_path=str(tmp_path / "i"))
    assert first.config["DATA_KEYS"] == second.config["DATA_KEYS"]
    assert "LMS_DATA_KEYS is not set" in caplog.text


def test_the_migration_encrypts_existing_rows_and_downgrade_decrypts(app, session, users):
    user = users.create()
    config = db.alembic_config()
    command.downgrade(config, "0007_drop_page_cache")  # the revision before 0007_encryption
    with db.engine.begin() as connection:  # written before this release: plain text
        connection.execute(text(
            "INSERT INTO reflection_entries (user_id, course_id, step_id, reflection_id, prompt_text, text, "
            "created_at, updated_at) VALUES (:user, 'listening', 'welcome', 'r-1', 'Prompt', :text, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"user": user.id, "text": REFLECTION})
        connection.execute(text("INSERT INTO wellbeing_checkins (user_id, feeling, note, created_at) "
                                "VALUES (:user, 'ok', '', CURRENT_TIMESTAMP)"), {"user": user.id})
    command.upgrade(config, "heads")
    with db.engine.connect() as connection:
        stored = connection.execute(text("SELECT text FROM reflection_entries")).scalar_one()
        empty = connection.execute(text("SELECT note FROM wellbeing_checkins")).scalar_one()
    assert REFLECTION not in stored and Fernet(OLD_KEY).decrypt(stored.encode()).decode() == REFLECTION
    assert empty == ""
    assert session.query(ReflectionEntry).one().text == REFLECTION
    session.rollback()
    command.downgrade(config, "0007_drop_page_cache")  # the revision before 0007_encryption
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT text FROM reflection_entries")).scalar_one() == REFLECTION
    command.upgrade(config, "heads")
