"""report_indexes: partial indexes for what trainers' pages count on every view

At a cohort of 10,000 on a site of 100,000 trainees (bench/cohort_progress.py,
docs/performance.md): the cohort summary read every member's enrolments to count
the completed ones; the progress table read each enrolment's step rows to count
the completed steps; and the "needs you" counts on every trainer page probed each
supervised trainee for waiting responses, steps to confirm and open requests,
where only a handful of rows wait. Each partial index holds only the rows counted.
Sorting by progress in one course read 50,000 rows of enrolments on PostgreSQL:
a covering index by course replaces the index of course ids. The index of step
rows by enrolment goes: the unique (enrolment, step) pair serves those lookups.

Revision ID: 0010_report_indexes
Revises: 0009_pending_index
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_report_indexes"
down_revision = "0009_pending_index"
branch_labels = None
depends_on = None

#: (name, table, columns, the rows it holds), as in the models.
INDEXES = (
    ("ix_enrolments_completed", "enrolments", ["user_id", "course_id"], "completed_at IS NOT NULL"),
    ("ix_step_progress_completed", "step_progress", ["enrolment_id", "step_id"], "completed_at IS NOT NULL"),
    ("ix_response_entries_submitted", "response_entries", ["user_id"], "status = 'submitted'"),
    ("ix_step_confirmations_ready", "step_confirmations", ["enrolment_id"], "status = 'ready'"),
    ("ix_contact_requests_open", "contact_requests", ["user_id"], "status = 'open'"),
)


#: Sorting by progress in one course reads the course's rows from the index alone (PostgreSQL read
#: 50,000 rows of the table for it); it replaces the index of course ids.
BY_COURSE = ["course_id", "user_id", "cycle", "completed_at", "last_active_at", "id"]


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        op.create_index(name, table, columns, postgresql_where=sa.text(where), sqlite_where=sa.text(where))
    op.create_index("ix_enrolments_by_course", "enrolments", BY_COURSE)
    op.drop_index("ix_enrolments_course_id", table_name="enrolments")
    # The unique (enrolment_id, step_id) serves every lookup by enrolment: one index less to write per visit.
    op.drop_index("ix_step_progress_enrolment_id", table_name="step_progress")


def downgrade() -> None:
    op.create_index("ix_step_progress_enrolment_id", "step_progress", ["enrolment_id"])
    op.create_index("ix_enrolments_course_id", "enrolments", ["course_id"])
    op.drop_index("ix_enrolments_by_course", table_name="enrolments")
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
