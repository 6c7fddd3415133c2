"""Configuration: sources in order, validation with messages that say what to set."""
from pathlib import Path

import pytest

from lms import create_app
from lms.core.config import ConfigError
from tests.conftest import DATA_KEY

CONTENT = str(Path(__file__).parent / "fixtures" / "content")


def _base(tmp_path, **extra):
    return {"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "CONTENT_DIR": CONTENT, "DATA_KEYS": DATA_KEY,
            "PUBLIC_BASE_URL": "https://training.example.org", **extra}


@pytest.mark.parametrize("key, message", [
    (None, "SECRET_KEY is not set"),
    ("change-me", "SECRET_KEY is not set"),
    ("short-key", "SECRET_KEY is too short"),
])
def test_production_refuses_weak_secret_key(tmp_path, monkeypatch, key, message):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match=message):
        create_app(_base(tmp_path, ENVIRONMENT="production", SECRET_KEY=key))


def test_production_refuses_debug(tmp_path):
    with pytest.raises(ConfigError, match="Debug mode must be off"):
        create_app(_base(tmp_path, ENVIRONMENT="production", SECRET_KEY="x" * 40, DEBUG=True))


def test_development_creates_and_keeps_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("LMS_ENVIRONMENT", "development")
    first = create_app(_base(tmp_path), instance_path=str(tmp_path / "instance"))
    key_file = Path(first.instance_path) / "secret_key"
    assert key_file.read_text().strip() == first.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    second = create_app(_base(tmp_path), instance_path=str(tmp_path / "instance"))
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_environment_overrides_instance_file(tmp_path, monkeypatch):
    config_file = tmp_path / "config.toml"
    config_file.write_text('SITE_NAME = "From file"\nREGISTRATION = "invite"\nLOGIN_THROTTLE_MAX = 3\n')
    monkeypatch.setenv("LMS_CONFIG_FILE", str(config_file))
    monkeypatch.setenv("LMS_LOGIN_THROTTLE_MAX", "9")
    monkeypatch.setenv("SECRET_KEY", "7d1e9a04c3b28f56e0a9d4c17b3f82e6")
    app = create_app(_base(tmp_path, ENVIRONMENT="production"))
    assert app.config["SITE_NAME"] == "From file"
    assert app.config["REGISTRATION"] == "invite"
    assert app.config["LOGIN_THROTTLE_MAX"] == 9  # parsed as JSON, env wins
    assert app.config["SECRET_KEY"] == "7d1e9a04c3b28f56e0a9d4c17b3f82e6"


def test_invalid_values_name_the_setting(tmp_path):
    with pytest.raises(ConfigError) as info:
        create_app(_base(tmp_path, ENVIRONMENT="production", SECRET_KEY="x" * 40, REGISTRATION="sometimes",
                         STAFF_SECOND_FACTOR="yes", LOGIN_THROTTLE_MAX="lots", CONTENT_DIR=str(tmp_path / "missing")))
    message = str(info.value)
    assert "LMS_REGISTRATION must be 'open' or 'invite'" in message
    assert "LMS_STAFF_SECOND_FACTOR must be 'optional' or 'required', not 'yes'" in message
    assert "LMS_LOGIN_THROTTLE_MAX must be a positive whole number" in message
    assert "LMS_CONTENT_DIR" in message


def test_unreadable_config_file_is_reported(tmp_path, monkeypatch):
    config_file = tmp_path / "config.toml"
    config_file.write_text("SITE_NAME = [unclosed\n")
    monkeypatch.setenv("LMS_CONFIG_FILE", str(config_file))
    with pytest.raises(ConfigError, match="Cannot read the config file"):
        create_app(_base(tmp_path, ENVIRONMENT="production", SECRET_KEY="x" * 40))


def test_timezone_must_be_a_real_zone(tmp_path):
    with pytest.raises(ConfigError, match="LMS_TIMEZONE must be a timezone name"):
        create_app(_base(tmp_path, ENVIRONMENT="development", TIMEZONE="Mars/Olympus_Mons"),
                   instance_path=str(tmp_path / "instance"))


@pytest.mark.parametrize("zone, hours", [("Etc/GMT-14", 14), ("Etc/GMT+12", -12)])
def test_today_is_the_charitys_date_not_the_servers(tmp_path, zone, hours):
    """A due date or expiry is judged in the configured timezone, whatever the server's clock says."""
    from datetime import UTC, datetime, timedelta

    from lms.core import clock

    app = create_app(_base(tmp_path, ENVIRONMENT="development", TIMEZONE=zone), instance_path=str(tmp_path / "i"))
    with app.app_context():
        before = (datetime.now(UTC) + timedelta(hours=hours)).date()
        today = clock.today()
        after = (datetime.now(UTC) + timedelta(hours=hours)).date()
        assert today in (before, after)
        moment = datetime(2026, 3, 30, 23, 30, tzinfo=UTC)
        assert clock.local_date(moment) == (moment + timedelta(hours=hours)).date()
    app.extensions["lms_db"].dispose()


@pytest.mark.parametrize("url", ["training.example.org", "ftp://training.example.org", "https://",
                                 "https://training.example.org/?next=1", "https://[::1"])
def test_the_public_address_must_be_a_whole_web_address(tmp_path, url):
    with pytest.raises(ConfigError, match="LMS_PUBLIC_BASE_URL must be the site's address as people reach it"):
        create_app(_base(tmp_path, ENVIRONMENT="production", SECRET_KEY="7d1e9a04c3b28f56e0a9d4c17b3f82e6",
                         PUBLIC_BASE_URL=url))


def test_a_production_site_must_set_its_public_address(tmp_path):
    """Left at the development default, every certificate and QR code would point at 127.0.0.1."""
    settings = _base(tmp_path, ENVIRONMENT="production", SECRET_KEY="7d1e9a04c3b28f56e0a9d4c17b3f82e6")
    del settings["PUBLIC_BASE_URL"]
    with pytest.raises(ConfigError, match="LMS_PUBLIC_BASE_URL is not set"):
        create_app(settings)
    app = create_app({**settings, "PUBLIC_BASE_URL": "https://training.example.org/lms/"})
    assert app.config["PUBLIC_BASE_URL"] == "https://training.example.org/lms/"
    # Development keeps its default, for `make run`.
    assert create_app({**settings, "ENVIRONMENT": "development"}).config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"


def test_a_checkout_finds_its_instance_folder_and_content_from_any_directory(tmp_path, monkeypatch):
    """`lms reload` or `lms user create` run from another folder use the checkout's instance/ and content,
    not ones in the current folder (the package lives in the checkout: an editable install)."""
    from lms.core import config

    checkout = Path(config.__file__).resolve().parents[2]
    monkeypatch.chdir(tmp_path)
    assert checkout == config.PROJECT_ROOT and (checkout / "pyproject.toml").is_file()
    assert config.default_instance_path() == str(checkout / "instance")
