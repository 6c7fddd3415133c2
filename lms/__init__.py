"""A learning system for charities that train online moderators and peer supporters."""
from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from flask import Flask
from werkzeug.routing import IntegerConverter

from .config import default_instance_path
from .security import LmsFlask


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to what an INTEGER id column can hold on every backend."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: Mapping[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, CLI."""
    app = LmsFlask(
        __name__,
        instance_path=instance_path or os.environ.get("LMS_INSTANCE_PATH") or default_instance_path(),
        instance_relative_config=True,
        template_folder="templates",
        static_folder="static",
    )
    # Ids in URLs fit the database's 32-bit integer ids: a larger one is a 404, not an overflow.
    app.url_map.converters["int"] = BoundedIntConverter
    from . import access, auth, catalog, config as config_module, errors, page_cache, page_versions, security, templating
    from .db import db
    from .extensions import csrf, login_manager

    config_module.load(app, config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("weasyprint", "fontTools"):  # progress lines at INFO for every render
        logging.getLogger(chatty).setLevel(logging.WARNING)

    db.init_app(app)
    page_versions.install(db.session.session_factory)
    _guard_schema(app)
    catalog.init_app(app)  # its check for content changes runs before a kept page is looked up
    # Before the login check: a kept page is served only to the login it was made for.
    page_cache.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    access.init_app(app)
    auth.init_app(app)
    _register_blueprints(app)

    from .cli import register_commands

    register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from .admin.views import bp as admin_bp
    from .auth.views import bp as auth_bp
    from .certificates.views import bp as certificates_bp
    from .content_views import bp as content_bp
    from .learn.views import bp as learn_bp
    from .main.views import bp as main_bp
    from .play.views import bp as play_bp
    from .privacy.views import bp as privacy_bp
    from .trainer.views import bp as trainer_bp

    for blueprint in (main_bp, auth_bp, content_bp, learn_bp, play_bp, certificates_bp, trainer_bp, admin_bp,
                      privacy_bp):
        app.register_blueprint(blueprint)


def _guard_schema(app: Flask) -> None:
    """Refuse to serve pages while the database is behind the code's migrations."""
    from .db import SchemaOutOfDate, db
    from .errors import render_error

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
