"""Prometheus metrics at /metrics (issue 18, item 5): what is counted, who may read it, several workers."""
from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from lms.core import metrics
from tests.conftest import DATA_KEY, FIXTURE_CONTENT, ROOT

OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


def _value(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the exposition text (0 if absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        found_name, _, found_labels = sample.partition("{")
        found = ",".join(sorted(found_labels.rstrip("}").split(","))) if found_labels else ""
        if found_name == name and found == wanted:
            return float(value)
    return 0.0


def test_requests_and_statuses_are_counted_by_endpoint(client):
    before = client.get("/metrics").get_data(as_text=True)
    client.get("/login")
    client.get("/login")
    client.get("/no/such/page")
    after = client.get("/metrics")
    assert after.status_code == 200 and after.headers["Content-Type"].startswith("text/plain")
    assert after.headers["Cache-Control"] == "no-store"
    text = after.get_data(as_text=True)
    count = "lms_request_duration_seconds_count"
    assert _value(text, count, endpoint="auth.login", method="GET") \
        == _value(before, count, endpoint="auth.login", method="GET") + 2
    assert _value(text, count, endpoint="unmatched", method="GET") \
        == _value(before, count, endpoint="unmatched", method="GET") + 1  # a path never becomes a label
    assert _value(text, "lms_responses_total", status="404") >= 1
    assert "/no/such/page" not in text
    assert _value(text, "lms_content_load_seconds_count") >= 1  # the app loaded its content at start-up


def test_queue_depth_is_read_from_the_database(app, client, session):
    from lms.jobs import queue

    queue.enqueue(session, "email", {"to": "nobody"})
    queue.enqueue(session, "email", {"to": "nobody else"})
    session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert _value(text, "lms_job_queue_depth", status="queued") == 2


def test_login_throttle_refusals_are_counted(app, client, users, app_config):
    before = _value(client.get("/metrics").get_data(as_text=True), "lms_rate_limit_refusals_total", limit="login")
    user = users.create()
    for _ in range(7):  # the default limit is 5 failures at one account from one address
        users.login(user, password="wrong password, again")
    after = _value(client.get("/metrics").get_data(as_text=True), "lms_rate_limit_refusals_total", limit="login")
    assert after >= before + 1


def test_only_loopback_or_the_token_may_read_metrics(app, client):
    assert client.get("/metrics").status_code == 200  # loopback, no proxy
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404
    # Through a proxy on the same host: not trusted as local.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 404
    app.config["METRICS_TOKEN"] = token = secrets.token_hex(16)
    assert client.get("/metrics", environ_base=OUTSIDE,
                      headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/metrics", environ_base=OUTSIDE,
                      headers={"Authorization": "Bearer not-the-token"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer not-the-token"}).status_code == 404


def test_timed_observes_also_when_the_block_raises():
    before = metrics.CERTIFICATE_RENDER._sum.get()
    with pytest.raises(RuntimeError), metrics.timed(metrics.CERTIFICATE_RENDER):
        time.sleep(0.01)
        raise RuntimeError("render failed")
    assert metrics.CERTIFICATE_RENDER._sum.get() >= before + 0.01


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_workers_add_up_in_multiprocess_mode(database_url, tmp_path):
    """Two sync workers, each answering some requests: /metrics reports their sum, whichever worker answers."""
    folder = tmp_path / "prometheus"
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "3b8e1f0c6a2d47e95c0b1a8f7e6d2c4b",
           "LMS_CONTENT_DIR": str(FIXTURE_CONTENT), "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
           "LMS_SESSION_COOKIE_SECURE": "false", "PROMETHEUS_MULTIPROC_DIR": str(folder),
           "LMS_DATA_KEYS": DATA_KEY, "LMS_PUBLIC_BASE_URL": "https://training.example.org"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "-c", "python:lms.core.gunicorn_conf", "--workers", "2", "--bind",
                               f"127.0.0.1:{port}", "--chdir", str(ROOT), "app:app"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=5).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        for _ in range(20):  # one connection per request: the two workers share them
            urllib.request.urlopen(base + "/login", timeout=10).close()
        seen = set()
        for _ in range(6):
            text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
            seen.add(_value(text, "lms_request_duration_seconds_count", endpoint="auth.login", method="GET"))
        assert seen == {20.0}  # every scrape, from either worker, adds up both workers' figures
        assert len(list(folder.glob("*.db"))) >= 2  # both workers wrote their own files
        assert re.search(r'lms_responses_total\{status="200"\} (\d+)', text)
    finally:
        server.terminate()
        server.wait(30)
