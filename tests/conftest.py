"""Fixtures: a fresh app and database per test, on SQLite and on PostgreSQL.

Every test that uses `app` runs once per backend named by `--db` (default both).
PostgreSQL is a throwaway cluster started here (see ../shared/ENVIRONMENT.md);
when it cannot start the run fails, it never skips.
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from lms import create_app
from lms.core.db import db as database

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
PG_BIN = Path(os.environ.get("LMS_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
PASSWORD = "correct horse battery staple"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", default="sqlite,postgresql",
                     help="comma-separated database backends to run app tests on (sqlite, postgresql)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_backend" in metafunc.fixturenames:
        backends = [b.strip() for b in metafunc.config.getoption("--db").split(",") if b.strip()]
        # A browser test checks pages, not the database: the services under them are
        # tested on every backend already, so it runs once (SQLite when chosen)
        # unless marked `all_databases`.
        if metafunc.definition.get_closest_marker("browser") and \
                not metafunc.definition.get_closest_marker("all_databases"):
            backends = ["sqlite"] if "sqlite" in backends else backends[:1]
        metafunc.parametrize("db_backend", backends)


# -- PostgreSQL -------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; CI runs as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class PostgresCluster:
    """A throwaway PostgreSQL 15 cluster on a free loopback port."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"PostgreSQL binaries not found in {PG_BIN}: install postgresql-15 (the tests need it)")
        self.dir = Path(tempfile.mkdtemp(prefix="lms-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.dir.chmod(0o700)
        self.port = _free_port()
        data = self.dir / "data"
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                     "-E", "UTF8", "--locale=C", "--no-sync"]), check=True, capture_output=True)
        self.start_server()
        self.admin = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")

    def start_server(self) -> None:
        """Start the server on the cluster's port (again, after `stop_server`)."""
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.dir} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-l",
                                     str(self.dir / "server.log"), "-w", "-t", "30", "-o", options, "start"]),
                       check=True, capture_output=True)

    def stop_server(self) -> None:
        """Stop the server, dropping every connection (an outage); the cluster's files stay.

        "fast", not "immediate": with synchronous_commit off, a crash-like stop could lose
        the test's last commits, which is not what a restart does to a real server.
        """
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast",
                                     "-w", "stop"]), check=True, capture_output=True)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def stop(self) -> None:
        self.admin.dispose()
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate",
                                     "-w", "stop"]), capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster()
    try:
        yield cluster
    finally:
        cluster.stop()


def _migrated(url: str) -> None:
    app = create_app(_config(url, FIXTURE_CONTENT))
    with app.app_context():
        database.upgrade()
    database.engine.dispose()


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresCluster) -> str:
    name = "lms_template"
    _migrated(postgres.create_database(name))
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "lms.sqlite3"
    _migrated(f"sqlite:///{path}")
    return path


# -- the app ------------------------------------------------------------------------

#: A fixed Fernet key for apps and servers started in production mode without testing mode.
DATA_KEY = "ZmRhdGEta2V5LWZvci10aGUtdGVzdC1zdWl0ZS0wMDA="


def _config(url: str, content_dir: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "ENVIRONMENT": "production",  # test what is deployed, with a real key
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "DATABASE_URL": url,
        "CONTENT_DIR": str(content_dir),
        "CONTENT_AUTO_RELOAD": False,
        "SESSION_COOKIE_SECURE": False,
        "PUBLIC_BASE_URL": "http://localhost",
        "PASSWORD_HASHING": "fast-for-tests",
        "COMMENT_EMAIL_DELAY_SECONDS": 0,  # each comment's e-mail at once; the gathering is tested on its own
        **extra,
    }


_db_counter = itertools.count()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, db_backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if db_backend == "sqlite":
        path = tmp_path / "lms.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    elif db_backend == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        template = request.getfixturevalue("postgres_template")
        name = f"lms_test_{os.getpid()}_{next(_db_counter)}"
        url = cluster.create_database(name, template=template)
        yield url
        if database.engine is not None:
            database.engine.dispose()
        cluster.drop_database(name)
    else:
        raise pytest.UsageError(f"unknown --db backend {db_backend!r}")


