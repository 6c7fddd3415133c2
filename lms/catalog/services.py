"""The app's view of the content folder: loaded at start-up, reloaded safely.

Loading is done by the pure `lms.content` package; this module decides *when*
to load and *what to keep*: a course or scenario that an edit broke keeps its
last working version, so trainees never lose a course to a typo.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from lms.content import Catalog, load_catalog
from lms.core.models import SiteSetting

log = logging.getLogger(__name__)

#: Touching this file in the instance folder makes every worker reload (`lms reload`).
RELOAD_STAMP = "reload-content"
#: How often (seconds) a worker looks for changes; a stat per request would be wasteful.
CHECK_INTERVAL = 1.0


def unit_of(path: str) -> tuple[str, str] | None:
    """('course'|'scenario', id) that a problem path belongs to, if any."""
    parts = path.split("/")
    if len(parts) >= 2 and parts[0] == "courses":
        return "course", parts[1]
    if len(parts) >= 2 and parts[0] == "scenarios":
        return "scenario", parts[1].removesuffix(".md")
    return None


def merge(previous: Catalog | None, fresh: Catalog) -> tuple[Catalog, list[str]]:
    """Keep the previous version of anything the fresh load found broken.

    Returns the catalogue to serve and the ids that were kept from before.
    """
    if previous is None:
        return fresh, []
    broken = {unit_of(p.path) for p in fresh.problems if p.is_error}
    courses, scenarios = dict(fresh.courses), dict(fresh.scenarios)
    kept = []
    for kind, unit_id in filter(None, broken):
        if kind == "course" and unit_id not in courses and unit_id in previous.courses:
            courses[unit_id] = previous.courses[unit_id]
        elif kind == "scenario" and unit_id not in scenarios and unit_id in previous.scenarios:
            scenarios[unit_id] = previous.scenarios[unit_id]
        else:
            continue
        kept.append(f"{kind} {unit_id}")
    if not kept:
        return fresh, []
    return dataclasses.replace(
        fresh, courses=MappingProxyType(courses), scenarios=MappingProxyType(scenarios)), kept


def _fingerprint(root: Path) -> tuple:
    """A cheap summary of the content folders that changes when a file does."""
    entries = []
    for top in ("courses", "scenarios"):
        base = root / top
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "_"))]
            for name in filenames:
                try:
                    stat = os.lstat(os.path.join(dirpath, name))
                except OSError:
                    continue
                entries.append((dirpath, name, stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(entries))


class CatalogHolder:
    """Holds the catalogue being served and swaps in new ones atomically."""

    def __init__(self, root: Path, stamp: Path, auto_reload: bool,
                 org: Callable[[], Mapping[str, str]] = dict, support_contacts: Sequence[Mapping[str, str]] = ()) -> None:
        self.root = root
        self.org = org  # read at each load: an admin's change applies at the next reload
        self.support_contacts = support_contacts
        self.stamp = stamp
        self.auto_reload = auto_reload
        self._catalog: Catalog | None = None
        #: Counts loads: a page made from one catalogue is not served from another.
        self.generation = 0
        self.kept: list[str] = []
        self.loaded_at = 0.0
        self._lock = threading.Lock()
        self._next_check = 0.0
        self._fingerprint: tuple | None = None
        self._stamp_mtime = self._stamp_time()

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self.reload()
        assert self._catalog is not None
        return self._catalog

    def reload(self) -> Catalog:
        """Load the folder again and swap it in, keeping working versions of broken units."""
        with self._lock:
            started = time.perf_counter()
            fingerprint = _fingerprint(self.root) if self.auto_reload else None
            fresh = load_catalog(self.root, org=self.org(), support_contacts=self.support_contacts)
            catalog, kept = merge(self._catalog, fresh)
            self._catalog, self.kept, self.loaded_at = catalog, kept, time.time()
            self.generation += 1
            self._fingerprint = fingerprint
            self._report(fresh, kept, time.perf_counter() - started)
            return catalog

    def _report(self, fresh: Catalog, kept: list[str], seconds: float) -> None:
        log.info("Loaded %d courses and %d scenarios from %s in %.2fs",
                 len(fresh.courses), len(fresh.scenarios), self.root, seconds)
        for problem in fresh.errors:
            log.warning("content: %s", problem)
        for unit in kept:
            log.warning("content: kept the last working version of %s until its errors are fixed", unit)

    def _stamp_time(self) -> float:
        try:
            return self.stamp.stat().st_mtime
        except OSError:
            return 0.0

    def maybe_reload(self) -> None:
        """Reload if asked to (`lms reload`) or, in development, if a file changed."""
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + CHECK_INTERVAL
        stamp = self._stamp_time()
        if stamp != self._stamp_mtime:
            self._stamp_mtime = stamp
            self.reload()
        elif self.auto_reload and _fingerprint(self.root) != self._fingerprint:
            self.reload()


def _site_org(app: Flask) -> Callable[[], dict[str, str]]:
    """The site's organisation variables: the admin's ORG setting, else the configuration's ORG."""
    def read() -> dict[str, str]:
        configured = dict(app.config.get("ORG") or {})
        try:
            # A session of its own: this runs at start-up and inside other requests alike.
            with Session(app.extensions["lms_db"].engine) as session:
                row = session.get(SiteSetting, "ORG")
        except SQLAlchemyError:  # no schema yet (before `lms db upgrade`): the configuration alone
            return configured
        return dict(row.value) if row is not None and isinstance(row.value, dict) else configured
    return read


def init_app(app: Flask) -> None:
    """Load the catalogue at start-up and check for changes before requests."""
    holder = CatalogHolder(
        Path(app.config["CONTENT_DIR"]),
        Path(app.instance_path) / RELOAD_STAMP,
        bool(app.config["CONTENT_AUTO_RELOAD"]),
        org=_site_org(app),
        support_contacts=app.config["SUPPORT_CONTACTS"],
    )
    app.extensions["lms_catalog"] = holder
    holder.reload()

    @app.before_request
    def _check_for_changes() -> None:
        holder.maybe_reload()


def holder() -> CatalogHolder:
    return current_app.extensions["lms_catalog"]


def catalog() -> Catalog:
    """The catalogue being served."""
    return holder().catalog


def request_reload(instance_path: str) -> None:
    """Ask every worker serving this instance to reload the content."""
    stamp = Path(instance_path) / RELOAD_STAMP
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.touch()
    os.utime(stamp, None)
