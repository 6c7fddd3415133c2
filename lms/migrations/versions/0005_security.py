"""security and privacy: login attempts per address, shared rate limits

Revision ID: 0005_security
Revises: 0004_page_versions
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_security"
down_revision = "0004_page_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_attempts") as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("login_attempts") as batch_op:
        batch_op.drop_column("address")
