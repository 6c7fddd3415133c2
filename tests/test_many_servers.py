"""Ready for several servers: reloads reach every server, health probes, JSON logs."""
from __future__ import annotations

import concurrent.futures
import http.cookiejar
import itertools
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from lms import create_app
from lms.catalog import services as catalog_module
from lms.core.logs import JsonFormatter
from tests.conftest import CSRF_RE, DATA_KEY, FIXTURE_CONTENT, PASSWORD, ROOT, _config, _free_port


@pytest.fixture
def content_dir(tmp_path):
    """A copy of the fixture content that tests may edit."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


def _holder(app) -> catalog_module.CatalogHolder:
    with app.app_context():
        return catalog_module.holder()


def _title(app) -> str:
    return _holder(app).catalog.course("advanced").step("only").title


def test_lms_reload_on_one_server_reloads_every_server(app, database_url, content_dir, runner, tmp_path):
    # A second server: its own process state and instance folder, the same database.
    other = create_app(_config(database_url, content_dir), instance_path=str(tmp_path / "other-instance"))
    try:
        (content_dir / "courses" / "advanced" / "1-only.md").write_text("---\ntitle: Reloaded\n---\nText.\n")
        for server in (app, other):
            _holder(server)._next_check = 0
            _holder(server).maybe_reload()
            assert _title(server) == "Only step"  # nothing asked for a reload yet
        result = runner.invoke(args=["reload"])
        assert result.exit_code == 0, result.output
        assert "Reload requested" in result.output
        for server in (other, app):
            _holder(server)._next_check = 0
            _holder(server).maybe_reload()
            assert _title(server) == "Reloaded"
        # A check with nothing new loads nothing.
        loads = _holder(other).generation
        _holder(other)._next_check = 0
        _holder(other).maybe_reload()
        assert _holder(other).generation == loads
    finally:
        other.extensions["lms_db"].dispose()


def test_healthz_and_readyz_when_ready(client):
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.get_json() == {"status": "alive"}
    assert "Set-Cookie" not in alive.headers
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "checks": {"database": "ok", "schema": "ok", "content": "ok"}}


def test_readyz_refuses_a_database_behind_the_code(tmp_path):
    app = create_app(_config(f"sqlite:///{tmp_path}/empty.sqlite3", FIXTURE_CONTENT),
                     instance_path=str(tmp_path / "instance"))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["schema"].startswith("out of date")
    app.extensions["lms_db"].dispose()


def test_readyz_refuses_an_unreachable_database(tmp_path):
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    app = create_app(_config("postgresql+psycopg://postgres@127.0.0.1:9/none", FIXTURE_CONTENT),
                     instance_path=str(tmp_path / "instance"))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # alive: restarting the process would not help
    ready = client.get("/readyz")
    assert ready.status_code == 503
    checks = ready.get_json()["checks"]
    assert checks["database"] != "ok" and checks["schema"].startswith("not checked")


@pytest.fixture
def app_config() -> dict:
    return {"LOG_FORMAT": "json"}


def test_json_logs_carry_a_request_id_and_no_personal_data(client, users, caplog):
    user = users.create(email="private.person@example.org", display_name="Private Person")
    users.login(user)
    caplog.set_level(logging.INFO)
    response = client.get("/courses/listening", headers={"X-Request-ID": "lb-1234.abc"})
    assert response.headers["X-Request-ID"] == "lb-1234.abc"
    lines = [json.loads(JsonFormatter().format(record)) for record in caplog.records]
    access = [line for line in lines if line["logger"] == "lms.access"]
    assert access and access[-1]["request_id"] == "lb-1234.abc"
    assert access[-1]["route"].startswith("/courses/<") and access[-1]["method"] == "GET"
    assert isinstance(access[-1]["status"], int) and access[-1]["duration_ms"] >= 0
    text = "\n".join(json.dumps(line) for line in lines)
    assert "private.person" not in text and "Private Person" not in text and "127.0.0.1" not in text
    # Something that is not a plain token is replaced, never copied into the logs.
    odd = client.get("/courses/listening", headers={"X-Request-ID": "<b>not a token</b>"})
    assert odd.headers["X-Request-ID"] != "<b>not a token</b>" and len(odd.headers["X-Request-ID"]) == 32


# -- two real servers on one PostgreSQL ----------------------------------------------

OLD_TITLE, NEW_TITLE = "Advanced listening", "Advanced listening, second edition"


class _Server:
    """A gunicorn server of its own (2 sync workers, its own instance folder), logging which worker answered."""

    def __init__(self, name: str, env: dict[str, str], tmp_path: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "LMS_INSTANCE_PATH": str(tmp_path / f"instance-{name}")}
        self.access_log = tmp_path / f"access-{name}.log"
        self.output = open(tmp_path / f"gunicorn-{name}.log", "w")  # noqa: SIM115 (closed in stop)
        # %(p)s is the worker's pid ("<1234>") and %(q)s the query string: the test tells its probes apart by the
        # query string, so the log says which worker answered which probe.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
             "--access-logfile", str(self.access_log), "--access-logformat", "%(p)s %(q)s %(s)s", "app:app"],
            cwd=ROOT, env=self.env, stdout=self.output, stderr=subprocess.STDOUT)

    def wait_until_up(self, deadline: float) -> None:
        while True:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=5).close()
                return
            except OSError:
                assert self.process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)

    def answered_by(self) -> dict[str, str]:
        """{probe: worker pid} from the access log."""
        found = {}
        for line in self.access_log.read_text().splitlines() if self.access_log.exists() else ():
            match = re.match(r"<(\d+)> probe=(\S+) 200", line)
            if match:
                found[match.group(2)] = match.group(1)
        return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.output.close()


def _probe_until(servers: list[_Server], opener, title: str, deadline: float) -> dict[str, set[str]]:
    """Ask every server for the catalogue, four at a time (so both workers answer), until every
    worker that has answered shows `title`, each at least once and never anything else after it.

    Returns each server's worker pids. Fails at `deadline`.
    """
    counter = itertools.count()
    results: dict[str, bool] = {}  # probe -> the page showed `title`
    while True:
        probes = [(server, f"{server.port}-{next(counter)}") for server in servers for _ in range(4)]

        def ask(item):
            server, probe = item
            return probe, title in opener.open(f"{server.base}/courses?probe={probe}", timeout=30).read().decode()

        with concurrent.futures.ThreadPoolExecutor(max_workers=len(probes)) as pool:
            results.update(pool.map(ask, probes))
        time.sleep(0.2)  # let gunicorn write its access log
        workers: dict[str, set[str]] = {}
        done = True
        for server in servers:
            answered = server.answered_by()
            by_worker: dict[str, list[bool]] = {}
            for probe, pid in sorted(answered.items(), key=lambda item: int(item[0].split("-")[1])):
                if probe in results:
                    by_worker.setdefault(pid, []).append(results[probe])
            workers[server.base] = set(by_worker)
            # Every worker answered, and once a worker showed the title it kept showing it.
            done &= len(by_worker) == 2 and all(
                shown[-1] and shown[shown.index(True):] == [True] * len(shown[shown.index(True):])
                for shown in by_worker.values())
        if done:
            return workers
        assert time.monotonic() < deadline, \
            f"not every worker shows {title!r} in time: {workers}; {sum(results.values())} of {len(results)} did"


def test_lms_reload_reaches_every_worker_of_two_gunicorn_servers(postgres, postgres_template, tmp_path):
    """Two gunicorn servers (2 sync workers each) on one PostgreSQL, as behind a load balancer:
    `lms reload` run against one makes all four workers serve the edited content.

    PostgreSQL only (SQLite is one server's file) and never skipped: it uses the suite's cluster
    whatever `--db` says.
    """
    url = postgres.create_database(f"lms_two_servers_{os.getpid()}", template=postgres_template)
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "3b8e1f0c6a2d47e95c0b1a8f7e6d2c4b",
           "LMS_ENVIRONMENT": "production", "LMS_PUBLIC_BASE_URL": "https://training.example.org",
           "LMS_DATA_KEYS": DATA_KEY, "LMS_CONTENT_DIR": str(content),
           "LMS_CONTENT_AUTO_RELOAD": "false", "LMS_SESSION_COOKIE_SECURE": "false"}
    for name in ("PROMETHEUS_MULTIPROC_DIR", "LMS_CONFIG_FILE"):
        env.pop(name, None)
    servers = [_Server("a", env, tmp_path), _Server("b", env, tmp_path)]
    try:
        deadline = time.monotonic() + 180
        for server in servers:
            server.wait_until_up(deadline)
        # One account, one cookie for both servers: they share the database and the secret key.
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = opener.open(f"{servers[0].base}/register", timeout=60).read().decode()
        data = urllib.parse.urlencode({"display_name": "Two servers", "email": "two.servers@example.org",
                                       "password": PASSWORD, "confirm": PASSWORD,
                                       "csrf_token": CSRF_RE.search(form).group(1)}).encode()
        assert not opener.open(f"{servers[0].base}/register", data=data, timeout=60).geturl().endswith("/register")
        # Logged in on the other server; the session is good on both.
        form = opener.open(f"{servers[1].base}/login", timeout=60).read().decode()
        data = urllib.parse.urlencode({"email": "two.servers@example.org", "password": PASSWORD,
                                       "csrf_token": CSRF_RE.search(form).group(1)}).encode()
        assert "/login" not in opener.open(f"{servers[1].base}/login", data=data, timeout=60).geturl()

        before = _probe_until(servers, opener, OLD_TITLE, time.monotonic() + 60)
        course = content / "courses" / "advanced" / "course.md"
        course.write_text(course.read_text().replace(f"title: {OLD_TITLE}", f"title: {NEW_TITLE}"))
        time.sleep(2)  # several reload checks go by: an edited file alone reloads nothing
        assert not any(NEW_TITLE in opener.open(f"{server.base}/courses", timeout=30).read().decode()
                       for server in servers for _ in range(4))

        reload = subprocess.run([str(Path(sys.executable).with_name("lms")), "reload"], cwd=ROOT,
                                env=servers[0].env, capture_output=True, text=True, timeout=120)
        assert reload.returncode == 0, reload.stdout + reload.stderr
        assert "Reload requested" in reload.stdout
        asked = time.monotonic()
        after = _probe_until(servers, opener, NEW_TITLE, asked + 30)
        assert after == before  # the same four workers, none restarted: each reloaded in place
    finally:
        for server in servers:
            server.stop()
        postgres.drop_database(f"lms_two_servers_{os.getpid()}")
