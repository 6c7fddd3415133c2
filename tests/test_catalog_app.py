"""The catalogue inside the app: start-up, safe reload, assets, the problems page."""
import logging
import shutil
import time
from pathlib import Path

import pytest

from lms.catalog import services as catalog_module
from tests.conftest import FIXTURE_CONTENT, ROOT


@pytest.fixture
def content_dir(tmp_path):
    """A copy of the fixture content that tests may edit."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    (target / "courses" / "listening" / "assets").mkdir()
    (target / "courses" / "listening" / "assets" / "diagram.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    (target / "courses" / "listening" / "assets" / "notes.html").write_text("<script>alert(1)</script>")
    return target


def _holder(app):
    with app.app_context():
        return catalog_module.holder()


def _break(course_dir: Path) -> None:
    (course_dir / "course.md").write_text("---\ntitel: oops\n---\nBroken.\n")


def test_catalogue_loads_at_start_up(app):
    holder = _holder(app)
    assert set(holder.catalog.courses) == {"listening", "advanced"}
    assert set(holder.catalog.scenarios) == {"late-post"}


def test_a_broken_course_is_left_out_and_logged(app_config, content_dir, caplog, tmp_path):
    from lms import create_app
    from tests.conftest import _config

    _break(content_dir / "courses" / "advanced")
    with caplog.at_level(logging.WARNING, logger="lms.catalog.services"):  # a new site: nothing kept from before
        app = create_app(_config("sqlite:///:memory:", content_dir), instance_path=str(tmp_path / "new-site"))
    current = _holder(app).catalog
    assert "advanced" not in current.courses and "listening" in current.courses
    assert any("courses/advanced/course.md" in r.getMessage() and "titel" in r.getMessage() for r in caplog.records)


def test_broken_edit_keeps_the_working_version(app, content_dir):
    holder = _holder(app)
    before = holder.catalog.course("advanced")
    _break(content_dir / "courses" / "advanced")
    holder.reload()
    assert holder.catalog.course("advanced") is before
    assert holder.kept == ["course advanced"]
    assert any(p.path == "courses/advanced/course.md" for p in holder.catalog.errors)
    # Fixing it swaps the new version in.
    (content_dir / "courses" / "advanced" / "course.md").write_text(
        "---\ntitle: Advanced, revised\nsummary: New.\nrequires: [listening]\n---\nBody.\n")
    holder.reload()
    assert holder.catalog.course("advanced").title == "Advanced, revised"
    assert holder.kept == []


def test_a_deleted_course_goes_away(app, content_dir):
    holder = _holder(app)
    shutil.rmtree(content_dir / "courses" / "advanced")
    holder.reload()
    assert holder.catalog.course("advanced") is None


def test_development_picks_up_edits_without_restart(app, content_dir):
    holder = _holder(app)
    holder.auto_reload = True
    holder.reload()
    step = content_dir / "courses" / "advanced" / "1-only.md"
    step.write_text("---\ntitle: Only step, edited\n---\nRead this again.\n")
    holder._next_check = 0
    holder.maybe_reload()
    assert holder.catalog.course("advanced").step("only").title == "Only step, edited"


def test_development_also_picks_up_snippets_organisation_files_and_new_folders(app, content_dir):
    """What the content is read from besides courses/ and scenarios/: a snippet or org.yaml edited, or a new empty
    course folder (a problem to report), is picked up without a restart too."""
    holder = _holder(app)
    holder.auto_reload = True
    holder.reload()

    def picked_up() -> bool:
        generation = holder.generation
        holder._next_check = 0
        holder.maybe_reload()
        return holder.generation == generation + 1

    (content_dir / "_snippets").mkdir()
    assert picked_up()
    (content_dir / "_snippets" / "greeting.md").write_text("Hello.\n")
    assert picked_up()
    (content_dir / "org.yaml").write_text("name: Harbour Helpline\n")
    assert picked_up()
    (content_dir / "courses" / "empty").mkdir()
    assert picked_up()
    assert any("courses/empty" in p.path for p in holder.catalog.problems)
    assert not picked_up()  # nothing changed: no reload


def test_lms_reload_makes_workers_reload(app, content_dir, runner):
    holder = _holder(app)
    assert holder.auto_reload is False
    (content_dir / "courses" / "advanced" / "1-only.md").write_text("---\ntitle: Reloaded\n---\nText.\n")
    holder._next_check = 0
    holder.maybe_reload()
    assert holder.catalog.course("advanced").step("only").title == "Only step"  # no reload yet
    time.sleep(0.01)
    result = runner.invoke(args=["reload"])
    assert result.exit_code == 0, result.output
    assert "Reload requested" in result.output
    holder._next_check = 0
    holder.maybe_reload()
    assert holder.catalog.course("advanced").step("only").title == "Reloaded"


def test_problems_page_is_for_trainers_only(app, client, users, content_dir):
    _break(content_dir / "courses" / "advanced")
    _holder(app).reload()
    users.login(users.create(role="trainee"))
    assert client.get("/trainer/content").status_code == 403
    users.logout()
    users.login(users.create(role="trainer"))
    page = client.get("/trainer/content").get_data(as_text=True)
    assert "courses/advanced/course.md:2" in page
    assert "did you mean &#39;title&#39;?" in page or "did you mean 'title'?" in page
    assert "course advanced" in page  # kept from before


def test_assets_are_served_with_their_type(client, users):
    users.login(users.create())
    response = client.get("/courses/listening/assets/diagram.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", [
    "/courses/listening/assets/notes.html",  # not an asset type
    "/courses/listening/assets/../course.md",
    "/courses/listening/assets/%2e%2e/course.md",
    "/courses/listening/assets/missing.png",
    "/courses/nope/assets/diagram.svg",
    "/scenarios/late-post/assets/x.png",
])
def test_assets_never_leave_the_assets_folder(client, users, path):
    users.login(users.create())
    assert client.get(path).status_code == 404


def test_symlinked_asset_is_refused(client, users, content_dir):
    target = content_dir / "courses" / "listening" / "assets" / "secret.png"
    target.symlink_to(ROOT / "pyproject.toml")
    users.login(users.create())
    assert client.get("/courses/listening/assets/secret.png").status_code == 404


def test_lms_check_command(tmp_path, content_dir):
    from click.testing import CliRunner

    from lms.cli import main

    runner = CliRunner()
    ok = runner.invoke(main, ["check", str(content_dir)])
    assert ok.exit_code == 0, ok.output
    assert "0 errors" in ok.output
    _break(content_dir / "courses" / "advanced")
    bad = runner.invoke(main, ["check", str(content_dir)])
    assert bad.exit_code == 1
    assert "courses/advanced/course.md:2: error: unknown key 'titel'; did you mean 'title'?" in bad.output


def test_the_worker_reloads_when_lms_reload_ran_anywhere(app, content_dir, session):
    """A running worker kept the catalogue it started with: it reminded trainees of a course already removed."""
    from lms.jobs import schedule

    holder = _holder(app)
    assert holder.catalog.course("advanced") is not None
    shutil.rmtree(content_dir / "courses" / "advanced")
    with app.app_context():
        catalog_module.request_reload(session)  # what `lms reload` does, on any server
        session.commit()
        holder._next_check = 0
        schedule.run_once(session)  # a round of the worker: the catalogue first, then the sweep and the jobs
    assert holder.catalog.course("advanced") is None


def test_a_clean_catalogue_with_a_review_due_says_so_under_no_problems(app, client, users, content_dir):
    """'No problems found' alone, with an overdue review further down, read as if nothing needed doing."""
    course_md = content_dir / "courses" / "advanced" / "course.md"
    course_md.write_text(course_md.read_text().replace("---\n", "---\nreviewed: 2020-01\nreview_every_months: 12\n", 1))
    _holder(app).reload()
    users.login(users.create(role="trainer"))
    page = client.get("/trainer/content").get_data(as_text=True)
    assert "No problems found." in page
    assert '<a href="#review">1 course, step or scenario is past its review date: see below.</a>' in page
