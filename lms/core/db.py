"""The database: engine, request-scoped session, migrations and schema check."""
from __future__ import annotations

import contextlib
import contextvars
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, has_app_context, request
from sqlalchemy import Connection, CursorResult, Engine, Executable, create_engine, event, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from lms.core import crypto

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Whether the next SQLite transaction should take the write lock at BEGIN.
# Requests that may write (POST...) and all CLI/service work outside a request
# use BEGIN IMMEDIATE, so a writer waits on busy_timeout instead of failing with
# "database is locked" when it upgrades a read lock; plain page views stay
# DEFERRED so that readers never queue behind each other.
_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar("lms_sqlite_immediate", default=True)


#: What services receive: the request-scoped session (views, CLI) or a plain Session (tests, jobs).
DbSession = Session | scoped_session[Session]


# Whether a session's open transaction has written anything (flushed), so that
# release_reads never commits a write early.
_WROTE = "lms_wrote"


@event.listens_for(Session, "after_flush")
def _mark_written(session: Session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _clear_written(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction, not a savepoint
        session.info.pop(_WROTE, None)


def affected_rows(session: DbSession, statement: Executable) -> int:
    """Run an UPDATE or DELETE and return how many rows it changed (conditional updates decide races)."""
    result = session.execute(statement)
    return cast(CursorResult[Any], result).rowcount


def release_reads(session: DbSession) -> None:
    """End a transaction that has only read, so that slow work next (rendering a PDF) holds no lock.

    On SQLite a request that may write begins with BEGIN IMMEDIATE, so even its first
    read takes the database's single write lock; ending the read transaction here lets
    other workers write while WeasyPrint runs, and the writes that follow start a new
    transaction. Nothing has been written, so ending it with a commit changes nothing and,
    as the sessions do not expire on commit, keeps what was loaded. Refuses to run after
    a write: the write's lock must be held until the request commits.
    """
    if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
        raise RuntimeError("release_reads() after a write would commit it early: render before writing.")
    session.commit()


@contextlib.contextmanager
def deferred_reads() -> Iterator[None]:
    """Within this block a SQLite transaction begins DEFERRED: for a quick read on a
    connection of its own (a worker's periodic check) that must not queue for the write lock."""
    token = _immediate.set(False)
    try:
        yield
    finally:
        _immediate.reset(token)


@contextlib.contextmanager
def write_transaction(session: DbSession) -> Iterator[None]:
    """A write in a transaction of its own: what the session had begun is committed first, the
    block's work is committed on exit (rolled back on an error), and on SQLite it begins IMMEDIATE.

    For a page view (GET) that writes: its transaction begins DEFERRED on SQLite, so readers
    never queue, but a write after its reads would have to upgrade the read lock, and if
    another worker has committed since the reads began, SQLite refuses at once ("database is
    locked"), busy timeout or not. Here the write waits its turn for the lock instead.
    """
    session.commit()
    token = _immediate.set(True)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _immediate.reset(token)


class SchemaOutOfDate(RuntimeError):
    """The database is not at the newest migration."""


#: How long a SQLite write waits for the write lock unless the app configures it
#: (SQLITE_BUSY_TIMEOUT_SECONDS): well below gunicorn's 30 s worker timeout.
DEFAULT_BUSY_TIMEOUT_SECONDS = 10.0
#: How long opening a PostgreSQL connection may take before the request gets a 503.
POSTGRES_CONNECT_TIMEOUT_SECONDS = 5


def make_engine(url: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT_SECONDS) -> Engine:
    """Create an engine with the settings each backend needs.

    `busy_timeout` (seconds, SQLite only): how long a statement waits for another
    connection's lock before failing with "database is locked", which the app answers
    with a 503.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_timeout, "check_same_thread": False},
                               hide_parameters=True)  # values (emails, names) never in error messages or logs
        _tune_sqlite(engine, busy_timeout)
        return engine
    # A bounded connect timeout: an unreachable server is a quick 503, not a hung worker.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True,
                         connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS})


def _tune_sqlite(engine: Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros, not left readable in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


@contextmanager
def counting_transaction(session: Session | scoped_session[Session], *keys: str) -> Iterator[Connection]:
    """A short transaction, committed on exit, serialised with every other one on the same keys.

    For counts that must be exact across workers and servers (login throttling,
    rate limits): whatever is counted and recorded inside is seen by the next
    caller sharing a key, never by both at once. SQLite takes its one write lock
    at BEGIN (IMMEDIATE); PostgreSQL takes a transaction-scoped advisory lock per
    key, in sorted order so that two callers never wait on each other in a
    circle. It commits on exit, before the caller goes on to slow work (a
    password hash), so nobody queues behind that.

    It uses the session's own connection, so it never waits on a lock the same
    request holds; whatever the session had begun is committed first, so call
    it before the request writes anything else.
    """
    with write_transaction(session):  # a transaction of its own, IMMEDIATE on SQLite, committed on exit
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            for key in sorted(set(keys)):
                connection.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
        yield connection


#: Every app's engine in this process, for `_forget_inherited_connections`.
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def _forget_inherited_connections() -> None:
    """In a forked child (gunicorn --preload), drop the parent's pooled connections unclosed.

    The parent loaded the app and may have pooled connections (the content generation, the site's
    settings); a child using the same sockets would mix its statements with its siblings'. The
    pools are replaced, and the parent's connections stay open for the parent (SQLAlchemy's
    `dispose(close=False)`, its advice for multiprocessing).
    """
    for engine in list(_ENGINES):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


class Database:
    """One app's engine and its scoped session (thread-scoped, removed after each request)."""

    def __init__(self, url: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT_SECONDS) -> None:
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = make_engine(url, busy_timeout)
        _ENGINES.add(self.engine)
        self.session: scoped_session[Session] = scoped_session(sessionmaker(bind=self.engine, expire_on_commit=False))

    def dispose(self) -> None:
        """Close this app's sessions and pooled connections."""
        self.session.remove()
        self.engine.dispose()

    # -- migrations ---------------------------------------------------------
    def alembic_config(self) -> AlembicConfig:
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["engine"] = self.engine
        return cfg

    def upgrade(self, revision: str = "heads") -> None:
        """Migrate the schema to the newest revision."""
        command.upgrade(self.alembic_config(), revision)

    def schema_status(self) -> tuple[set[str], set[str]]:
        """Return (current revisions, newest revisions)."""
        script = ScriptDirectory.from_config(self.alembic_config())
        with self.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
        return current, set(script.get_heads())

    def check_schema(self) -> None:
        """Raise SchemaOutOfDate unless the database is at the newest migration."""
        current, newest = self.schema_status()
        if current != newest:
            raise SchemaOutOfDate(
                "The database schema is out of date"
                f" (at {', '.join(sorted(current)) or 'nothing'}, newest {', '.join(sorted(newest))})."
                " Run `lms db upgrade` to update it."
            )


def init_app(app: Flask) -> Database:
    """Give the app its own Database, bound to its DATABASE_URL, and clean up after each request."""
    database = Database(app.config["DATABASE_URL"], float(app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]))
    crypto.install(database.engine, crypto.make_cipher(crypto.parse_keys(app.config["DATA_KEYS"])))
    app.extensions["lms_db"] = database
    global _last_bound
    _last_bound = database

    @app.before_request
    def _choose_transaction_mode() -> None:
        _immediate.set(request.method not in SAFE_METHODS)

    if app.config.get("COUNT_QUERIES"):
        _count_queries(app, database.engine)

    # Per request, not per app context: a test or CLI command that pushes an
    # app context around service calls keeps its session (and its work).
    @app.teardown_request
    def _remove_session(_exc: BaseException | None) -> None:
        try:
            database.session.remove()
        except SQLAlchemyError:
            # The connection died during the request (the server restarted): the rollback
            # in close() failed. Discard the connection without talking to it, and the
            # session with it, so the next request on this thread starts clean.
            try:
                database.session().invalidate()
            except SQLAlchemyError:
                pass  # nothing more can be done with a dead connection; the pool drops it
            finally:
                database.session.registry.clear()

    return database


