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
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from lms.catalog.render_cache import DiskUnitCache, LastGood
from lms.content import Catalog, load_catalog
from lms.content.org import flat_site_org
from lms.content.snippets import FOLDER as SNIPPETS_DIR
from lms.core import health, i18n, metrics, support, warm
from lms.core.db import DbSession, deferred_reads
from lms.core.models import SiteSetting
from lms.jobs import schedule

log = logging.getLogger(__name__)

#: The site setting holding the content generation: `lms reload` (on any server) moves
#: it, and every worker of every server sharing the database loads the content again.
GENERATION_KEY = "content.generation"
#: How often (seconds) a worker looks for changes; a query per request would be wasteful.
CHECK_INTERVAL = 1.0


def read_generation(engine: Engine) -> int | None:
    """The content generation in the database (0 before any reload), or None if it cannot be read.

    Read on a connection of its own, DEFERRED on SQLite, so the check never waits for
    or holds the write lock and never touches the request's transaction. The
    connection is marked `lms_background`: query counts of a page leave it out, as it
    runs about once a second whatever the page.
    """
    try:
        with deferred_reads(), engine.connect().execution_options(lms_background=True) as connection:
            value = connection.execute(select(SiteSetting.value).where(SiteSetting.key == GENERATION_KEY)).scalar()
    except SQLAlchemyError:  # no schema yet, or the database is briefly away: check again later
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def request_reload(session: DbSession) -> int:
    """Move the content generation, in the caller's transaction; every worker of every
    server reloads within about CHECK_INTERVAL of the commit. Returns the new generation."""
    row = session.get(SiteSetting, GENERATION_KEY, with_for_update=True)
    if row is None:
        row = SiteSetting(key=GENERATION_KEY, value=0)
        session.add(row)
    current = row.value if isinstance(row.value, int) and not isinstance(row.value, bool) else 0
    row.value = current + 1
    session.flush()
    return current + 1


def unit_of(path: str) -> tuple[str, str] | None:
    """('course'|'scenario', id) that a problem path belongs to, if any."""
    parts = path.split("/")
    if len(parts) >= 2 and parts[0] == "courses":
        return "course", parts[1]
    if len(parts) >= 2 and parts[0] == "scenarios":
        return "scenario", parts[1].removesuffix(".md")
    return None


def merge(previous: Catalog | None, fresh: Catalog,
          recall: Callable[[str, str], object | None] = lambda kind, unit_id: None) -> tuple[Catalog, list[str]]:
    """Keep the previous version of anything the fresh load found broken.

    The previous version is the one being served, else (after a restart) what
    `recall(kind, id)` kept on disk. Returns the catalogue to serve and the ids kept.
    """
    broken = {unit_of(p.path) for p in fresh.problems if p.is_error}
    courses, scenarios = dict(fresh.courses), dict(fresh.scenarios)
    kept = []
    for kind, unit_id in filter(None, broken):
        target = courses if kind == "course" else scenarios
        if unit_id in target:
            continue
        served = None if previous is None else previous.courses if kind == "course" else previous.scenarios
        value = served.get(unit_id) if served is not None else recall(kind, unit_id)
        if value is not None:
            target[unit_id] = value  # type: ignore[assignment]
            kept.append(f"{kind} {unit_id}")
    if not kept:
        return fresh, []
    return dataclasses.replace(
        fresh, courses=MappingProxyType(courses), scenarios=MappingProxyType(scenarios)), kept


def _fingerprint(root: Path) -> tuple:
    """A cheap summary of what the content is read from, which changes when a file does: the courses, the
    scenarios, the shared snippets and the organisation files (`org*.yaml`), and each folder (a new, empty one
    is a problem to report)."""
    entries: list[tuple] = []
    for name in sorted(os.listdir(root)) if root.is_dir() else ():
        if name.startswith("org") and name.endswith((".yaml", ".yml")):
            try:
                stat = os.lstat(root / name)
            except OSError:
                continue
            entries.append((str(root), name, stat.st_mtime_ns, stat.st_size))
    for top in ("courses", "scenarios", SNIPPETS_DIR):
        base = root / top
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "_"))]
            entries.append((dirpath, "", 0, 0))
            for name in filenames:
                try:
                    stat = os.lstat(os.path.join(dirpath, name))
                except OSError:
                    continue
                entries.append((dirpath, name, stat.st_mtime_ns, stat.st_size))
    return tuple(sorted(entries))


