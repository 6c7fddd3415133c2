"""gunicorn settings: `gunicorn -c python:lms.core.gunicorn_conf app:app`.

With --preload, the master compiles the templates and loads the interface catalogues
before forking (lms.core.warm), so new workers, after a HUP too, answer at once; and a HUP
reads the content again in the master before the new workers fork (without --preload each
new worker loads the app, content included, by itself).

Every worker, once it has the app, sets the objects that live as long as it does (the content,
compiled templates, caches) aside from Python's cyclic garbage collector (lms.core.warm.set_aside_long_lived):
a full collection no longer walks them all in the middle of a request. Under --preload the master does
so before forking too, so the workers do not copy the memory they share with it.

With PROMETHEUS_MULTIPROC_DIR set (see lms.core.metrics), the folder is emptied
when the server starts (figures from an earlier run must not be added in) and a
dead worker's live gauges are dropped. Any other gunicorn option can be given on
the command line as usual.
"""
from __future__ import annotations

import os
from pathlib import Path


def on_starting(_server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(_server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def when_ready(server) -> None:
    if server.cfg.preload_app:
        from lms.core.warm import set_aside_long_lived, warm_up

        app = server.app.wsgi()
        if hasattr(app, "jinja_env"):  # the Flask app itself, not a wrapper around it
            server.log.info("Compiled %d templates before forking workers", warm_up(app))
            set_aside_long_lived()


def post_worker_init(_worker) -> None:
    from lms.core.warm import set_aside_long_lived

    set_aside_long_lived()


def on_reload(server) -> None:
    if server.cfg.preload_app:
        from lms.core.warm import reload_preloaded, set_aside_long_lived

        app = server.app.wsgi()
        if hasattr(app, "jinja_env"):
            reload_preloaded(app)
            set_aside_long_lived()
            server.log.info("Content read again before forking the new workers")
