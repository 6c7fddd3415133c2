"""security and privacy: login attempts per address, shared rate limits

Revision ID: 0005_security
Revises: 0005_v11learn
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_security"
down_revision = "0005_v11learn"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_attempts") as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(64), nullable=True))
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window", name=op.f("pk_rate_limit_counters")),
    )
    op.create_index(op.f("ix_rate_limit_counters_expires"), "rate_limit_counters", ["expires"])


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_limit_counters_expires"), table_name="rate_limit_counters")
    op.drop_table("rate_limit_counters")
    with op.batch_alter_table("login_attempts") as batch_op:
        batch_op.drop_column("address")
