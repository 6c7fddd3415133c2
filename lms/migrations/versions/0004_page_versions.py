"""versions that tell a cached page it is still current

Revision ID: 0004_page_versions
Revises: 0003_trainer
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_page_versions"
down_revision = "0003_trainer"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("pages_version", sa.Integer(), nullable=False, server_default="0"))
    site_versions = op.create_table(
        "site_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_versions")),
    )
    op.bulk_insert(site_versions, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("site_versions")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("pages_version")
