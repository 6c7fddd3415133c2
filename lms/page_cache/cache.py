"""Whole pages kept per worker for a trainee's repeat views.

A step, a role-play node or a stored certificate asked for again by the same
login is the same page until something on it changes. A view opts in with
`@cacheable`. A response is kept only if producing it changed nothing (no
write, no new cookie, no flashed message), and is served again only while the
login's versions (`lms.page_cache.versions`), the content and the settings are what
they were, and for at most MAX_AGE seconds. Checking costs one small query
instead of the page's five or six; a view that shows someone else's data
calls `skip()`.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask import Flask, Response, g, request, session

from lms.catalog.services import holder as catalog_holder
from lms.core import settings
from lms.core.db import db
from lms.page_cache import versions as page_versions

#: Seconds a kept page may be served without being made again. Short, so that
#: "last active" (written by a step view at most once a minute) stays close.
MAX_AGE = 30.0
#: The response headers a kept page needs besides its type (a PDF's file name).
KEPT_HEADERS = ("Content-Disposition",)


@dataclass(frozen=True, slots=True)
class Entry:
    versions: tuple[int, int]
    expires: float
    body: bytes
    mimetype: str
    headers: tuple[tuple[str, str], ...]


class PageCache:
    """A least-recently-used store of responses, bounded in bytes; safe across threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, versions: tuple[int, int]) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.versions != versions or entry.expires <= time.monotonic():
                if entry is not None:
                    self._drop(key)
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: Hashable, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 4:  # one huge page must not empty the cache
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self._size += len(entry.body)
            while self._size > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def _drop(self, key: Hashable) -> None:
        self._size -= len(self._entries.pop(key).body)

    def __len__(self) -> int:
        return len(self._entries)


def cacheable(view: Callable) -> Callable:
    """Mark a GET view whose page may be kept for its viewer's next identical request."""
    view.page_cacheable = True  # type: ignore[attr-defined]
    return view


def skip() -> None:
    """Do not keep this response (it shows another person's data, whose changes do not reach this login)."""
    g.page_cache_skip = True


def _key(app: Flask) -> tuple | None:
    """What a kept page is filed under, or None if this request is not one to keep or serve."""
    if request.method != "GET" or request.endpoint is None \
            or not getattr(app.view_functions.get(request.endpoint), "page_cacheable", False):
        return None
    login = session.get("_user_id")
    if not isinstance(login, str) or "_flashes" in session:  # a flashed message is shown once
        return None
    # The CSRF token is part of the key: forms on the page carry this session's token.
    return (login, session.get("csrf_token"), request.host, request.full_path, catalog_holder().generation,
            settings.version())


def init_app(app: Flask) -> None:
    megabytes = app.config["PAGE_CACHE_MB"]
    if not megabytes:
        return
    cache = PageCache(int(megabytes * 1024 * 1024))
    app.extensions["lms_page_cache"] = cache

    @app.before_request
    def _serve_kept_page():
        key = _key(app)
        if key is None:
            return None
        user_id, _, token = key[0].partition(":")
        valid_id = user_id.isdigit() and len(user_id) < 10  # an id column holds 32 bits
        versions = page_versions.current(db.engine, int(user_id), token) if valid_id else None
        if versions is None:  # the login has ended: the usual path says so
            return None
        entry = cache.get(key, versions)
        if entry is not None:
            kept = Response(entry.body, mimetype=entry.mimetype, headers=entry.headers)
            if app.config.get("COUNT_QUERIES"):  # benchmarks count kept pages served
                kept.headers["X-Kept-Page"] = "hit"
            return kept
        # Versions read before the page's own reads: a write landing in between
        # files the page under an older version, where it is never served.
        g.page_cache = (key, versions)
        return None

    @app.after_request
    def _keep_page(response: Response) -> Response:
        pending = g.pop("page_cache", None)
        if (pending is None or g.get("page_cache_skip") or response.status_code != 200
                or response.direct_passthrough or session.modified or "Set-Cookie" in response.headers):
            return response
        key, versions = pending
        # If the view wrote (a visit, a stored PDF), its versions have moved on and
        # this entry is never served: the next request keeps the page.
        headers = tuple((name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers)
        cache.put(key, Entry(versions, time.monotonic() + MAX_AGE, response.get_data(), response.mimetype or "", headers))
        return response
