"""coaching: comments on role-play runs, sharing a practice run, contact requests

Revision ID: 0006_coaching
Revises: 0005_security
"""
import sqlalchemy as sa
from alembic import op

import lms.core.models

revision = "0006_coaching"
down_revision = "0005_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scenario_runs") as batch_op:
        batch_op.add_column(sa.Column("shared_with_trainers_at", lms.core.models.UTCDateTime(timezone=True),
                                      nullable=True))

    op.create_table(
        "run_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", lms.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reply_text", sa.Text(), nullable=True),
        sa.Column("replied_at", lms.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_run_comments_author_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["run_id"], ["scenario_runs.id"],
                                name=op.f("fk_run_comments_run_id_scenario_runs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_comments")),
    )
    with op.batch_alter_table("run_comments") as batch_op:
        batch_op.create_index(batch_op.f("ix_run_comments_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_run_comments_author_id"), ["author_id"], unique=False)

    op.create_table(
        "contact_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("note_for_trainer", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", lms.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("followed_up_at", lms.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("followed_up_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", lms.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["checkin_id"], ["wellbeing_checkins.id"],
                                name=op.f("fk_contact_requests_checkin_id_wellbeing_checkins"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["followed_up_by_id"], ["users.id"],
                                name=op.f("fk_contact_requests_followed_up_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_contact_requests_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_requests")),
    )
    with op.batch_alter_table("contact_requests") as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_requests_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("contact_requests")
    op.drop_table("run_comments")
    with op.batch_alter_table("scenario_runs") as batch_op:
        batch_op.drop_column("shared_with_trainers_at")
