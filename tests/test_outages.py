"""Database outages: a request that cannot reach the database gets an honest 503, never a 500."""
from __future__ import annotations

import shutil
import sqlite3
import threading
import time

import pytest

from lms import create_app
from lms.core.config import ConfigError
from lms.core.errors import UNAVAILABLE_SAVED, UNAVAILABLE_TITLE
from tests.conftest import FIXTURE_CONTENT, PostgresCluster, Users, _config, _migrated, csrf_token

SAVED_PROMISE = "Your work so far is saved"


def _assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert str(UNAVAILABLE_TITLE) in page and str(UNAVAILABLE_SAVED) in page
    assert SAVED_PROMISE not in page


@pytest.fixture
def own_postgres():
    """A cluster of this test's own, so stopping it disturbs no other test."""
    cluster = PostgresCluster()
    try:
        yield cluster
    finally:
        cluster.stop()


def test_postgres_restart_under_requests_gives_503_then_recovers(own_postgres, tmp_path):
    url = own_postgres.create_database("lms_outage")
    _migrated(url)
    app = create_app(_config(url, FIXTURE_CONTENT), instance_path=str(tmp_path / "instance"))
    client = app.test_client()
    users = Users(app, client)
    users.login(users.create())
    assert client.get("/home").status_code == 200
    token = csrf_token(client, "/support")

    statuses: list[int] = []
    stop = threading.Event()

    reader = app.test_client()
    users.login(users.create(), client=reader)

    def keep_asking() -> None:
        while not stop.is_set():
            statuses.append(reader.get("/home").status_code)
            time.sleep(0.01)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        time.sleep(0.3)
        own_postgres.stop_server()
        try:
            _assert_unavailable(client.get("/home"))  # a page view by a logged-in trainee
            _assert_unavailable(client.post("/logout", data={"csrf_token": token}))  # a form
            json = client.get("/home", headers={"Accept": "application/json"})
            assert json.status_code == 503 and json.get_json()["error"] == UNAVAILABLE_TITLE
            time.sleep(0.5)
        finally:
            own_postgres.start_server()
        deadline = time.monotonic() + 15  # the server takes a moment to accept connections
        while time.monotonic() < deadline and statuses[-1] != 200:
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        stop.set()
        asker.join(10)
    app.extensions["lms_db"].dispose()

    assert set(statuses) <= {200, 503}, f"unexpected statuses: {sorted(set(statuses))}"
    assert 503 in statuses
    assert statuses[-1] == 200
    # The app recovered by itself: the trainee is still logged in and pages work.
    assert client.get("/home").status_code == 200


@pytest.fixture
def sqlite_app(sqlite_template, tmp_path):
    """An app on SQLite whatever --db says: these tests are about SQLite's lock or need no second backend."""
    path = tmp_path / "lms.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = create_app(_config(f"sqlite:///{path}", FIXTURE_CONTENT, SQLITE_BUSY_TIMEOUT_SECONDS=0.2),
                     instance_path=str(tmp_path / "instance"))
    yield app
    app.extensions["lms_db"].dispose()


def test_sqlite_lock_wait_that_runs_out_gives_503(sqlite_app):
    client = sqlite_app.test_client()
    users = Users(sqlite_app, client)
    users.login(users.create())
    token = csrf_token(client, "/support")
    holder = sqlite3.connect(sqlite_app.config["DATABASE_URL"].removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another worker holding the write lock for longer than the busy timeout
    try:
        started = time.monotonic()
        _assert_unavailable(client.post("/logout", data={"csrf_token": token}))
        assert time.monotonic() - started < 5  # the configured 0.2 s wait, not the old 30 s
        assert client.get("/home").status_code == 200  # reading goes on meanwhile (WAL)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_unexpected_error_page_does_not_promise_work_was_saved(sqlite_app):
    app = sqlite_app
    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    client = app.test_client()
    users = Users(app, client)
    users.login(users.create())
    response = client.get("/broken-for-test")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert SAVED_PROMISE not in page
    assert "check whether it was saved" in page


def test_busy_timeout_must_stay_below_the_worker_timeout(tmp_path):
    base = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "CONTENT_DIR": str(FIXTURE_CONTENT),
            "ENVIRONMENT": "development"}
    instance = str(tmp_path / "instance")
    with pytest.raises(ConfigError, match="LMS_SQLITE_BUSY_TIMEOUT_SECONDS"):
        create_app({**base, "SQLITE_BUSY_TIMEOUT_SECONDS": 30, "WORKER_TIMEOUT_SECONDS": 30}, instance_path=instance)
    app = create_app({**base, "SQLITE_BUSY_TIMEOUT_SECONDS": 20, "WORKER_TIMEOUT_SECONDS": 60}, instance_path=instance)
    with app.extensions["lms_db"].engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 20000
    app.extensions["lms_db"].dispose()
