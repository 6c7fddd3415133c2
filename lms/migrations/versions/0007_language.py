"""language: each person's chosen language (users.language)

Revision ID: 0007_language
Revises: 0007_notify
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_language"
down_revision = "0007_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
