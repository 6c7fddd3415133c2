"""Work every new worker would otherwise do on its first request, done once before forking.

Under `gunicorn --preload` the workers are forked from the master's loaded app, so what the
master has already built they inherit for free: compiled templates (Jinja compiles a template
on first use, per process) and the interface catalogues (Flask-Babel reads the .mo files on
first use). Without this, each worker pays for them on its first requests, which after a HUP
is when every worker is new at once. `lms.core.gunicorn_conf` calls `warm_up` when preloading.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import force_locale, get_translations

from lms.core.i18n import site_languages

TEMPLATE_SUFFIXES = (".html", ".txt", ".svg")


def warm_up(app: Flask) -> int:
    """Compile every template and load each site language's catalogue; returns the templates compiled."""
    names = app.jinja_env.list_templates(filter_func=lambda name: name.endswith(TEMPLATE_SUFFIXES))
    for name in names:
        app.jinja_env.get_template(name)
    with app.test_request_context():
        for language in site_languages():
            with force_locale(language):
                get_translations()
    return len(names)
