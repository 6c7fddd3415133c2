"""Migrations: they build exactly the schema the models describe, on both backends."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lms.core.db import db
from lms.models import Base  # the index: every table is registered


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_downgrade_and_upgrade_again(app):
    from alembic import command

    command.downgrade(db.alembic_config(), "base")
    db.upgrade()
    db.check_schema()


#: Values for columns a CHECK constraint limits, where "x" would not do.
CHECKED_VALUES = {"role": "trainee", "status": "issued", "kind": "course", "verdict": "meets", "outcome": "passed"}


def _one_row_in_every_table(connection) -> dict[str, int]:
    """Insert one row into every table of the schema as it stands, each pointing at its parents' rows."""
    import datetime

    from sqlalchemy import MetaData, insert, types

    metadata = MetaData()
    metadata.reflect(connection)
    ids: dict[str, object] = {}
    now = datetime.datetime(2026, 3, 1, 12, 0)
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        row: dict[str, object] = {}
        for column in table.columns:
            references = [fk.column.table.name for fk in column.foreign_keys]
            if references and references[0] in ids:
                row[column.name] = ids[references[0]]
            elif (column.primary_key and isinstance(column.type, types.Integer)) or column.nullable \
                    or column.server_default is not None:
                continue  # the database fills it, or it may stay empty
            elif column.name in CHECKED_VALUES:
                row[column.name] = CHECKED_VALUES[column.name]
            elif isinstance(column.type, types.Boolean):
                row[column.name] = True
            elif isinstance(column.type, types.Integer):
                row[column.name] = 1
            elif isinstance(column.type, types.DateTime):
                row[column.name] = now
            elif isinstance(column.type, types.Date):
                row[column.name] = now.date()
            elif isinstance(column.type, types.LargeBinary):
                row[column.name] = b"x"
            else:
                row[column.name] = f"{table.name}-{column.name}"
        result = connection.execute(insert(table).values(row))
        ids[table.name] = result.inserted_primary_key[0] if result.inserted_primary_key else None
    return dict.fromkeys(ids, 1)


def _row_counts(connection, tables) -> dict[str, int]:
    from sqlalchemy import text

    return {name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar() for name in tables}


def test_migrating_up_and_down_keeps_every_row(app):
    """Batch mode rebuilds a SQLite table by copy, drop and rename: with foreign keys on, dropping
    `users` deleted every enrolment that pointed at it. No migration may lose a row it does not mean to."""
    from alembic import command

    config = db.alembic_config()
    command.downgrade(config, "base")
    command.upgrade(config, "0002_training")
    with db.engine.begin() as connection:
        expected = _one_row_in_every_table(connection)
    command.upgrade(config, "head")
    with db.engine.connect() as connection:
        assert _row_counts(connection, expected) == expected
    command.downgrade(config, "0002_training")
    with db.engine.connect() as connection:
        assert _row_counts(connection, expected) == expected
    command.upgrade(config, "head")
    db.check_schema()
