"""Kept pages: served again only while nothing they show has changed."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import event, select, update

from lms.accounts import users as user_admin
from lms.accounts.models import LoginAttempt, User
from lms.certificates.models import Certificate
from lms.core import settings
from lms.core.config import ConfigError
from lms.core.db import db
from lms.core.models import SiteSetting, utcnow
from lms.learning.models import Enrolment, ReflectionEntry, StepProgress
from lms.page_cache import versions as page_versions
from lms.roleplay.models import RunChoice, ScenarioRun
from tests.conftest import FIXTURE_CONTENT, csrf_token
from tests.factories import issue

STEP = QUESTION_STEP = "/courses/listening/steps/welcome"


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


@pytest.fixture
def trainee(users, client):
    user = users.create(display_name="Wren")
    users.login(user)
    token = csrf_token(client, "/courses/listening")
    assert client.post("/courses/listening/start", data={"csrf_token": token}).status_code == 302
    return user


def _cache(app):
    return app.extensions["lms_page_cache"]


class Statements:
    """Counts the statements SQLAlchemy sends (the kept-page check goes straight to the driver)."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, *args) -> None:
        if not conn.get_execution_options().get("lms_background"):  # the once-a-second content check
            self.count += 1


def _versions(user) -> tuple[int, int]:
    return page_versions.current(db.engine, user.id, db.session.get(User, user.id).session_token)


def test_a_repeat_view_is_the_same_page_without_the_page_queries(app, client, trainee, monkeypatch):
    monkeypatch.setattr(settings, "CACHE_SECONDS", 3600.0)  # no settings refresh in the counted request
    with app.app_context():
        settings.clear_cache()
    first = client.get(STEP)
    assert first.status_code == 200 and "Listening is the heart of peer support." in first.get_data(as_text=True)
    second = client.get(STEP)  # the first view recorded the visit, so this one makes and keeps the page
    hits = _cache(app).hits
    with Statements() as statements:
        third = client.get(STEP)
    assert _cache(app).hits == hits + 1 and statements.count == 0
    assert third.get_data() == second.get_data()
    assert third.headers["Cache-Control"] == "no-store" and "Content-Security-Policy" in third.headers


def test_an_answer_shows_on_the_next_view(app, client, trainee):
    client.get(QUESTION_STEP), client.get(QUESTION_STEP)
    assert "Too quick to reassure." not in client.get(QUESTION_STEP).get_data(as_text=True)
    token = csrf_token(client, QUESTION_STEP)
    assert client.post(f"{QUESTION_STEP}/questions/q-reflect",
                       data={"choice": "0", "csrf_token": token}).status_code == 303
    assert "Too quick to reassure." in client.get(QUESTION_STEP).get_data(as_text=True)


def test_a_flashed_message_is_shown_once_and_never_kept(app, client, trainee):
    client.get(STEP), client.get(STEP)
    with client.session_transaction() as cookie_session:
        cookie_session["_flashes"] = [("info", "A one-off note")]
    assert "A one-off note" in client.get(STEP).get_data(as_text=True)
    assert "A one-off note" not in client.get(STEP).get_data(as_text=True)


def test_an_ended_login_is_never_served_a_kept_page(app, client, session, users, trainee):
    client.get(STEP), client.get(STEP)
    assert client.get(STEP).status_code == 200
    cookie = client.get_cookie("session").value
    users.logout()
    client.set_cookie("session", cookie)  # the old cookie, replayed after logging out
    assert client.get(STEP).status_code == 302

    users.login(trainee)
    client.get(STEP), client.get(STEP)
    user_admin.set_active(session, None, session.get(User, trainee.id), False)
    session.commit()
    response = client.get(STEP)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_each_session_gets_pages_with_its_own_form_token(app, users, trainee):
    phone, laptop = app.test_client(), app.test_client()
    for device in (phone, laptop):
        users.login(trainee, client=device)
        device.get(QUESTION_STEP), device.get(QUESTION_STEP)
    tokens = [csrf_token(device, QUESTION_STEP) for device in (phone, laptop)]
    assert tokens[0] != tokens[1]
    for device, token in zip((phone, laptop), tokens, strict=False):
        answered = device.post(f"{QUESTION_STEP}/questions/q-reflect", data={"choice": "1", "csrf_token": token})
        assert answered.status_code == 303


