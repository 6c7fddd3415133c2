"""Issue 14: unsubmitted assessment answers kept when the trainee takes a break

Revision ID: 0006_journey
Revises: 0006_mail
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_journey"
down_revision = "0006_mail"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assessment_draws") as batch:
        batch.add_column(sa.Column("draft", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assessment_draws") as batch:
        batch.drop_column("draft")
