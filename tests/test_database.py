"""The database: SQLite settings, and several gunicorn workers writing at once."""
import concurrent.futures
import http.cookiejar
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from sqlalchemy import func, select, text

from lms.accounts.models import User
from lms.core.db import db
from tests.conftest import CSRF_RE, DATA_KEY, FIXTURE_CONTENT, PASSWORD, ROOT, _free_port


def test_sqlite_is_tuned_for_concurrent_workers(app, db_backend, session):
    if db_backend != "sqlite":
        assert db.engine.pool._pre_ping
        return
    assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def _register(base: str, n: int) -> int:
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    form = opener.open(f"{base}/register", timeout=30).read().decode()
    token = CSRF_RE.search(form).group(1)
    data = urllib.parse.urlencode({"display_name": f"Worker test {n}", "email": f"w{n}@example.org",
                                   "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token}).encode()
    try:
        return opener.open(f"{base}/register", data=data, timeout=60).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_gunicorn_workers_write_concurrently(app, database_url, session, tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "3b8e1f0c6a2d47e95c0b1a8f7e6d2c4b",
           "LMS_ENVIRONMENT": "production", "LMS_PUBLIC_BASE_URL": "https://training.example.org",
           "LMS_DATA_KEYS": DATA_KEY,
           "LMS_CONTENT_DIR": str(FIXTURE_CONTENT), "LMS_SESSION_COOKIE_SECURE": "false",
           "LMS_INSTANCE_PATH": str(tmp_path / "instance")}
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "3", "--bind", f"127.0.0.1:{port}",
                                   "app:app"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(lambda n: _register(base, n), range(36)))
    finally:
        server.terminate()
        try:
            server.wait(60)  # graceful: workers finish their requests (slow on a loaded machine)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
    output = log.read_text()
    assert "database is locked" not in output, output[-2000:]
    assert statuses == [302] * 36, (statuses, output[-2000:])
    assert session.scalar(select(func.count()).select_from(User)) == 36


def test_each_app_keeps_its_own_database(app, tmp_path):
    """Creating a second app must not rebind the first app's session to the second's database."""
    from lms import create_app
    from tests.conftest import _config

    other_url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    other = create_app(_config(other_url, FIXTURE_CONTENT), instance_path=str(tmp_path / "other-instance"))
    try:
        with other.app_context():
            db.upgrade()
            assert str(db.engine.url) == other_url
        with app.app_context():
            assert str(db.engine.url) == app.config["DATABASE_URL"]
            assert db.session.get_bind() is app.extensions["lms_db"].engine
            users_here = db.session.scalar(select(func.count()).select_from(User))
        with other.app_context():
            assert db.session.scalar(select(func.count()).select_from(User)) == 0
        # A request to the first app still reads its own database.
        assert app.test_client().get("/login").status_code == 200
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(User)) == users_here
    finally:
        other.extensions["lms_db"].dispose()


def test_a_forked_child_never_uses_the_parents_connections(app):
    """gunicorn --preload forks workers from a process that has used the database: each child
    gets pools of its own, and the parent's connections stay open for the parent."""
    engine = app.extensions["lms_db"].engine
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    parent_pool = engine.pool
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave at once, running nothing of pytest's
        try:
            os.write(write, b"1" if engine.pool is not parent_pool else b"0")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    assert engine.pool is parent_pool
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1


def test_a_page_view_that_writes_waits_for_the_lock_instead_of_failing(app, db_backend, users):
    """SQLite: a GET's reads begin a DEFERRED transaction; writing after them fails at once if another
    worker committed meanwhile. `write_transaction` ends the reads and writes in an IMMEDIATE transaction."""
    import pytest
    from sqlalchemy import update
    from sqlalchemy.exc import OperationalError

    from lms.core.db import write_transaction

    user = users.create(display_name="Reader")

    def another_worker_writes(name: str) -> None:
        with db.engine.connect() as other:
            other.execute(update(User).where(User.id == user.id).values(display_name=name))
            other.commit()

    with app.test_request_context("/support", method="GET"):
        app.preprocess_request()  # a page view: its transactions begin DEFERRED
        session = db.session
        session.execute(select(User.display_name).where(User.id == user.id)).one()  # the page's reads
        another_worker_writes("Writer one")
        if db_backend == "sqlite":  # what used to happen: the upgrade is refused, busy timeout or not
            with pytest.raises(OperationalError):
                session.execute(update(User).where(User.id == user.id).values(language="cy"))
            session.rollback()
            session.execute(select(User.display_name).where(User.id == user.id)).one()
            another_worker_writes("Writer two")
        with write_transaction(session):
            session.execute(update(User).where(User.id == user.id).values(language="cy"))
    with app.app_context():
        assert db.session.execute(select(User.language, User.display_name).where(User.id == user.id)).one() \
            == ("cy", "Writer two" if db_backend == "sqlite" else "Writer one")
