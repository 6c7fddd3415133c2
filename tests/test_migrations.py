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


def test_0011_lists_each_enrolments_completed_steps_and_keeps_the_list(app):
    """The migration fills the list from the step rows already there; its triggers keep it; down drops both."""
    from alembic import command
    from sqlalchemy import insert, inspect, text

    from lms.accounts.models import User

    config = db.alembic_config()
    command.downgrade(config, "0010_report_indexes")
    with db.engine.begin() as connection:
        # users is as the models say at 0010: its Python defaults fill the columns not given.
        user_id = connection.execute(insert(User.__table__).values(
            email="a@example.org", display_name="A", password_hash="x", role="trainee")).inserted_primary_key[0]
        for cycle in (1, 2):
            connection.execute(text("INSERT INTO enrolments (user_id, course_id, cycle, started_at, last_active_at) "
                                    "VALUES (:u, 'listening', :c, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                               {"u": user_id, "c": cycle})
        first, second = connection.execute(text("SELECT id FROM enrolments ORDER BY cycle")).scalars().all()
        for enrolment_id, step_id, done in ((first, "welcome", True), (first, "practice", True),
                                            (first, "optional", False), (second, "welcome", False)):
            connection.execute(text("INSERT INTO step_progress (enrolment_id, step_id, first_seen_at, last_seen_at, "
                                    "completed_at) VALUES (:e, :s, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
                                    + ("CURRENT_TIMESTAMP)" if done else "NULL)")), {"e": enrolment_id, "s": step_id})
    command.upgrade(config, "head")

    def listed() -> list[str]:
        with db.engine.connect() as connection:
            return list(connection.execute(text("SELECT completed_steps FROM enrolments ORDER BY cycle")).scalars())
    assert listed() == ["[practice][welcome]", ""]
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE step_progress SET completed_at = CURRENT_TIMESTAMP "
                                "WHERE enrolment_id = :e AND step_id = 'welcome'"), {"e": second})
    assert listed() == ["[practice][welcome]", "[welcome]"]
    command.downgrade(config, "0010_report_indexes")
    assert "completed_steps" not in {c["name"] for c in inspect(db.engine).get_columns("enrolments")}
    with db.engine.begin() as connection:  # the visit trigger of 0008 still moves the place, and nothing else fails
        connection.execute(text("UPDATE step_progress SET completed_at = NULL WHERE enrolment_id = :e"), {"e": second})
    command.upgrade(config, "head")
    assert listed() == ["[practice][welcome]", ""]
    db.check_schema()
