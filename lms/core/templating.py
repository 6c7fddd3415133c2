"""Template globals and filters shared by every page."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, request, url_for
from flask_babel import LazyString
from flask_login import current_user

from lms.core import notices, settings

# (order, endpoint, label, who sees it, count); an entry shows once its blueprint is registered.
_RANK = {"trainee": 0, "trainer": 1, "admin": 2}
_NAV_KEY = "lms_nav"


def add_nav_link(app: Flask, endpoint: str, label: str | LazyString, role: str, order: int,
                 count: Callable[[], int] | None = None) -> None:
    """Put a link in the main navigation for `role` and above; features call this from their init_app.

    `label` is read when the page is drawn: pass a `lazy_gettext` string so that it is in the reader's language.

    `count`, if given, is called when the link is shown: a number above zero is shown beside the label
    (things waiting for the viewer).
    """
    items = app.extensions.setdefault(_NAV_KEY, [])
    items.append((order, endpoint, label, role, count))
    items.sort(key=lambda item: (item[0], item[1]))


def nav_links(app: Flask) -> list[dict]:
    """The main navigation for the current user."""
    links = []
    for _order, endpoint, label, role, count in app.extensions.get(_NAV_KEY, []):
        if _RANK[current_user.role] < _RANK[role]:
            continue
        links.append({
            "url": url_for(endpoint), "label": label,
            "current": request.endpoint == endpoint,
            "count": count() if count is not None else 0,
        })
    return links


def init_app(app: Flask) -> None:
    notices.init_app(app)

    @app.context_processor
    def _globals():
        return {
            "site_name": settings.get("SITE_NAME"),
            "charity_name": settings.get("CHARITY_NAME"),
            "nav_links": lambda: nav_links(app),
        }
