"""notify: coaching news by email, each kind switchable per person (reminder_preferences columns)

Revision ID: 0007_notify
Revises: 0006_journey
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_notify"
down_revision = "0006_journey"
branch_labels = None
depends_on = None

COLUMNS = ("coach_marks", "coach_comments", "coach_confirmations", "coach_replies", "contact_requests")


def upgrade() -> None:
    # Existing rows are people who chose their reminders before these existed: they get the new kinds.
    with op.batch_alter_table("reminder_preferences") as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("reminder_preferences") as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
