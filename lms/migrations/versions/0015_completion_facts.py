"""completion_facts: an enrolment keeps, at completion, what its certificate will state that the course could change

Revision ID: 0015_completion_facts
Revises: 0014_name_confirmed

A certificate claimed after trainers edited the course took its learning time, validity and "Assessed:"
words from the course as it is at the claim: a one-hour reading course completed, then given six hours, a
role-play and an assessment, printed all of them. The enrolment now records them as they were when it
completed, and the certificate reads them there. Completions before this column existed read the course.

Plain ADD COLUMN, not batch mode: the triggers of 0008_visit_upsert and 0011_cohort_facts name `enrolments`.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_completion_facts"
down_revision = "0014_name_confirmed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("enrolments", sa.Column("completion_facts", sa.JSON(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35 and later), not a batch rebuild of `enrolments`, for the same triggers.
    op.execute("ALTER TABLE enrolments DROP COLUMN completion_facts")
