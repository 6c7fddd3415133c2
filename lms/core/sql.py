"""SQL helpers shared by features: the database's dialect, statements built once, and `unindexed`."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, bindparam
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.functions import FunctionElement

from lms.core.db import DbSession


def is_postgresql(session: DbSession) -> bool:
    """Whether the session's database is PostgreSQL (else SQLite), for the statements that differ."""
    return session.get_bind().dialect.name == "postgresql"


def dialect_insert(session: DbSession, model: Any) -> Any:
    """An INSERT of `model` (an ORM class, or a table for a Core statement) with the database's ON CONFLICT
    clauses (SQLite's or PostgreSQL's), for upserts."""
    return (postgresql_insert if is_postgresql(session) else sqlite_insert)(model)


#: Statements that differ by database dialect (upserts), built once for each: (name, dialect) -> statement.
_BUILT: dict[tuple[str, str], Any] = {}


def built_once(session: DbSession, name: str, build: Callable[[DbSession], Any]) -> Any:
    """The statement `build(session)` makes, built on first use for the session's database dialect and kept.

    For writes on every walk page (an upsert's ON CONFLICT clause and its `excluded` columns take longer
    to build than to run); the statement takes its values as bind parameters.
    """
    key = (name, session.get_bind().dialect.name)
    statement = _BUILT.get(key)
    if statement is None:
        statement = _BUILT[key] = build(session)
    return statement


def bound_values(model: type, *names: str) -> dict[str, Any]:
    """`values()` for an INSERT of `model` taking each named column from a bind parameter of the same name."""
    columns = model.__table__.c  # type: ignore[attr-defined]
    return {name: bindparam(name, type_=columns[name].type) for name in names}


class unindexed(FunctionElement):
    """A column that SQLite must not match to an index: SQLite's no-op unary `+x`; just `x` elsewhere.

    With `user_id IN (members) AND course_id IN (courses)`, SQLite seeks its covering index once per
    member *and* course (200,000 seeks for 10,000 × 20) instead of reading each member's dozen
    entries once and testing the course: over twice the time. Likewise, to count a handful of
    waiting rows among a trainer's 10,000 trainees, SQLite should read the partial index of waiting
    rows and test each against the trainees, not probe once per trainee. PostgreSQL, which plans
    from statistics, sees the plain column (hiding it could cost it a sequential scan)."""

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _compile_unindexed(element: unindexed, compiler, **kw) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _compile_unindexed_sqlite(element: unindexed, compiler, **kw) -> str:
    return "+" + compiler.process(element.clauses, **kw)
