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