@pytest.fixture(autouse=True)
def steady_rate_limit_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold rate-limit time at the start of an hour, so no test's requests straddle a window edge."""
    from lms.core import ratelimit

    start_of_hour = float(int(time.time()) // 3600 * 3600 + 1)
    monkeypatch.setattr(ratelimit, "current_time", lambda: start_of_hour)


@pytest.fixture
def app_config() -> dict:
    """Per-test config overrides; a test may change this dict before using `app`."""
    return {}


@pytest.fixture
def content_dir() -> Path:
    """The content folder the app loads; override to use another tree."""
    return FIXTURE_CONTENT


@pytest.fixture
def app(database_url: str, content_dir: Path, app_config: dict, tmp_path: Path):
    application = create_app(_config(database_url, content_dir, **app_config), instance_path=str(tmp_path / "instance"))
    # No app context is held open: requests must each get their own `g`, as in
    # production. The database session is thread-scoped and needs no context.
    yield application
    application.extensions["lms_db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """The app's database session, for arranging and checking data."""
    return database.session


# -- helpers ----------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """The CSRF token from the first form on a page."""
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


class Users:
    """Makes accounts and logs in through the real forms."""

    def __init__(self, app, client) -> None:
        self.app, self.client = app, client
        self._n = itertools.count(1)

    def create(self, role: str = "trainee", email: str | None = None, display_name: str | None = None,
               password: str = PASSWORD):
        from lms.accounts import services as accounts

        n = next(self._n)
        with self.app.app_context():  # hashed with the app's (test) password profile
            user = accounts.create_user(database.session, email=email or f"{role}{n}@example.org",
                                        display_name=display_name or f"{role.title()} {n}", password=password,
                                        role=role)
            database.session.commit()
        return user

    def login(self, user_or_email, password: str = PASSWORD, client=None):
        client = client or self.client
        email = getattr(user_or_email, "email", user_or_email)
        response = client.post("/login", data={"email": email, "password": password,
                                               "csrf_token": csrf_token(client, "/login")})
        return response

    def logout(self, client=None):
        client = client or self.client
        return client.post("/logout", data={"csrf_token": csrf_token(client, "/support")})


@pytest.fixture
def users(app, client) -> Users:
    return Users(app, client)


@pytest.fixture
def started(client, users):
    """A trainee, logged in on `client`, who has started the fixture's Listening basics course."""
    user = users.create()
    users.login(user)
    client.post("/courses/listening/start", data={"csrf_token": csrf_token(client, "/courses/listening")})
    return user


# -- a live server and a real browser ------------------------------------------------

class LiveServer:
    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # As a deployment would: absolute links (invitations, certificates) name where it is served.
        app.config["PUBLIC_BASE_URL"] = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture
def trainer(users):
    """A trainer, Tess, logged in on `client` (a test file may define its own, not logged in)."""
    trainer = users.create(role="trainer", display_name="Tess Trainer")
    users.login(trainer)
    return trainer


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    server = LiveServer(app)
    yield server
    server.stop()


CHROMIUM = os.environ.get("LMS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: apt-get install chromium (browser tests need it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def assert_accessible(page, what: str = "") -> None:
    """Run axe-core on the page; fail on any serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"axe violations on {what or page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in bad)


def browser_log_in(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the real form in a browser tab."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def browser_register(page, display_name: str, email: str, password: str = PASSWORD) -> None:
    """Fill in and send the registration form already open in a browser tab."""
    page.get_by_label("Display name").fill(display_name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password again").fill(password)
    page.get_by_role("button", name="Create account").click()
    # Registration never logs in (it must not tell whether the email already had
    # an account): it sends the person to log in, as they would.
    page.wait_for_url("**/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


# -- a real SMTP server on loopback (aiosmtpd) ------------------------------------------

class SmtpServer:
    """An SMTP server on a free loopback port that keeps every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        import email
        from email import policy

        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        message.raw = envelope.original_content  # type: ignore[attr-defined] - the bytes as sent
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for rcpt, m in self.messages if address in rcpt]

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()


def mail_config(smtp: SmtpServer) -> dict:
    """App settings that send email to `smtp` (plain SMTP on loopback)."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_SECURITY": "none",
            "MAIL_SENDER": "Training <training@example.org>", "CHARITY_NAME": "Harbourside Trust"}
