"""format v1.1 learning: assessment draws, critical misses, responses, trainer-confirmed steps

Revision ID: 0005_v11learn
Revises: 0004_page_versions
"""
import sqlalchemy as sa
from alembic import op

import lms.core.models

revision = "0005_v11learn"
down_revision = "0004_page_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", lms.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolments.id"],
                                name=op.f("fk_assessment_draws_enrolment_id_enrolments"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_draws")),
        sa.UniqueConstraint("enrolment_id", "step_id", "number", name="uq_assessment_draws_number"),
    )
    with op.batch_alter_table("assessment_draws") as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_draws_enrolment_id"), ["enrolment_id"], unique=False)

    with op.batch_alter_table("assessment_attempts") as batch_op:
        batch_op.add_column(sa.Column("draw_id", sa.Integer(), nullable=True))
        # Attempts made before v1.1 had no critical questions: nothing missed.
        batch_op.add_column(sa.Column("critical_missed", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.create_foreign_key(batch_op.f("fk_assessment_attempts_draw_id_assessment_draws"),
                                    "assessment_draws", ["draw_id"], ["id"], ondelete="SET NULL")
    with op.batch_alter_table("assessment_attempts") as batch_op:
        batch_op.alter_column("critical_missed", server_default=None)

    op.create_table(
        "response_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.String(length=100), nullable=False),
        sa.Column("step_id", sa.String(length=100), nullable=False),
        sa.Column("response_id", sa.String(length=150), nullable=False),
        sa.Column("prompt_text", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("submitted_at", lms.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewer_comment", sa.Text(), nullable=False),
        sa.Column("reviewed_at", lms.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolments.id"],
                                name=op.f("fk_response_entries_enrolment_id_enrolments"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"],
                                name=op.f("fk_response_entries_reviewer_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_response_entries_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_entries")),
        sa.UniqueConstraint("enrolment_id", "response_id", name="uq_response_entries_key"),
    )
    with op.batch_alter_table("response_entries") as batch_op:
        batch_op.create_index(batch_op.f("ix_response_entries_enrolment_id"), ["enrolment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_response_entries_user_id"), ["user_id"], unique=False)

    op.create_table(
        "step_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ready_at", lms.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", lms.core.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["confirmed_by_id"], ["users.id"],
                                name=op.f("fk_step_confirmations_confirmed_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolments.id"],
                                name=op.f("fk_step_confirmations_enrolment_id_enrolments"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_confirmations")),
        sa.UniqueConstraint("enrolment_id", "step_id", name="uq_step_confirmations_key"),
    )
    with op.batch_alter_table("step_confirmations") as batch_op:
        batch_op.create_index(batch_op.f("ix_step_confirmations_enrolment_id"), ["enrolment_id"], unique=False)


def downgrade() -> None:
    op.drop_table("step_confirmations")
    op.drop_table("response_entries")
    with op.batch_alter_table("assessment_attempts") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_assessment_attempts_draw_id_assessment_draws"), type_="foreignkey")
        batch_op.drop_column("critical_missed")
        batch_op.drop_column("draw_id")
    op.drop_table("assessment_draws")