class CatalogHolder:
    """Holds the catalogue being served and swaps in new ones atomically."""

    def __init__(self, root: Path, auto_reload: bool, org: Callable[[], Mapping[str, str]] = dict,
                 support_contacts: Sequence[Mapping[str, str]] = (),
                 support_contacts_by_language: Mapping[str, Sequence[Mapping[str, str]]] | None = None,
                 language: str | None = None, served: Sequence[str] = (),
                 shared_generation: Callable[[], int | None] = lambda: None,
                 cache: DiskUnitCache | None = None) -> None:
        self.root = root
        self.org = org  # read at each load: an admin's change applies at the next reload
        self.support_contacts = support_contacts
        #: The contacts as a translation into each language shows them, and the originals' language.
        self.support_contacts_by_language = support_contacts_by_language
        self.language = language
        self.served = tuple(served)  # the site's languages: a translation into another is a warning
        #: Reads the generation `lms reload` moves (in the database, shared by every server).
        self.shared_generation = shared_generation
        self.auto_reload = auto_reload
        #: Read units and last working versions on disk, shared by workers and restarts.
        self.cache = cache
        self.last_good = LastGood(cache, root) if cache is not None else None
        self._catalog: Catalog | None = None
        #: Counts loads: a page made from one catalogue is not served from another.
        self.generation = 0
        self.kept: list[str] = []
        self.loaded_at = 0.0
        self._lock = threading.Lock()
        self._next_check = 0.0
        self._fingerprint: tuple | None = None
        #: The shared generation the catalogue being served was loaded at (None: unknown yet).
        self.loaded_generation: int | None = None

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self.reload()
        assert self._catalog is not None
        return self._catalog

    def reload(self) -> Catalog:
        """Load the folder again and swap it in, keeping working versions of broken units.

        In a process that sets its long-lived objects aside from the garbage collector (a gunicorn worker), the
        new catalogue is set aside too, and the old one given back to the collector.
        """
        with self._lock:
            started = time.perf_counter()
            # Read before loading: a reload requested during the load is seen at the next check.
            self.loaded_generation = self.shared_generation()
            fingerprint = _fingerprint(self.root) if self.auto_reload else None
            fresh = load_catalog(self.root, org=self.org(), support_contacts=self.support_contacts, cache=self.cache,
                                 support_contacts_by_language=self.support_contacts_by_language,
                                 language=self.language, served=self.served)
            catalog, kept = merge(self._catalog, fresh,
                                  self.last_good.recall if self.last_good is not None else lambda kind, unit_id: None)
            if self.last_good is not None:
                for course_id, course in fresh.courses.items():
                    self.last_good.remember("course", course_id, course)
                for scenario_id, scenario in fresh.scenarios.items():
                    self.last_good.remember("scenario", scenario_id, scenario)
            self._catalog, self.kept, self.loaded_at = catalog, kept, time.time()
            self.generation += 1
            self._fingerprint = fingerprint
            self._report(fresh, kept, time.perf_counter() - started)
            if warm.long_lived_set_aside():  # a gunicorn worker: the old catalogue thawed and freed, the new set aside
                warm.set_aside_long_lived()
            return catalog

    def _report(self, fresh: Catalog, kept: list[str], seconds: float) -> None:
        metrics.CONTENT_LOAD.observe(seconds)
        log.info("Loaded %d courses and %d scenarios from %s in %.2fs",
                 len(fresh.courses), len(fresh.scenarios), self.root, seconds)
        for problem in fresh.errors:
            log.warning("content: %s", problem)
        for unit in kept:
            log.warning("content: kept the last working version of %s until its errors are fixed", unit)

    @property
    def loaded(self) -> bool:
        """Whether a catalogue has been loaded (it may still have problems)."""
        return self._catalog is not None

    def maybe_reload(self) -> None:
        """Reload if asked to (`lms reload` on any server) or, in development, if a file changed."""
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + CHECK_INTERVAL
        shared = self.shared_generation()
        asked = shared is not None and shared != self.loaded_generation
        if asked or (self.auto_reload and _fingerprint(self.root) != self._fingerprint):
            self.reload()


