"""Configuration: defaults, then the instance config file, then the environment.

Order of precedence (last wins):
1. `Defaults` below;
2. `<instance>/config.toml`, if present (or the file named by `LMS_CONFIG_FILE`);
3. environment variables: `LMS_<KEY>` for any key (JSON values are parsed, so
   `LMS_LOGIN_THROTTLE_MAX=10` is an int), plus `DATABASE_URL` and `SECRET_KEY`;
4. the mapping passed to `create_app(config=...)` (tests).

`validate()` then checks the result and raises `ConfigError` with a message
that says what to set.
"""
from __future__ import annotations

import json
import os
import secrets
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # only for annotations: `lms check` reads the config without Flask
    from flask import Flask

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the `lms` package (this file is lms/core/config.py)
#: The checkout the package runs from, or None when it is installed (a wheel in site-packages).
PROJECT_ROOT: Path | None = (PACKAGE_ROOT.parent if (PACKAGE_ROOT.parent / "pyproject.toml").is_file()
                             and (PACKAGE_ROOT.parent / "lms").resolve() == PACKAGE_ROOT else None)


def default_instance_path() -> str:
    """`instance/` in a checkout, else `instance/` in the current folder (an installed package)."""
    return str((PROJECT_ROOT or Path.cwd()) / "instance")

#: Keys that ship with the project and must never protect a real site.
KNOWN_DEFAULT_SECRETS = {"", "dev", "change-me", "changeme", "secret", "development"}
MIN_SECRET_LENGTH = 32

def N_(text: str) -> str:
    """Marks a shipped default for the catalogue (`make translations`); lms.core.support translates it when shown."""
    return text


#: UK crisis and support contacts, shown on every page's "Get support" link. Their words are shown in the
#: reader's language (lms.core.support); contacts a charity configures itself are shown as written.
DEFAULT_SUPPORT_CONTACTS: list[dict[str, str]] = [
    {"name": N_("Emergency services"), "contact": "999", "href": "tel:999", "kind": "emergency",
     "when": N_("If a life is at risk now, call 999 or go to A&E.")},
    {"name": N_("Samaritans"), "contact": "116 123", "href": "tel:116123",
     "when": N_("Free, any time, day or night, whatever you are going through.")},
    {"name": "Shout", "contact": N_("Text SHOUT to 85258"), "href": "sms:85258?body=SHOUT",
     "when": N_("Free text support, 24/7.")},
    {"name": "NHS 111", "contact": N_("111, option 2"), "href": "tel:111",
     "when": N_("Urgent help in a mental-health crisis (England and Wales).")},
    {"name": "Childline", "contact": "0800 1111", "href": "tel:08001111",
     "when": N_("For children and young people under 19.")},
    {"name": "PAPYRUS HOPELINE247", "contact": "0800 068 4141", "href": "tel:08000684141",
     "when": N_("For anyone under 35 with thoughts of suicide, or worried about a young person.")},
]


