"""mail: the job queue, reminders' unique keys, reminder preferences, who assigned a course

Revision ID: 0006_mail
Revises: 0006_coaching
"""
import sqlalchemy as sa
from alembic import op

import lms.core.models

revision = "0006_mail"
down_revision = "0006_coaching"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("run_at", lms.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("locked_until", lms.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", lms.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failed_at", lms.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.create_index("ix_jobs_due", ["status", "run_at"], unique=False)

    op.create_table(
        "sent_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("sent_at", lms.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sent_reminders_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_reminders")),
        sa.UniqueConstraint("user_id", "subject", "kind", "on_date", name="uq_sent_reminders_key"),
    )

    op.create_table(
        "reminder_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("due_dates", sa.Boolean(), nullable=False),
        sa.Column("refreshers", sa.Boolean(), nullable=False),
        sa.Column("nudges", sa.Boolean(), nullable=False),
        sa.Column("sign_offs", sa.Boolean(), nullable=False),
        sa.Column("updated_at", lms.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_reminder_preferences_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_reminder_preferences")),
    )

    with op.batch_alter_table("cohort_courses") as batch_op:
        batch_op.add_column(sa.Column("assigned_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_cohort_courses_assigned_by_id_users"), "users",
                                    ["assigned_by_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("cohort_courses") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cohort_courses_assigned_by_id_users"), type_="foreignkey")
        batch_op.drop_column("assigned_by_id")
    op.drop_table("reminder_preferences")
    op.drop_table("sent_reminders")
    op.drop_table("jobs")
