"""a covering index on enrolments for the cohort progress table

Revision ID: 0003_trainer
Revises: 0002_training
"""
from alembic import op

revision = "0003_trainer"
down_revision = "0002_training"
branch_labels = None
depends_on = None

COLUMNS = ["user_id", "course_id", "cycle", "completed_at", "last_active_at"]


def upgrade() -> None:
    op.create_index("ix_enrolments_report", "enrolments", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_enrolments_report", table_name="enrolments")
