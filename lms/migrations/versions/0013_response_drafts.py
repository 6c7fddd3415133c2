"""response_drafts: words in a response box, not sent, kept when the trainee takes a break

Revision ID: 0013_response_drafts
Revises: 0012_prompt_language

"Take a break" kept the assessment's answers and a reflection being written, but threw away a
response to trainers that had not been sent. A draft is private until sent (no trainer reads it),
encrypted like a reflection, one per enrolment and response; sending the response removes it.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lms.core.crypto
import lms.core.models

revision = "0013_response_drafts"
down_revision = "0012_prompt_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "response_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.String(length=150), nullable=False),
        sa.Column("text", lms.core.crypto.EncryptedText(), nullable=False),
        sa.Column("updated_at", lms.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolments.id"],
                                name=op.f("fk_response_drafts_enrolment_id_enrolments"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_response_drafts_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_drafts")),
        sa.UniqueConstraint("enrolment_id", "response_id", name="uq_response_drafts_key"),
    )
    op.create_index(op.f("ix_response_drafts_user_id"), "response_drafts", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_response_drafts_user_id"), table_name="response_drafts")
    op.drop_table("response_drafts")
