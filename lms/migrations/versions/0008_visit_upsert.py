"""visit upsert: a step visit is one statement; the step's row keeps when it was last seen, the database moves the enrolment's place

Revision ID: 0008_visit_upsert
Revises: 0008_certlang

Opening a step wrote twice: an UPDATE of the enrolment's place (`last_step_id`,
`last_active_at`) and an INSERT of the step's row. Now the page sends one upsert
of the step's row (`last_seen_at`), and a trigger on `step_progress` copies the
visit to the enrolment, so the reports, reminders and "Continue" that read
`enrolments.last_*` (and its covering index) are unchanged.

SQLite: a later migration that rebuilds `enrolments` in batch mode (copy to a
temporary table, drop, rename) fails with "error in trigger
trg_step_progress_place_*: no such table"; drop the triggers first and create
them again after (`drop_triggers` / `create_triggers` below). Adding a column
(plain ALTER TABLE) is not affected.
"""
import sqlalchemy as sa
from alembic import op

import lms.core.models

revision = "0008_visit_upsert"
down_revision = "0008_certlang"
branch_labels = None
depends_on = None


_POSTGRESQL = (
    """CREATE FUNCTION step_progress_place() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE enrolments SET last_step_id = NEW.step_id, last_active_at = NEW.last_seen_at
        WHERE id = NEW.enrolment_id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER trg_step_progress_place AFTER INSERT OR UPDATE OF last_seen_at ON step_progress
    FOR EACH ROW EXECUTE FUNCTION step_progress_place()""",
)
_SQLITE_BODY = """BEGIN
    UPDATE enrolments SET last_step_id = NEW.step_id, last_active_at = NEW.last_seen_at
    WHERE id = NEW.enrolment_id;
END"""
_SQLITE = (
    f"CREATE TRIGGER trg_step_progress_place_insert AFTER INSERT ON step_progress FOR EACH ROW {_SQLITE_BODY}",
    f"CREATE TRIGGER trg_step_progress_place_update AFTER UPDATE OF last_seen_at ON step_progress "
    f"FOR EACH ROW {_SQLITE_BODY}",
)


def create_triggers() -> None:
    for statement in _POSTGRESQL if op.get_bind().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)


def drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_step_progress_place ON step_progress")
        op.execute("DROP FUNCTION IF EXISTS step_progress_place()")
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_step_progress_place_insert")
        op.execute("DROP TRIGGER IF EXISTS trg_step_progress_place_update")


def upgrade() -> None:
    with op.batch_alter_table("step_progress") as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", lms.core.models.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE step_progress SET last_seen_at = first_seen_at")
    # The step each enrolment was last on was seen when the enrolment was last active.
    op.execute("""UPDATE step_progress SET last_seen_at = (
                      SELECT e.last_active_at FROM enrolments e WHERE e.id = step_progress.enrolment_id)
                  WHERE step_id = (SELECT e.last_step_id FROM enrolments e WHERE e.id = step_progress.enrolment_id)""")
    with op.batch_alter_table("step_progress") as batch_op:
        batch_op.alter_column("last_seen_at", existing_type=lms.core.models.UTCDateTime(timezone=True),
                              nullable=False)
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    with op.batch_alter_table("step_progress") as batch_op:
        batch_op.drop_column("last_seen_at")