def _site_org(app: Flask) -> Callable[[], dict[str, str]]:
    """The site's organisation variables: the admin's ORG setting, else the configuration's ORG; a language's
    own values as `NAME.LANG` names (a configuration's `[ORG.cy]` table too, `flat_site_org`)."""
    def read() -> dict[str, str]:
        chosen = dict(app.config.get("ORG") or {})
        try:
            # A session of its own: this runs at start-up and inside other requests alike.
            with Session(app.extensions["lms_db"].engine) as session:
                row = session.get(SiteSetting, "ORG")
            if row is not None and isinstance(row.value, dict):
                chosen = row.value
        except SQLAlchemyError:  # no schema yet (before `lms db upgrade`): the configuration alone
            pass
        return {name: str(value) for name, value in flat_site_org(chosen).items()}
    return read


def init_app(app: Flask) -> None:
    """Load the catalogue at start-up and check for changes before requests."""
    engine = app.extensions["lms_db"].engine
    original = str(app.config.get("CONTENT_LANGUAGE") or "en")
    with app.app_context():
        languages = i18n.site_languages()
    # The shipped default contacts in each language's words (a charity's own as written).
    contacts = support.contacts_by_language(app, languages)
    holder = CatalogHolder(
        Path(app.config["CONTENT_DIR"]),
        bool(app.config["CONTENT_AUTO_RELOAD"]),
        org=_site_org(app),
        support_contacts=contacts.get(original, app.config["SUPPORT_CONTACTS"]),
        support_contacts_by_language=contacts,
        language=original, served=languages,
        shared_generation=lambda: read_generation(engine),
        cache=DiskUnitCache(Path(app.config["RENDER_CACHE_DIR"] or Path(app.instance_path) / "render-cache"),
                            app.config["SECRET_KEY"] or "") if app.config["RENDER_CACHE"] else None,
    )
    app.extensions["lms_catalog"] = holder
    holder.reload()
    warm.on_hup(app, holder.reload)  # gunicorn --preload: a HUP forks from this process's catalogue
    health.add_ready_check(app, "content", lambda: None if holder.loaded else "not loaded")

    @app.before_request
    def _check_for_changes() -> None:
        holder.maybe_reload()

    # The worker too: it serves the catalogue to the reminder sweep and to e-mails for as long as it runs.
    schedule.before_each_round("catalog", lambda: current_app.extensions["lms_catalog"].maybe_reload())


def holder() -> CatalogHolder:
    return current_app.extensions["lms_catalog"]


def catalog() -> Catalog:
    """The catalogue being served."""
    return holder().catalog


def catalog_for_reader() -> Catalog:
    """The catalogue being served, in the language of this request where translated (FORMAT.md 8)."""
    return holder().catalog.localised(i18n.current_language())


def course_titles_for_reader(with_certificate: bool = False) -> list[tuple[str, str, str]]:
    """(course id, title, the title's language) in the reader's language where translated, in alphabetical order:
    the choices of a course in forms (lms.core.forms.options). with_certificate: only courses that lead to one."""
    courses = (c for c in catalog_for_reader().courses.values() if c.certificate or not with_certificate)
    return [(c.id, c.title, i18n.content_language(c, "title")) for c in sorted(courses, key=lambda c: c.title.lower())]
