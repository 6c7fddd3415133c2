"""Warming the master before gunicorn forks (issue 18, item 9): what workers would build on first use."""
from __future__ import annotations

from flask_babel import get_babel

from lms.core.warm import warm_up


def test_warm_up_compiles_every_template_and_loads_each_language(app):
    names = [name for name in app.jinja_env.list_templates() if name.endswith(".html")]
    assert "base.html" in names and len(names) > 50
    assert warm_up(app) >= len(names)
    cached = {key[1] for key in app.jinja_env.cache}
    assert set(names) <= cached
    with app.app_context():
        loaded = {locale for locale, _domain in get_babel().instance.domain_instance.get_translations_cache(None)}
    assert {"en", "cy"} <= loaded


def test_gunicorn_settings_warm_only_a_preloaded_flask_app(app):
    from lms.core import gunicorn_conf

    class Server:
        class cfg:  # noqa: N801 - mirrors gunicorn's attribute
            preload_app = False

        class log:  # noqa: N801
            messages: list = []

            @classmethod
            def info(cls, *args):
                cls.messages.append(args)

        class app:  # noqa: N801
            @staticmethod
            def wsgi():
                return flask_app

    flask_app = app
    gunicorn_conf.when_ready(Server)
    assert Server.log.messages == [] and len(app.jinja_env.cache) == 0
    Server.cfg.preload_app = True
    gunicorn_conf.when_ready(Server)
    assert Server.log.messages and len(app.jinja_env.cache) > 50
