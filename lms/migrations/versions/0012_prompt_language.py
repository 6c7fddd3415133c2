"""prompt_language: a saved reflection remembers the language its prompt was written in

Revision ID: 0012_prompt_language
Revises: 0011_cohort_facts

A reflection keeps its prompt's words (`prompt_text`) so that My reflections and the export
still read well after the course changes. A prompt from a step not translated yet is English
on a Welsh page; without its language, a screen reader read it with Welsh sounds (WCAG 3.1.2).
Rows saved before this have no language (NULL): they are shown in the page's language, as before.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_prompt_language"
down_revision = "0011_cohort_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reflection_entries", sa.Column("prompt_language", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reflection_entries") as batch:
        batch.drop_column("prompt_language")
