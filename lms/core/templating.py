"""Template globals and filters shared by every page, and the layout's fragments rendered once."""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Any

from flask import Flask, request, url_for
from flask_babel import LazyString
from flask_login import current_user
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser

from lms.core import notices, settings
from lms.core.i18n import current_language

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


class NavLinks:
    """The main navigation for the current user: iterate for its links (url, label, current, count).

    `counts` (what each link's count gives now) is read at once; the links themselves are built
    when iterated, which base.html does only when its fragment for these counts is not rendered yet.
    """

    def __init__(self, app: Flask) -> None:
        rank = _RANK[current_user.role]
        self.entries = [(endpoint, label, count) for _order, endpoint, label, role, count
                        in app.extensions.get(_NAV_KEY, []) if rank >= _RANK[role]]
        self.counts = tuple(count() if count is not None else 0 for _e, _l, count in self.entries)

    def __iter__(self) -> Iterator[dict]:
        endpoint = request.endpoint
        for (link, label, _count), count in zip(self.entries, self.counts, strict=True):
            yield {"url": url_for(link), "label": label, "current": endpoint == link, "count": count}


def nav_links(app: Flask) -> NavLinks:
    """The main navigation for the current user."""
    return NavLinks(app)


class Fragments(Extension):
    """`{% fragment key, ... %}...{% endfragment %}`: the body is rendered once per key and reused.

    For the parts of the layout that are the same on every page for a given key: base.html
    passes `layout_key()` (the language, who is looking, the site's settings) and anything
    else the body reads (the current page's endpoint, for its marks). Nothing personal or per
    request (a name, a CSRF token, a notice) may be inside a fragment: it would be shown to the
    next person with the same key. The store is this app's, in this process; it is emptied when
    it grows past `LIMIT` entries (a settings change makes new keys).
    """

    tags = {"fragment"}
    LIMIT = 512

    def __init__(self, environment) -> None:
        super().__init__(environment)
        self.store: dict[tuple[Hashable, ...], Any] = {}

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        key = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endfragment",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", [nodes.Tuple(key, "load")]), [], [], body).set_lineno(lineno)

    def _render(self, key: tuple[Hashable, ...], caller: Callable[[], Any]) -> Any:
        try:
            return self.store[key]
        except KeyError:
            pass
        rendered = caller()
        if len(self.store) >= self.LIMIT:
            self.store.clear()
        self.store[key] = rendered
        return rendered


def layout_key() -> tuple[Hashable, ...]:
    """What the layout's shared fragments depend on: the language, signed in or not and the role, the
    site's settings (their version: the site and charity names) and where the app is mounted."""
    role = current_user.role if current_user.is_authenticated else None
    return current_language(), role, settings.version(), request.script_root


def init_app(app: Flask) -> None:
    notices.init_app(app)
    app.jinja_env.add_extension(Fragments)
    app.add_template_global(layout_key, "layout_key")

    @app.context_processor
    def _globals():
        return {
            "site_name": settings.get("SITE_NAME"),
            "charity_name": settings.get("CHARITY_NAME"),
            "nav_links": lambda: nav_links(app),
        }
