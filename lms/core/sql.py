"""SQL helpers shared by the pages that count and sort over many rows (cohort reports, trainers' counts)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.functions import FunctionElement


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
