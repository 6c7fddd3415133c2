"""Warming the master before gunicorn forks (issue 18, item 9): what workers would build on first use."""
from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import get_babel

from lms.core.warm import warm_up
from tests.conftest import FIXTURE_CONTENT


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A copy of the fixture content, which a test may edit."""
    return Path(shutil.copytree(FIXTURE_CONTENT, tmp_path / "content"))


def test_warm_up_compiles_every_template_and_loads_each_language(app):
    names = [name for name in app.jinja_env.list_templates() if name.endswith(".html")]
    assert "base.html" in names and len(names) > 50
    assert warm_up(app) >= len(names)
    cached = {key[1] for key in app.jinja_env.cache}
    assert set(names) <= cached
    with app.app_context():
        loaded = {locale for locale, _domain in get_babel().instance.domain_instance.get_translations_cache(None)}
    assert {"en", "cy"} <= loaded


def gunicorn_master(app, preload: bool) -> SimpleNamespace:
    """What gunicorn's hooks read of their `server` argument: the settings, the log, the loaded app."""
    messages: list[tuple] = []
    return SimpleNamespace(cfg=SimpleNamespace(preload_app=preload),
                           log=SimpleNamespace(info=lambda *args: messages.append(args), messages=messages),
                           app=SimpleNamespace(wsgi=lambda: app))


def test_gunicorn_settings_warm_only_a_preloaded_flask_app(app):
    from lms.core import gunicorn_conf

    server = gunicorn_master(app, preload=False)
    gunicorn_conf.when_ready(server)
    assert server.log.messages == [] and len(app.jinja_env.cache) == 0
    server.cfg.preload_app = True
    gunicorn_conf.when_ready(server)
    assert server.log.messages and len(app.jinja_env.cache) > 50


def test_a_hup_reads_the_content_again_in_a_preloaded_master(app, content_dir):
    """Under --preload a HUP forks new workers from the master: the master must hold the edited content."""
    from lms.catalog.services import holder
    from lms.core import gunicorn_conf

    with app.app_context():
        before = holder().generation
    course = content_dir / "courses" / "listening" / "course.md"
    course.write_text(course.read_text().replace("title: ", "title: Edited ", 1))

    gunicorn_conf.on_reload(gunicorn_master(app, preload=True))
    with app.app_context():
        assert holder().generation == before + 1
        assert holder().catalog.course("listening").title.startswith("Edited ")