#: Statements run by the current request, counted only when COUNT_QUERIES is on.
_statements: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("lms_statements", default=None)


def _count_queries(app: Flask, engine: Engine) -> None:
    """Answer each request with `X-Query-Count`: the SQL statements it sent (for benchmarks).

    Counted at the cursor, so every statement SQLAlchemy sends counts (ORM,
    Core, exec_driver_sql) except SQLite's explicit BEGIN, which PostgreSQL's
    driver sends unseen: the figures are comparable. Off by default: it costs
    a hook per statement.
    """
    @event.listens_for(engine, "before_cursor_execute")
    def _count(_connection, _cursor, statement: str, *_args) -> None:
        counter = _statements.get()
        if counter is not None and not statement.startswith("BEGIN"):
            counter[0] += 1

    @app.before_request
    def _start_counting() -> None:
        _statements.set([0])

    @app.after_request
    def _report_count(response):
        counter = _statements.get()
        if counter is not None:
            response.headers["X-Query-Count"] = str(counter[0])
        return response


# The Database of the app created last: what `db` means outside any app context
# (a test arranging data, a thread a benchmark starts). Inside an app context or
# request, `db` is always that app's own Database.
_last_bound: Database | None = None


class _CurrentDatabase:
    """`db`: the Database of the app in context, so two apps in one process never share a session."""

    def _current(self) -> Database:
        if has_app_context():
            database = current_app.extensions.get("lms_db")
            if database is not None:
                return database
        if _last_bound is None:
            raise RuntimeError("No database is bound: create the app first.")
        return _last_bound

    @property
    def session(self) -> scoped_session[Session]:
        return self._current().session

    @property
    def engine(self) -> Engine:
        return self._current().engine

    def alembic_config(self) -> AlembicConfig:
        return self._current().alembic_config()

    def upgrade(self, revision: str = "heads") -> None:
        self._current().upgrade(revision)

    def schema_status(self) -> tuple[set[str], set[str]]:
        return self._current().schema_status()

    def check_schema(self) -> None:
        self._current().check_schema()

    def dispose(self) -> None:
        self._current().dispose()


db = _CurrentDatabase()
