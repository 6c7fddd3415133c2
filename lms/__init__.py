"""A learning system for charities that train online moderators and peer supporters."""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

# Flask is imported inside create_app, not here: `lms check` and the rest of
# lms.content run without the web stack, and importing any lms module runs this file.


def create_app(config: Mapping[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, CLI."""
    from lms.core.config import default_instance_path
    from lms.core.security import BoundedIntConverter, LmsFlask

    app = LmsFlask(
        __name__,
        instance_path=instance_path or os.environ.get("LMS_INSTANCE_PATH") or default_instance_path(),
        instance_relative_config=True,
        template_folder="templates",
        static_folder="static",
    )
    # Ids in URLs fit the database's 32-bit integer ids: a larger one is a 404, not an overflow.
    app.url_map.converters["int"] = BoundedIntConverter
    from lms.accounts import login as auth
    from lms.catalog import services as catalog
    from lms.core import access, errors, health, i18n, logs, metrics, passwords, security, templating, web
    from lms.core import config as config_module
    from lms.core import db as database
    from lms.core.extensions import csrf, login_manager

    config_module.load(app, config)
    logs.init_app(app)  # first: its request id is on every line the other hooks log
    metrics.init_app(app)  # next: its clock covers the other hooks' work
    for chatty in ("weasyprint", "fontTools"):  # progress lines at INFO for every render
        logging.getLogger(chatty).setLevel(logging.WARNING)

    passwords.init_app(app)
    bound = database.init_app(app)
    _check_data_keys(app, bound)
    _guard_schema(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    web.init_app(app)  # kept_words, for pages answering a refused form (page_again)
    i18n.init_app(app)
    catalog.init_app(app)  # after i18n: the content's support contacts are written in each language
    access.init_app(app)
    auth.init_app(app)
    _register_blueprints(app)

    from lms.admin.commands import register_commands

    register_commands(app)
    health.init_app(app)
    _add_scrape_gauges(app)
    return app


def _add_scrape_gauges(app: Flask) -> None:
    """Figures read from the shared database when /metrics is scraped (the same on every server)."""
    from lms.core import metrics
    from lms.core.db import db, deferred_reads
    from lms.jobs.queue import depth

    def queue_depth() -> dict[str, float]:
        with deferred_reads(), db.engine.connect() as connection:
            return {status: float(count) for status, count in depth(connection).items()}

    metrics.add_scrape_gauge(app, "lms_job_queue_depth", "Jobs in the queue, by status", "status", queue_depth)


def _register_blueprints(app: Flask) -> None:
    """Each feature registers its pages (and its navigation link, filters, extensions) itself."""
    from lms.accounts import views as accounts
    from lms.admin import views as admin
    from lms.catalog import views as catalog
    from lms.certificates import views as certificates
    from lms.coaching import views as coaching
    from lms.cohorts import views as cohorts
    from lms.home import views as home
    from lms.learning import views as learning
    from lms.mail import views as mail
    from lms.privacy import views as privacy
    from lms.roleplay import views as roleplay

    for feature in (home, accounts, catalog, learning, roleplay, certificates, cohorts, coaching, admin, privacy, mail):
        feature.init_app(app)


def _check_data_keys(app: Flask, bound) -> None:
    """Refuse to start when LMS_DATA_KEYS cannot read the private words already stored; say when a key is derived."""
    from sqlalchemy.exc import SQLAlchemyError

    from lms.core import crypto
    from lms.core.config import ConfigError

    if app.config.get("DATA_KEYS_DERIVED"):
        level = logging.INFO if app.config.get("TESTING") else logging.WARNING
        app.logger.log(level, "LMS_DATA_KEYS is not set: reflections and check-in notes are encrypted with a key "
                              "derived from the secret key. Fine for development; production needs LMS_DATA_KEYS.")
    url = str(app.config["DATABASE_URL"])
    if url.startswith("sqlite:///") and not os.path.exists(url[len("sqlite:///"):]):
        return  # a database not created yet holds nothing to read (and checking would create it)
    try:
        crypto.check_keys(bound.engine)
    except crypto.DataKeyError as exc:
        raise ConfigError(f"The LMS cannot start:\n  - {exc}") from exc
    except SQLAlchemyError as exc:  # the database is away: pages answer 503 until it is back
        app.logger.warning("Could not check LMS_DATA_KEYS against the database: %s", exc.__class__.__name__)


def _guard_schema(app: Flask) -> None:
    """Refuse to serve pages while the database is behind the code's migrations."""
    from lms.core.db import SchemaOutOfDate, db
    from lms.core.errors import render_error

    state = {"current": False}

    @app.before_request
    def _check_schema():
        if state["current"]:
            return None
        try:
            db.check_schema()
        except SchemaOutOfDate as exc:
            app.logger.error("%s", exc)
            return render_error(503, str(exc))
        state["current"] = True
        return None
