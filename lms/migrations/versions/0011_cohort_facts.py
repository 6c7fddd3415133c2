"""cohort_facts: each enrolment carries its completed steps (kept by the database); its members' enrolments indexed most recent first

Revision ID: 0011_cohort_facts
Revises: 0010_report_indexes

Sorting a cohort's progress table by progress in a course needs, for each of up to 10,000
members, the number of that course's required steps completed in their latest cycle. It
was counted from `step_progress` (a probe per member's enrolment): 200-400 ms at 10,000
members. Now `enrolments.completed_steps` holds the enrolment's completed step ids, each
written `[step-id]` (ids are slugs, so the brackets never occur inside one), and the sort
reads one row per enrolment and tests the course's required ids in it: exact whatever the
course's required steps are today.

Triggers on `step_progress` keep it, in the statement that changes the step's row: a row
inserted completed, a completion set or cleared, a step id changed, a completed row
deleted. No write path in Python touches it (bulk loads that switch triggers off must
write it themselves, as bench/cohort_progress.py does).

Sorting a cohort by last activity over its courses took each member's latest activity as a max()
over all their enrolments (130,000 index entries for 10,000 members). `ix_enrolments_report` now
orders each member's enrolments most recent first (member, last activity, course, cycle,
completion: the same columns, so a visit writes no more than before), and the sort reads the
first entry in one of the cohort's courses: one or two entries per member.

The status filters read the members' issued certificates of the courses filtered: PostgreSQL
read every certificate of those courses on the site from the table (43,000 for four courses); a
partial index of issued certificates by course, holder and validity serves them from the index.

SQLite: like 0008_visit_upsert's, these triggers name `enrolments`; a later migration that
rebuilds `enrolments` in batch mode must drop them first (`drop_triggers` below) and create
them again after. One that rebuilds `step_progress` drops them with the table: it must create
them again after.
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_cohort_facts"
down_revision = "0010_report_indexes"
branch_labels = None
depends_on = None

_NEW = "'[' || NEW.step_id || ']'"
_OLD = "'[' || OLD.step_id || ']'"
#: The enrolment's list after each change: a token is removed before it is added, so it is never there twice.
_ON_INSERT = f"UPDATE enrolments SET completed_steps = replace(completed_steps, {_NEW}, '') || {_NEW} " \
             "WHERE id = NEW.enrolment_id"
_ON_UPDATE = (f"UPDATE enrolments SET completed_steps = replace(replace(completed_steps, {_OLD}, ''), {_NEW}, '') "
              f"|| CASE WHEN NEW.completed_at IS NOT NULL THEN {_NEW} ELSE '' END WHERE id = NEW.enrolment_id")
_ON_DELETE = f"UPDATE enrolments SET completed_steps = replace(completed_steps, {_OLD}, '') WHERE id = OLD.enrolment_id"

_POSTGRESQL = (
    f"""CREATE FUNCTION step_progress_completed_steps() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_ON_INSERT};
        ELSIF TG_OP = 'UPDATE' THEN
            {_ON_UPDATE};
        ELSE
            {_ON_DELETE};
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER trg_step_progress_done_insert AFTER INSERT ON step_progress
    FOR EACH ROW WHEN (NEW.completed_at IS NOT NULL) EXECUTE FUNCTION step_progress_completed_steps()""",
    """CREATE TRIGGER trg_step_progress_done_update AFTER UPDATE OF completed_at, step_id ON step_progress
    FOR EACH ROW WHEN ((OLD.completed_at IS NULL) <> (NEW.completed_at IS NULL) OR OLD.step_id <> NEW.step_id)
    EXECUTE FUNCTION step_progress_completed_steps()""",
    """CREATE TRIGGER trg_step_progress_done_delete AFTER DELETE ON step_progress
    FOR EACH ROW WHEN (OLD.completed_at IS NOT NULL) EXECUTE FUNCTION step_progress_completed_steps()""",
)
_SQLITE = (
    f"""CREATE TRIGGER trg_step_progress_done_insert AFTER INSERT ON step_progress
    FOR EACH ROW WHEN NEW.completed_at IS NOT NULL BEGIN {_ON_INSERT}; END""",
    f"""CREATE TRIGGER trg_step_progress_done_update AFTER UPDATE OF completed_at, step_id ON step_progress
    FOR EACH ROW WHEN (OLD.completed_at IS NULL) <> (NEW.completed_at IS NULL) OR OLD.step_id <> NEW.step_id
    BEGIN {_ON_UPDATE}; END""",
    f"""CREATE TRIGGER trg_step_progress_done_delete AFTER DELETE ON step_progress
    FOR EACH ROW WHEN OLD.completed_at IS NOT NULL BEGIN {_ON_DELETE}; END""",
)
_TRIGGERS = ("trg_step_progress_done_insert", "trg_step_progress_done_update", "trg_step_progress_done_delete")


def create_triggers() -> None:
    for statement in _POSTGRESQL if op.get_bind().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)


def drop_triggers() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON step_progress" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS step_progress_completed_steps()")


#: The certificates a cohort's status filters read (lms.certificates.models.ISSUED).
_ISSUED = "status = 'issued'"
#: ix_enrolments_report before and after (as in lms.cohorts.models).
_REPORT_BEFORE = ["user_id", "course_id", "cycle", "completed_at", "last_active_at"]
_REPORT_AFTER = ["user_id", "last_active_at", "course_id", "cycle", "completed_at"]


def _report_index(columns: list[str]) -> None:
    op.drop_index("ix_enrolments_report", table_name="enrolments")
    op.create_index("ix_enrolments_report", "enrolments", columns)


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (not batch mode: no rebuild of enrolments).
    op.add_column("enrolments", sa.Column("completed_steps", sa.Text(), nullable=False, server_default=""))
    tokens = ("string_agg('[' || s.step_id || ']', '' ORDER BY s.step_id)"
              if op.get_bind().dialect.name == "postgresql" else "group_concat('[' || s.step_id || ']', '')")
    op.execute(f"""UPDATE enrolments SET completed_steps = (
                       SELECT {tokens} FROM step_progress s
                       WHERE s.enrolment_id = enrolments.id AND s.completed_at IS NOT NULL)
                   WHERE id IN (SELECT enrolment_id FROM step_progress WHERE completed_at IS NOT NULL)""")
    create_triggers()
    _report_index(_REPORT_AFTER)
    op.create_index("ix_certificates_issued_course", "certificates", ["course_id", "user_id", "valid_until"],
                    postgresql_where=sa.text(_ISSUED), sqlite_where=sa.text(_ISSUED))


def downgrade() -> None:
    op.drop_index("ix_certificates_issued_course", table_name="certificates")
    _report_index(_REPORT_BEFORE)
    drop_triggers()
    # SQLite 3.35+ drops a column in place (the column is in no index): no batch rebuild of enrolments.
    op.execute("ALTER TABLE enrolments DROP COLUMN completed_steps")
