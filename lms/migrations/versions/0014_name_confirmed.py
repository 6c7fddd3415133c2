"""name_confirmed: a certificate records whether someone at the organisation issued it with its name

Revision ID: 0014_name_confirmed
Revises: 0013_response_drafts

A certificate claimed without sign-off carries the name its holder typed, unchecked; one approved or
re-issued by a trainer or admin was issued with that name before them. The verification page says which.
Certificates approved or re-issued before this column existed are marked from `approved_by_id`.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_name_confirmed"
down_revision = "0013_response_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: a batch on SQLite copies and drops the table.
    op.add_column("certificates", sa.Column("name_confirmed", sa.Boolean(), server_default=sa.false(),
                                            nullable=False))
    op.execute(sa.text("UPDATE certificates SET name_confirmed = :yes WHERE approved_by_id IS NOT NULL")
               .bindparams(yes=True))


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place, as PostgreSQL does: no copy of `certificates`.
    op.execute("ALTER TABLE certificates DROP COLUMN name_confirmed")
