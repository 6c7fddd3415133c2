"""certlang: a certificate records the language(s) it was issued in, and its titles in each

Revision ID: 0008_certlang
Revises: 0008_totp
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_certlang"
down_revision = "0008_totp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        # Every certificate issued before this revision was printed in English.
        batch.add_column(sa.Column("languages", sa.String(40), nullable=False, server_default="en"))
        batch.add_column(sa.Column("localised", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("localised")
        batch.drop_column("languages")
