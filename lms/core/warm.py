"""Work every new worker would otherwise do on its first request, done once before forking.

Under `gunicorn --preload` the workers are forked from the master's loaded app, so what the
master has already built they inherit for free: compiled templates (Jinja compiles a template
on first use, per process) and the interface catalogues (Flask-Babel reads the .mo files on
first use). Without this, each worker pays for them on its first requests, which after a HUP
is when every worker is new at once. `lms.core.gunicorn_conf` calls `warm_up` when preloading.

A HUP under --preload does not load the app again: the new workers are forked from the same
master. So what a HUP promises beyond new workers (the content read again) is registered by its
feature with `on_hup` and run in the master by `reload_preloaded` before the new workers fork.
"""
from __future__ import annotations

import gc
from collections.abc import Callable

from flask import Flask
from flask_babel import force_locale, get_translations

from lms.core.i18n import site_languages

TEMPLATE_SUFFIXES = (".html", ".txt", ".svg")
HUP_STEPS = "lms_hup_steps"


def on_hup(app: Flask, step: Callable[[], object]) -> None:
    """Run `step` in a preloading master when gunicorn is sent HUP, before new workers fork."""
    app.extensions.setdefault(HUP_STEPS, []).append(step)


def reload_preloaded(app: Flask) -> int:
    """What a HUP does for a preloaded app: each registered step, then the warm-up again."""
    for step in app.extensions.get(HUP_STEPS, []):
        step()
    return warm_up(app)


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


def set_aside_long_lived() -> None:
    """Collect the garbage, then move every object still alive out of the cyclic collector's reach (`gc.freeze`).

    A loaded app holds about 170,000 objects that live as long as the process: the content, the compiled
    templates, SQLAlchemy's and the layout's caches. Each full collection walks them all (about 100 ms on a
    benchmark machine), a stall for the request that sets it off and for every request queued behind it;
    under --preload it also writes to each object, so the memory the workers share with the master is copied.
    Frozen, they are never walked. Called again when the content is read again: what was frozen is thawed
    first, so the old catalogue's reference cycles are freed rather than kept for ever.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def long_lived_set_aside() -> bool:
    """Whether this process has set its long-lived objects aside (a gunicorn worker or master; not tests)."""
    return gc.get_freeze_count() > 0
