"""drop kept pages' versions: the walk benchmark showed the per-worker page cache did not pay (docs/performance.md)

Revision ID: 0007_drop_page_cache
Revises: 0007_language
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_drop_page_cache"
down_revision = "0007_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("site_versions")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("pages_version")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("pages_version", sa.Integer(), nullable=False, server_default="0"))
    site_versions = op.create_table(
        "site_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_versions")),
    )
    op.bulk_insert(site_versions, [{"id": 1, "version": 0}])