#: The usual port for each MAIL_SECURITY.
MAIL_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says what to set."""


class Defaults:
    """Defaults for every setting; see README.md for what each one does."""

    ENVIRONMENT = "production"  # or "development"; set LMS_ENVIRONMENT
    DEBUG = False
    TESTING = False
    SECRET_KEY: str | None = None
    # Fernet keys for private words at rest (lms.core.crypto), comma-separated: the first encrypts,
    # all decrypt. Required in production; development and the test suite derive one from SECRET_KEY.
    DATA_KEYS: str | None = None
    DATABASE_URL: str | None = None  # default: SQLite in the instance folder
    CONTENT_DIR: str | None = None  # default: the project root (courses/, scenarios/)
    CONTENT_AUTO_RELOAD: bool | None = None  # default: on in development
    SITE_NAME = "Peer Support Training"
    CHARITY_NAME = "Example Peer Support Charity"
    CHARITY_NUMBER = ""
    PUBLIC_BASE_URL = DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"  # printed on certificates and QR codes
    REGISTRATION = "open"  # or "invite"
    STAFF_SECOND_FACTOR = "optional"  # or "required": trainers and admins must log in with an authenticator app
    CERTIFICATE_SIGNATORY = "Training Lead"  # used when a course names none
    # "holder": a certificate in its holder's language; "bilingual": Welsh and English side by side (Welsh first).
    CERTIFICATE_LANGUAGES = "holder"
    CERTIFICATE_PAGE_SIZE = "A4"  # or "Letter"
    CERTIFICATE_PRIMARY_COLOUR = "#1d4f91"
    CERTIFICATE_LOGO = ""  # path to a PNG or SVG logo, read once at start-up
    SUPPORT_CONTACTS = DEFAULT_SUPPORT_CONTACTS
    ORG: dict[str, str] = {}  # organisation variables for the training ({{ org.NAME }}, FORMAT.md 7.5)
    SUPPORT_INTRO = N_(
        "If you are finding this training hard, you can stop at any time. "
        "Your progress is saved. These services can help right now."
    )
    LOGIN_THROTTLE_MAX = 5  # failed attempts at one account from one address ...
    LOGIN_THROTTLE_ADDRESS_MAX = 20  # ... or from one address at any accounts ...
    LOGIN_THROTTLE_WINDOW_MINUTES = 15  # ... within this many minutes
    # Shared rate limits per real client address (lms.core.ratelimit):
    CERTIFICATE_VERIFY_LIMIT = 30  # certificate look-ups a minute
    REGISTER_LIMIT = 60  # registrations an hour (a class registering from one office fits)
    INVITE_LIMIT = 60  # invitation links opened or followed an hour
    PASSWORD_LIMIT = 10  # password changes and admin password resets an hour
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto.
    # 0 (the default) trusts no such header: the client address is the connection's.
    TRUSTED_PROXIES = 0
    PASSWORD_MIN_LENGTH = 8
    PASSWORD_MAX_LENGTH = 1024
    PASSWORD_HASHING = "standard"  # argon2id cost profile; see lms/core/passwords.py
    SESSION_LIFETIME_HOURS = 12
    REMEMBER_COOKIE_DAYS = 14
    SESSION_COOKIE_SECURE: bool | None = None  # default: on in production
    WTF_CSRF_TIME_LIMIT = None  # tokens last as long as the session
    # Every message a form can give is ours (lms/core/forms.py, tests/test_form_messages.py), so WTForms'
    # own catalogue is never shown: Flask-WTF would otherwise read it from disk for each form (every node).
    WTF_I18N_ENABLED = False
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    LANGUAGES = "en,cy"  # the interface's languages, in the switch's order (lms.core.i18n)
    CONTENT_LANGUAGE = "en"  # what the original course and scenario files are written in (FORMAT.md 8)
    DEFAULT_LANGUAGE = "en"  # for people who chose none and visitors whose browser asks for none of LANGUAGES
    TIMEZONE = "Europe/London"  # IANA name: what "today" is for due dates, expiry and file names
    # Outgoing email (README "Email and reminders"). No MAIL_SERVER: messages are printed (console).
    MAIL_BACKEND: str | None = None  # "smtp" or "console"; default: smtp when MAIL_SERVER is set
    MAIL_SERVER = ""
    MAIL_PORT: int | None = None  # default: 465 for ssl, 587 for starttls, 25 for none
    MAIL_SECURITY = "starttls"  # "none", "starttls" or "ssl"
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_SENDER = ""  # "Training <training@example.org>"; required for smtp
    MAIL_TIMEOUT_SECONDS = 30
    # A PEM file of certificate authorities to trust for the SMTP server instead of the system's
    # (a server with a private CA, or a test server with a self-signed certificate). Default: the system's.
    MAIL_CA_FILE = ""
    REMINDER_SWEEP_MINUTES = 60  # how often each worker looks for reminders to send (safe to overlap)
    OVERDUE_REMINDERS_MAX = 4  # overdue reminders per course: on the first day overdue, then weekly
    NUDGES_PER_HOUR = 60  # trainees a trainer may send reminders to in an hour
    # A trainer's comment on a run is e-mailed this long after it is made, and only if no further comment on
    # that run came meanwhile: three comments in a minute make one e-mail, not three. 0 sends each at once.
    COMMENT_EMAIL_DELAY_SECONDS = 120
    RENDER_CACHE = True  # keep read courses and scenarios on disk between loads (and each one's last working version)
    RENDER_CACHE_DIR: str | None = None  # default: render-cache/ in the instance folder; shared by the workers
    LOG_FORMAT = "text"  # or "json": one object a line with a request id, no personal data
    # How long a SQLite write waits for the database's single write lock before the
    # request is answered with a 503. Kept well below the worker timeout, so a long
    # lock gives an honest "briefly unavailable" page rather than a killed worker.
    SQLITE_BUSY_TIMEOUT_SECONDS = 10.0
    WORKER_TIMEOUT_SECONDS = 30  # gunicorn's --timeout (its default is 30): set both together
    UNAVAILABLE_RETRY_AFTER_SECONDS = 5  # Retry-After on the 503 when the database cannot be reached
    # Bearer token for /metrics from elsewhere than loopback (lms.core.metrics); empty: loopback only.
    METRICS_TOKEN = ""
    # Benchmarks only: answer every request with an X-Query-Count header (SQL statements it ran).
    COUNT_QUERIES = False


def load(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill `app.config` from every source, in order, then validate it."""
    app.config.from_object(Defaults)
    config_file = os.environ.get("LMS_CONFIG_FILE") or os.path.join(app.instance_path, "config.toml")
    if os.path.exists(config_file):
        try:
            app.config.from_file(config_file, load=tomllib.load, text=False)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"Cannot read the config file {config_file}: {exc}") from exc
    _load_environment(app)
    # Testing mode may come only from code (the test suite's create_app(config=...)),
    # never from the environment or a config file, where it could reach a server.
    app.config["TESTING_FROM_OUTSIDE"] = bool(app.config.get("TESTING"))
    if overrides:
        app.config.update(overrides)
    _derive(app)
    validate(app)


