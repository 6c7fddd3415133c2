"""Warming the master before gunicorn forks (issue 18, item 9): what workers would build on first use."""
from __future__ import annotations

import gc
import shutil
import weakref
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import get_babel

from lms.core.warm import long_lived_set_aside, set_aside_long_lived, warm_up
from tests.conftest import FIXTURE_CONTENT


@pytest.fixture(autouse=True)
def thawed():
    """What a test here sets aside from the garbage collector is given back after it (the rest of the suite is
    not a gunicorn worker)."""
    yield
    gc.unfreeze()


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


def _set_aside(obj: object) -> bool:
    """Whether `obj` is out of the cyclic collector's reach (frozen objects are not among `gc.get_objects()`)."""
    return gc.is_tracked(obj) and not any(o is obj for o in gc.get_objects())


def test_what_is_set_aside_is_not_walked_and_is_freed_once_thawed():
    class Node:
        pass

    node = Node()
    node.itself = node  # a reference cycle: only the cyclic collector can free it
    alive = weakref.ref(node)
    set_aside_long_lived()
    assert long_lived_set_aside() and _set_aside(node)
    del node
    gc.collect()
    assert alive() is not None  # frozen: a collection does not walk it
    set_aside_long_lived()  # as after a content reload: thawed, collected, the rest frozen again
    assert alive() is None


def test_each_worker_sets_aside_what_it_loaded_and_a_preloaded_master_before_forking(app):
    from lms.catalog.services import holder
    from lms.core import gunicorn_conf

    with app.app_context():
        catalogue = holder().catalog
    gunicorn_conf.when_ready(gunicorn_master(app, preload=False))
    assert not long_lived_set_aside()
    gunicorn_conf.post_worker_init(SimpleNamespace())
    assert _set_aside(catalogue)
    gc.unfreeze()
    gunicorn_conf.when_ready(gunicorn_master(app, preload=True))
    assert _set_aside(catalogue)


def test_a_content_reload_in_a_worker_sets_the_new_catalogue_aside(app, content_dir):
    from lms.catalog.services import holder

    course = content_dir / "courses" / "listening" / "course.md"
    course.write_text(course.read_text().replace("title: ", "title: Edited ", 1))
    with app.app_context():
        holder().reload()
        assert not _set_aside(holder().catalog)  # not a worker (nothing set aside): left alone
        set_aside_long_lived()
        course.write_text(course.read_text().replace("title: Edited ", "title: Again ", 1))
        holder().reload()
        assert holder().catalog.course("listening").title.startswith("Again ")
        assert _set_aside(holder().catalog)