def test_a_content_reload_and_a_settings_change_show_at_once(app, client, session, trainee, content_dir):
    client.get(STEP), client.get(STEP)
    step_file = content_dir / "courses" / "listening" / "1-welcome.md"
    step_file.write_text(step_file.read_text().replace("is the heart of", "is at the heart of"))
    app.extensions["lms_catalog"].reload()
    assert "Listening is at the heart of peer support." in client.get(STEP).get_data(as_text=True)

    client.get(STEP)
    with app.app_context():
        settings.put("SITE_NAME", "Harbour Training", by_user_id=None)
    session.commit()
    assert "Harbour Training" in client.get(STEP).get_data(as_text=True)


@pytest.fixture
def holder(users):
    user = users.create(display_name="Kestrel")
    users.login(user)
    return user


def test_a_kept_certificate_stops_downloading_once_revoked(app, client, session, users, holder):
    certificate = issue(app, session, holder)
    url = f"/certificates/{certificate.id}/pdf"
    assert client.get(url).data.startswith(b"%PDF")
    hits = _cache(app).hits
    assert client.get(url).data.startswith(b"%PDF") and _cache(app).hits == hits + 1
    from lms.certificates import services as service

    admin = users.create("admin")
    service.revoke(session, session.get(Certificate, certificate.id), session.get(User, admin.id), "Issued in error")
    session.commit()
    assert client.get(url).status_code == 404


def test_a_trainer_download_is_never_kept(app, session, users, holder):
    certificate = issue(app, session, holder)
    admin = users.create("admin")
    staff = app.test_client()
    users.login(admin, client=staff)
    for _ in range(3):
        assert staff.get(f"/certificates/{certificate.id}/pdf").status_code == 200
    assert len(_cache(app)) == 0


# -- which writes move which versions ---------------------------------------------------

def test_writes_move_their_owner_version_and_no_one_elses(app, session, users, trainee):
    other = users.create(display_name="Heron")
    enrolment = session.scalars(select(Enrolment).where(Enrolment.user_id == trainee.id)).one()
    run = ScenarioRun(user_id=trainee.id, scenario_id="late-post", current_node="start")
    session.add(run)
    session.commit()

    def moved(change) -> tuple[bool, bool, bool]:
        mine, theirs = _versions(trainee), _versions(other)
        change()
        session.commit()
        return _versions(trainee)[0] > mine[0], _versions(other)[0] > theirs[0], _versions(trainee)[1] > mine[1]

    # Rows reached through an enrolment or a run move their owner's version only.
    assert moved(lambda: session.add(StepProgress(enrolment_id=enrolment.id, step_id="x"))) == (True, False, False)
    assert moved(lambda: session.add(RunChoice(run_id=run.id, position=0, node_id="start", choice_index=0,
                                               target="end"))) == (True, False, False)
    assert moved(lambda: session.add(ReflectionEntry(
        user_id=trainee.id, course_id="listening", reflection_id="r", step_id="x", prompt_text="?", text="mine",
    ))) == (True, False, False)
    assert moved(lambda: setattr(session.get(User, other.id), "display_name", "Heron 2")) == (False, True, False)
    # A setting shows anywhere; a bulk UPDATE cannot be traced to one person.
    assert moved(lambda: session.add(SiteSetting(key="SITE_NAME", value="X"))) == (False, False, True)
    assert moved(lambda: session.execute(update(Enrolment).values(last_step_id="x"))) == (False, False, True)
    # Nothing on a kept page shows a login attempt.
    assert moved(lambda: session.add(LoginAttempt(key="email:x@example.org", created_at=utcnow()))) \
        == (False, False, False)


def test_a_rolled_back_write_moves_nothing(app, session, trainee):
    before = _versions(trainee)
    session.get(User, trainee.id).display_name = "Changed"
    session.flush()
    session.rollback()
    assert _versions(trainee) == before


def test_the_cache_can_be_turned_off(app_config, database_url, content_dir, tmp_path):
    from lms import create_app
    from tests.conftest import _config

    app = create_app(_config(database_url, content_dir, PAGE_CACHE_MB=0), instance_path=str(tmp_path / "off"))
    assert "lms_page_cache" not in app.extensions
    with pytest.raises(ConfigError, match="PAGE_CACHE_MB"):
        create_app(_config(database_url, content_dir, PAGE_CACHE_MB=-1), instance_path=str(tmp_path / "bad"))