def site_config_file() -> str:
    """The config file `load` reads: LMS_CONFIG_FILE, else config.toml in the instance folder (it may not exist)."""
    instance = os.environ.get("LMS_INSTANCE_PATH") or default_instance_path()
    return os.environ.get("LMS_CONFIG_FILE") or os.path.join(instance, "config.toml")


def _configured(name: str) -> Any:
    """A setting from the config file and the environment (LMS_<name>), as `load` reads them, without
    building the app or needing a secret key; None when neither sets it."""
    config_file = site_config_file()
    value: Any = None
    if os.path.exists(config_file):
        try:
            with open(config_file, "rb") as handle:
                value = tomllib.load(handle).get(name)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"Cannot read the config file {config_file}: {exc}") from exc
    raw = os.environ.get(f"LMS_{name}")
    if raw:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
    return value


def configured_content_dir() -> Path:
    """CONTENT_DIR from the same sources as `load`, without building the app or needing a secret key.

    For `lms check` with no folder named: it must work before anything else is configured.
    """
    value = _configured("CONTENT_DIR")
    return Path(str(value)) if value else (PROJECT_ROOT or Path.cwd())


def configured_languages() -> list[str]:
    """The site's languages (LANGUAGES) from the same sources as `load`, without Flask; ConfigError if unreadable."""
    from lms.core.languages import parse_languages

    return parse_languages(_configured("LANGUAGES") or Defaults.LANGUAGES)


def command_language() -> str:
    """The language of a content command's output, as lms.core.i18n.cli_language picks it, without Flask.

    `lms check` must start at once and work unconfigured: it loads the app's translations only when this
    is not English. A configuration it cannot read means English.
    """
    from lms.core.languages import terminal_language

    try:
        languages = configured_languages()
        default = str(_configured("DEFAULT_LANGUAGE") or Defaults.DEFAULT_LANGUAGE).strip().lower()
    except ConfigError:
        return "en"
    return terminal_language(languages, default if default in languages else "en")


