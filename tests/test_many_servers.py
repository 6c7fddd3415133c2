"""Ready for several servers: reloads reach every server, health probes, JSON logs."""
from __future__ import annotations

import json
import logging
import shutil

import pytest

from lms import create_app
from lms.catalog import services as catalog_module
from lms.core.logs import JsonFormatter
from tests.conftest import FIXTURE_CONTENT, _config


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
