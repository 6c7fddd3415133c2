"""Alembic environment: runs against the engine that `lms.core.db` hands over.

On SQLite, foreign keys are switched off while migrations run. Batch mode changes a table
by copying it, dropping the original and renaming the copy; with foreign keys on, dropping
`users` would delete (ON DELETE CASCADE) every row that points at it: enrolments, progress,
certificates. The pragma only takes effect outside a transaction, so it is set on the driver's
connection before the migration's transaction begins. Before that transaction commits,
`PRAGMA foreign_key_check` must find no broken reference, and the pragma is set back on
before the connection returns to the pool.
"""
from alembic import context
from sqlalchemy import text

from lms.models import Base  # the index: every table is registered

config = context.config
engine = config.attributes["engine"]


class BrokenReferences(RuntimeError):
    """A migration left rows pointing at rows that do not exist (SQLite, checked before commit)."""


def _set_sqlite_foreign_keys(connection, on: bool) -> None:
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _set_sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,  # SQLite cannot ALTER most things
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.execute(text("PRAGMA foreign_key_check")).all()
                if broken:
                    raise BrokenReferences(f"the migration would leave {len(broken)} broken reference(s), "
                                           f"first in table {broken[0][0]}; nothing was changed")
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()  # the pragma is ignored inside a transaction
            _set_sqlite_foreign_keys(connection, on=True)