def site_org_for_check(org_file: Path | None = None) -> tuple[dict[str, str], list[dict[str, str]] | None, str]:
    """The site's ORG values and SUPPORT_CONTACTS for `lms check`, and where they came from ("" for nowhere).

    `lms check` needs no configuration: with none, it checks the content with org.yaml's
    defaults alone. It reads `org_file` (a TOML file with an `ORG` table and optionally a
    `SUPPORT_CONTACTS` list), or else the site's config file when there is one (the file the
    app reads: LMS_CONFIG_FILE, or config.toml in the instance folder), so that on a server it
    checks what trainees will see; LMS_ORG and LMS_SUPPORT_CONTACTS (JSON) override them, as they
    do the app's. Values an admin saved on the settings page live in the database and are not read here.
    """
    from lms.content.org import flat_site_org, org_problems  # pure: no Flask

    path: Path | None = org_file or Path(site_config_file())
    data: dict[str, Any] = {}
    sources = []
    if path is not None:
        if org_file is None and not path.is_file():
            path = None  # the site has no config file (yet): nothing to read, as for the app
        else:
            try:
                with open(path, "rb") as handle:
                    data = tomllib.load(handle)
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"Cannot read the settings file {path}: {exc}") from exc
            sources.append(str(path))
    for key in ("ORG", "SUPPORT_CONTACTS"):
        raw = os.environ.get(f"LMS_{key}")
        if raw:
            try:
                data[key] = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"LMS_{key} is not valid JSON: {exc}") from exc
            sources.append(f"LMS_{key}")
    org = data.get("ORG") or {}
    problems = org_problems(org)
    if problems:
        raise ConfigError(f"The ORG setting in {' and '.join(sources)} cannot be used: "
                          + "; ".join(map(str, problems)) + ".")
    contacts = data.get("SUPPORT_CONTACTS")
    if contacts is not None and not (isinstance(contacts, list) and all(
            isinstance(c, dict) and c.get("name") and c.get("contact") for c in contacts)):
        raise ConfigError(f"SUPPORT_CONTACTS in {' and '.join(sources)} must be a list of tables each with at least "
                          "'name' and 'contact'.")
    org = {name: str(value) for name, value in flat_site_org(org).items()}
    return org, contacts, " and ".join(sources) if ("ORG" in data or contacts is not None) else ""


