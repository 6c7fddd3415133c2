"""Who may see what: a marker for public views and a role check for the rest."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def public(view: Callable) -> Callable:
    """Mark a view as reachable without logging in (the route test reads this)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def role_required(*roles: str) -> Callable:
    """Require login and one of the roles; admins pass every role check."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles and not current_user.is_admin:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def init_app(app) -> None:
    """Require login for every view not marked @public: secure by default."""
    from lms.core.extensions import login_manager

    @app.before_request
    def _require_login():
        from flask import request

        if request.endpoint is None or request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint)
        if getattr(view, "is_public", False) or current_user.is_authenticated:
            return None
        return login_manager.unauthorized()
