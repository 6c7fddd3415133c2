"""Versions that say whether a cached page is still current.

Every write that could change what a person's pages show bumps their
`users.pages_version` in the same transaction, so the bump commits or rolls
back with the change itself. Rows are traced to their person by `user_id`,
`enrolment_id` or `run_id`; a write that cannot be traced to one person
(settings, cohorts, a bulk UPDATE) bumps the site version, which every cached
page depends on. Writes that no cached page shows (login attempts, the audit
log, invites) bump nothing.

This runs on every flush and on every UPDATE/DELETE/INSERT executed through
the session, so a service needs to do nothing to keep caches honest.
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from itertools import chain
from typing import Any

from sqlalchemy import Engine, bindparam, event, or_, select, update
from sqlalchemy.orm import ORMExecuteState, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler

from lms.accounts.models import LoginAttempt, User
from lms.admin.models import AuditEntry
from lms.cohorts.models import Invite
from lms.core.db import DbSession
from lms.core.models import SITE_VERSION_ID, SiteVersion
from lms.jobs.models import Job
from lms.learning.models import Enrolment
from lms.mail.models import SentReminder
from lms.roleplay.models import ScenarioRun

#: Tables whose rows never appear on a cached page.
UNSHOWN_TABLES = frozenset(model.__tablename__ for model in (AuditEntry, Invite, LoginAttempt, Job, SentReminder))

_BUMP_SITE = update(SiteVersion).where(SiteVersion.id == SITE_VERSION_ID).values(version=SiteVersion.version + 1)

#: (user's version, site version) for a live login; no row once the login has ended.
CURRENT = (
    select(User.pages_version,
           select(SiteVersion.version).where(SiteVersion.id == SITE_VERSION_ID).scalar_subquery())
    .where(User.id == bindparam("user_id"), User.session_token == bindparam("token"), User.active.is_(True))
)


def current(engine: Engine, user_id: int, token: str) -> tuple[int, int] | None:
    """The versions a page of this login depends on, or None if the login is no longer valid.

    Read on a connection of its own, before the page reads anything: the page
    can then only be newer than the versions it is filed under, never older.
    This runs on every view of a kept page, so it goes straight to the driver
    with SQL compiled once: a sixth of the cost of an SQLAlchemy execute.
    """
    compiled = _compiled(engine)
    named = compiled.construct_params({"user_id": user_id, "token": token})
    params: Mapping[str, Any] | tuple[Any, ...] = named
    if engine.dialect.positional:
        params = tuple(named[name] for name in compiled.positiontup or ())
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(compiled.string, params)
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()  # back to the pool, which ends the read
    return (row[0], row[1]) if row else None


@lru_cache(maxsize=8)
def _compiled(engine: Engine) -> SQLCompiler:
    return CURRENT.compile(dialect=engine.dialect)


def _owners(objects) -> tuple[set[int], set[int], set[int], bool]:
    """(user ids, enrolment ids, run ids, whether the site version must move) for changed rows."""
    users: set[int] = set()
    enrolments: set[int] = set()
    runs: set[int] = set()
    site = False
    for obj in objects:
        if obj.__table__.name in UNSHOWN_TABLES:
            continue
        if isinstance(obj, User):
            if obj.id is not None:
                users.add(obj.id)
        elif getattr(obj, "user_id", None) is not None:
            users.add(obj.user_id)
        elif getattr(obj, "enrolment_id", None) is not None:
            enrolments.add(obj.enrolment_id)
        elif getattr(obj, "run_id", None) is not None:
            runs.add(obj.run_id)
        elif not hasattr(obj, "user_id"):  # an ownerless row (a setting, a cohort): it may show anywhere
            site = True
    return users, enrolments, runs, site


def _after_flush(session: DbSession, _context) -> None:
    # The lists still hold what this flush wrote; deleted rows keep their attributes.
    users, enrolments, runs, site = _owners(chain(session.new, session.dirty, session.deleted))
    owners = []
    if users:
        owners.append(User.id.in_(users))
    if enrolments:
        owners.append(User.id.in_(select(Enrolment.user_id).where(Enrolment.id.in_(enrolments))))
    if runs:
        owners.append(User.id.in_(select(ScenarioRun.user_id).where(ScenarioRun.id.in_(runs))))
    if owners:
        session.connection().execute(update(User).where(or_(*owners)).values(pages_version=User.pages_version + 1))
    if site:
        session.connection().execute(_BUMP_SITE)


def _on_execute(state: ORMExecuteState) -> None:
    """A bulk INSERT/UPDATE/DELETE run through the session: move the site version with it."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) in UNSHOWN_TABLES | {SiteVersion.__tablename__}:
        return
    state.session.connection().execute(_BUMP_SITE)


def install(factory: sessionmaker) -> None:
    """Attach the hooks to the sessions `factory` makes (once)."""
    if not event.contains(factory, "after_flush", _after_flush):
        event.listen(factory, "after_flush", _after_flush)
        event.listen(factory, "do_orm_execute", _on_execute)