def _load_environment(app: Flask) -> None:
    for name in ("DATABASE_URL", "SECRET_KEY"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    for name, raw in os.environ.items():
        if not name.startswith("LMS_") or name in ("LMS_CONFIG_FILE", "LMS_INSTANCE_PATH"):
            continue
        key = name[len("LMS_"):]
        try:
            app.config[key] = json.loads(raw)
        except json.JSONDecodeError:
            app.config[key] = raw


def _derive(app: Flask) -> None:
    """Fill settings whose default depends on others."""
    from lms.core import crypto  # here, not at the top: it loads SQLAlchemy, which `lms check` must not

    cfg = app.config
    development = cfg["ENVIRONMENT"] == "development"
    if not cfg.get("DATABASE_URL"):
        cfg["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "lms.sqlite3")
    if not cfg.get("CONTENT_DIR"):
        # A checkout serves its sample content; an installed package the current folder.
        cfg["CONTENT_DIR"] = str(PROJECT_ROOT or Path.cwd())
    if cfg.get("CONTENT_AUTO_RELOAD") is None:
        cfg["CONTENT_AUTO_RELOAD"] = development
    if not cfg.get("SECRET_KEY") and development:
        cfg["SECRET_KEY"] = _instance_secret(app)
    cfg["DATA_KEYS_DERIVED"] = False
    if not crypto.parse_keys(cfg.get("DATA_KEYS")) and (development or cfg.get("TESTING")) and cfg.get("SECRET_KEY"):
        # Stable across restarts (the instance secret is kept), so development data stays readable.
        cfg["DATA_KEYS"] = crypto.derived_key(str(cfg["SECRET_KEY"]))
        cfg["DATA_KEYS_DERIVED"] = True
    if cfg.get("SESSION_COOKIE_SECURE") is None:
        cfg["SESSION_COOKIE_SECURE"] = not (development or cfg.get("TESTING"))
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    cfg["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    cfg["REMEMBER_COOKIE_SECURE"] = cfg["SESSION_COOKIE_SECURE"]
    cfg["REMEMBER_COOKIE_DURATION"] = timedelta(days=int(cfg["REMEMBER_COOKIE_DAYS"]))
    cfg["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=int(cfg["SESSION_LIFETIME_HOURS"]))
    if not cfg.get("MAIL_BACKEND"):
        cfg["MAIL_BACKEND"] = "smtp" if cfg.get("MAIL_SERVER") else "console"
    if not cfg.get("MAIL_PORT") and cfg.get("MAIL_SECURITY") in MAIL_PORTS:
        cfg["MAIL_PORT"] = MAIL_PORTS[cfg["MAIL_SECURITY"]]
    if not cfg.get("MAIL_SENDER") and cfg["MAIL_BACKEND"] == "console":
        cfg["MAIL_SENDER"] = "training@localhost"
    # The lifetime counts from login; re-signing the cookie on every page would
    # cost each request and extend sessions indefinitely.
    cfg["SESSION_REFRESH_EACH_REQUEST"] = False


def _instance_secret(app: Flask) -> str:
    """Create once, then keep, a random secret key for development."""
    path = Path(app.instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


#: A random key of MIN_SECRET_LENGTH characters has far more different characters than this.
MIN_DISTINCT_SECRET_CHARACTERS = 10


def low_entropy(key: str) -> bool:
    """Whether a key is guessable whatever its length: few different characters, or one pattern repeated.

    `secrets.token_hex(16)` (32 characters) has 16 possible characters and in
    practice at least 11 different ones; "aaaa…", "abab…" or a word typed over
    and over have few, or are a short run repeated (found as `key` inside
    `key + key` before its own end).
    """
    repeated = (key + key).find(key, 1) < len(key)
    return len(set(key)) < MIN_DISTINCT_SECRET_CHARACTERS or repeated
def _is_positive_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and value > 0


def _is_timezone(name: object) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(name, str) or not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _public_base_url_problems(cfg: Mapping[str, Any]) -> list[str]:
    """LMS_PUBLIC_BASE_URL starts every link that leaves the site: certificates, their QR codes, e-mails.

    It must be a whole web address (a typo without its scheme would print links that go nowhere), and a
    production site must set it: the development default would print 127.0.0.1 on every certificate.
    """
    url = cfg.get("PUBLIC_BASE_URL")
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
    except ValueError:  # an unclosed [ in the host, say
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return [f"LMS_PUBLIC_BASE_URL must be the site's address as people reach it, starting with https:// "
                f"(e.g. https://training.example.org), with no ? or # part; not {url!r}."]
    if (cfg.get("ENVIRONMENT") == "production" and not cfg.get("TESTING")
            and str(url).rstrip("/") == Defaults.DEVELOPMENT_BASE_URL):
        return ["LMS_PUBLIC_BASE_URL is not set: certificates, their QR codes and the links in e-mails would point "
                f"at {Defaults.DEVELOPMENT_BASE_URL}. Set it to the site's address as people reach it, e.g. "
                "https://training.example.org."]
    return []


def _mail_problems(cfg: Mapping[str, Any]) -> list[str]:
    """What is wrong with the outgoing email settings, each naming what to set."""
    from email.utils import parseaddr

    errors: list[str] = []
    backend = cfg.get("MAIL_BACKEND")
    if backend not in ("smtp", "console"):
        return [f"LMS_MAIL_BACKEND must be 'smtp' or 'console', not {backend!r}."]
    for name in ("REMINDER_SWEEP_MINUTES", "OVERDUE_REMINDERS_MAX", "NUDGES_PER_HOUR", "MAIL_TIMEOUT_SECONDS"):
        if isinstance(cfg.get(name), bool) or not isinstance(cfg.get(name), int) or cfg[name] < 1:
            errors.append(f"LMS_{name} must be a positive whole number, not {cfg.get(name)!r}.")
    delay = cfg.get("COMMENT_EMAIL_DELAY_SECONDS")
    if isinstance(delay, bool) or not isinstance(delay, int) or delay < 0:
        errors.append(f"LMS_COMMENT_EMAIL_DELAY_SECONDS must be a whole number of seconds, 0 or more, not {delay!r}.")
    sender = cfg.get("MAIL_SENDER") or ""
    if not isinstance(sender, str) or "@" not in parseaddr(sender)[1]:
        errors.append("LMS_MAIL_SENDER must be an email address, e.g. 'Training <training@example.org>'"
                      + (f", not {sender!r}." if sender else "; it is not set."))
    if backend == "console":
        return errors
    server = cfg.get("MAIL_SERVER")
    if not isinstance(server, str) or not server.strip():
        errors.append("LMS_MAIL_SERVER must name your SMTP server (e.g. smtp.example.org) "
                      "when LMS_MAIL_BACKEND is 'smtp'.")
    security = cfg.get("MAIL_SECURITY")
    if security not in MAIL_PORTS:
        errors.append(f"LMS_MAIL_SECURITY must be 'none', 'starttls' or 'ssl', not {security!r}.")
    port = cfg.get("MAIL_PORT")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        errors.append(f"LMS_MAIL_PORT must be a port number from 1 to 65535, not {port!r}.")
    ca_file = cfg.get("MAIL_CA_FILE") or ""
    if ca_file and (not isinstance(ca_file, str) or not os.path.isfile(ca_file)):
        errors.append(f"LMS_MAIL_CA_FILE must be a PEM file of certificate authorities, but {ca_file!r} is not a file.")
    elif ca_file and security == "none":
        errors.append("LMS_MAIL_CA_FILE is set but LMS_MAIL_SECURITY is 'none': set 'starttls' or 'ssl' to use it.")
    username, password = cfg.get("MAIL_USERNAME") or "", cfg.get("MAIL_PASSWORD") or ""
    if bool(username) != bool(password):
        errors.append("Set both LMS_MAIL_USERNAME and LMS_MAIL_PASSWORD, or neither (a server that needs no login).")
    if (username and security == "none" and cfg.get("ENVIRONMENT") == "production"
            and str(server).strip().lower() not in LOOPBACK_HOSTS):
        errors.append("LMS_MAIL_SECURITY is 'none' but a password is set: it would cross the network unencrypted. "
                      "Use 'starttls' or 'ssl'.")
    return errors


def validate(app: Flask) -> None:
    """Raise ConfigError naming what to set when the configuration cannot work."""
    from lms.core import crypto  # here, not at the top: it loads SQLAlchemy, which `lms check` must not

    cfg = app.config
    errors: list[str] = []
    if cfg["ENVIRONMENT"] not in ("development", "production"):
        errors.append(f"LMS_ENVIRONMENT must be 'development' or 'production', not {cfg['ENVIRONMENT']!r}.")
    from lms.core.i18n import language_problems  # here: Flask-Babel is not needed to read the config

    errors += language_problems(cfg.get("LANGUAGES"), cfg.get("DEFAULT_LANGUAGE"))
    if cfg.get("CERTIFICATE_LANGUAGES", "holder") not in ("holder", "bilingual"):
        errors.append("LMS_CERTIFICATE_LANGUAGES must be 'holder' or 'bilingual', "
                      f"not {cfg['CERTIFICATE_LANGUAGES']!r}.")
    if cfg["REGISTRATION"] not in ("open", "invite"):
        errors.append(f"LMS_REGISTRATION must be 'open' or 'invite', not {cfg['REGISTRATION']!r}.")
    if cfg["STAFF_SECOND_FACTOR"] not in ("optional", "required"):
        errors.append("LMS_STAFF_SECOND_FACTOR must be 'optional' or 'required', "
                      f"not {cfg['STAFF_SECOND_FACTOR']!r}.")
    if cfg["ENVIRONMENT"] == "production" and cfg.get("TESTING_FROM_OUTSIDE"):
        errors.append("Testing mode (LMS_TESTING) is for the test suite only and cannot be used in production: "
                      "unset LMS_TESTING.")
    if cfg["ENVIRONMENT"] == "production":
        key = cfg.get("SECRET_KEY") or ""
        if key.strip().lower() in KNOWN_DEFAULT_SECRETS:
            errors.append(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a random "
                "value, e.g. the output of: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        elif len(key) < MIN_SECRET_LENGTH:
            errors.append(f"SECRET_KEY is too short ({len(key)} characters); "
                          f"use at least {MIN_SECRET_LENGTH} random characters.")
        elif low_entropy(key):
            errors.append("SECRET_KEY is too predictable (too few different characters, or a short pattern repeated); "
                          "use a random value, e.g. the output of: "
                          "python -c 'import secrets; print(secrets.token_hex(32))'")
        if cfg.get("DEBUG"):
            errors.append("Debug mode must be off in production: unset LMS_DEBUG / FLASK_DEBUG.")
        if not crypto.parse_keys(cfg.get("DATA_KEYS")) and not cfg.get("TESTING"):
            errors.append("LMS_DATA_KEYS is not set: reflections and check-in notes are encrypted with it. "
                          "Make a key with `lms keys new` (or: python -c 'from cryptography.fernet import Fernet; "
                          "print(Fernet.generate_key().decode())'), keep a copy safe apart from the backups, "
                          "and set LMS_DATA_KEYS to it.")
    errors += crypto.key_problems(cfg.get("DATA_KEYS"))
    if not str(cfg["DATABASE_URL"]).startswith(("sqlite:", "postgresql")):
        errors.append("DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL.")
    content_dir = Path(cfg["CONTENT_DIR"])
    if not content_dir.is_dir():
        errors.append(f"LMS_CONTENT_DIR {content_dir} is not a folder; "
                      "point it at the folder holding courses/ and scenarios/.")
    proxies = cfg.get("TRUSTED_PROXIES")
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 0:
        errors.append("LMS_TRUSTED_PROXIES must be the number of proxies in front of the app (0 or more), "
                      f"not {proxies!r}.")
    for name in ("LOGIN_THROTTLE_MAX", "LOGIN_THROTTLE_ADDRESS_MAX", "LOGIN_THROTTLE_WINDOW_MINUTES",
                 "CERTIFICATE_VERIFY_LIMIT", "REGISTER_LIMIT", "INVITE_LIMIT", "PASSWORD_LIMIT",
                 "SESSION_LIFETIME_HOURS", "PASSWORD_MIN_LENGTH"):
        if not isinstance(cfg.get(name), int) or cfg[name] < 1:
            errors.append(f"LMS_{name} must be a positive whole number, not {cfg.get(name)!r}.")
    if cfg.get("LOG_FORMAT") not in ("text", "json"):
        errors.append(f"LMS_LOG_FORMAT must be 'text' or 'json', not {cfg.get('LOG_FORMAT')!r}.")
    busy, worker = cfg.get("SQLITE_BUSY_TIMEOUT_SECONDS"), cfg.get("WORKER_TIMEOUT_SECONDS")
    if not _is_positive_number(worker):
        errors.append(f"LMS_WORKER_TIMEOUT_SECONDS must be a positive number of seconds, not {worker!r}.")
    elif not _is_positive_number(busy) or float(busy) > float(worker) / 2:  # type: ignore[arg-type]
        errors.append(f"LMS_SQLITE_BUSY_TIMEOUT_SECONDS must be a positive number of seconds, at most half of "
                      f"LMS_WORKER_TIMEOUT_SECONDS ({worker}), so a lock wait ends before the worker is killed; "
                      f"not {busy!r}.")
    retry = cfg.get("UNAVAILABLE_RETRY_AFTER_SECONDS")
    if isinstance(retry, bool) or not isinstance(retry, int) or retry < 1:
        errors.append(f"LMS_UNAVAILABLE_RETRY_AFTER_SECONDS must be a positive whole number, not {retry!r}.")
    from lms.core import passwords  # here, not at the top: `lms check` reads config without Flask

    hashing = cfg.get("PASSWORD_HASHING")
    if hashing not in passwords.PROFILES:
        errors.append(f"LMS_PASSWORD_HASHING must be one of {', '.join(sorted(passwords.PROFILES))}, not {hashing!r}.")
    elif hashing in passwords.TESTING_ONLY_PROFILES and not cfg.get("TESTING"):
        errors.append(f"LMS_PASSWORD_HASHING {hashing!r} is for the test suite only; unset it.")
    from lms.content.org import org_problems  # pure: no Flask, fine for `lms check`

    errors += [f"LMS_ORG: {problem}." for problem in org_problems(cfg.get("ORG"))]
    if not _is_timezone(cfg.get("TIMEZONE")):
        errors.append(f"LMS_TIMEZONE must be a timezone name such as 'Europe/London', not {cfg.get('TIMEZONE')!r}.")
    errors += _mail_problems(cfg)
    errors += _public_base_url_problems(cfg)
    contacts = cfg.get("SUPPORT_CONTACTS")
    if not isinstance(contacts, list) or not all(
            isinstance(c, dict) and c.get("name") and c.get("contact") for c in contacts):
        errors.append("LMS_SUPPORT_CONTACTS must be a list of tables each with at least 'name' and 'contact'.")
    if errors:
        raise ConfigError("The LMS cannot start:\n  - " + "\n  - ".join(errors))
