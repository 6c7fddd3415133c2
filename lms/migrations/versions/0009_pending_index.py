"""pending_index: a partial index of the certificates waiting for sign-off, by holder

The count of certificates waiting for a trainer's sign-off runs on every trainer page; with one
index probe per trainee into every certificate, it cost 90-150 ms for a cohort of 10,000 on a site
of 100,000 (docs/performance.md). The index holds only pending rows.

Revision ID: 0009_pending_index
Revises: 0008_visit_upsert
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_pending_index"
down_revision = "0008_visit_upsert"
branch_labels = None
depends_on = None

PENDING = "status = 'pending'"


def upgrade() -> None:
    op.create_index("ix_certificates_pending_user", "certificates", ["user_id"],
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))


def downgrade() -> None:
    op.drop_index("ix_certificates_pending_user", table_name="certificates")
