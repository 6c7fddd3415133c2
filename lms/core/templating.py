"""Template globals and filters shared by every page."""
from __future__ import annotations

from flask import Flask, request, url_for
from flask_login import current_user

from lms.core import settings

# (endpoint, label, who sees it); an entry shows once its blueprint is registered.
NAV_ITEMS = (
    ("learn.my_training", "My training", "trainee"),
    ("learn.catalogue", "Courses", "trainee"),
    ("play.practice", "Role-plays", "trainee"),
    ("trainer.dashboard", "Trainer", "trainer"),
    ("admin.users", "Admin", "admin"),
)
_RANK = {"trainee": 0, "trainer": 1, "admin": 2}


def nav_links(app: Flask) -> list[dict]:
    """The main navigation for the current user."""
    links = []
    for endpoint, label, role in NAV_ITEMS:
        if endpoint not in app.view_functions or _RANK[current_user.role] < _RANK[role]:
            continue
        links.append({
            "url": url_for(endpoint), "label": label,
            "current": request.endpoint == endpoint,
        })
    return links


def init_app(app: Flask) -> None:
    @app.context_processor
    def _globals():
        return {
            "site_name": settings.get("SITE_NAME"),
            "charity_name": settings.get("CHARITY_NAME"),
            "nav_links": lambda: nav_links(app),
        }
