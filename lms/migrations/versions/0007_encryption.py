"""encryption: admin resets that work once and must be replaced; private words encrypted at rest

Revision ID: 0007_encryption
Revises: 0007_drop_page_cache
"""
import sqlalchemy as sa
from alembic import op

import lms.core.models
from lms.core import crypto

revision = "0007_encryption"
down_revision = "0007_drop_page_cache"
branch_labels = None
depends_on = None


#: The columns this revision encrypts (frozen here: a later revision encrypting more lists its own).
COLUMNS = (
    ("reflection_entries", "id", "text"),
    ("wellbeing_checkins", "id", "note"),
    ("contact_requests", "id", "note_for_trainer"),
)


def _convert(change, match: str) -> None:
    """Rewrite every value of COLUMNS that is (`LIKE`) or is not (`NOT LIKE`) a Fernet token with `change`."""
    bind = op.get_bind()
    for table, key, column in COLUMNS:
        last = 0
        while True:
            rows = bind.execute(sa.text(
                f"SELECT {key}, {column} FROM {table} WHERE {key} > :last AND {column} <> '' AND {column} {match} :token "
                f"ORDER BY {key} LIMIT 500"), {"last": last, "token": crypto.TOKEN_PREFIX + "%"}).all()
            if not rows:
                break
            cipher = crypto.cipher_of(bind.dialect)  # only needed (and required) when there is something to do
            for row_id, value in rows:
                bind.execute(sa.text(f"UPDATE {table} SET {column} = :value WHERE {key} = :id"),
                             {"value": change(cipher, value), "id": row_id})
            last = rows[-1][0]


#: The columns added to users for temporary passwords.
USER_COLUMNS = ("temporary_password_until", "must_change_password", "password_reset_by_admin_at")


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: on SQLite a batch copies and drops `users`, and with foreign
    # keys on, dropping it cascades to every reflection, run and certificate of every user.
    op.add_column("users", sa.Column("temporary_password_until", lms.core.models.UTCDateTime(timezone=True),
                                     nullable=True))
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(),
                                     nullable=False))
    op.add_column("users", sa.Column("password_reset_by_admin_at", lms.core.models.UTCDateTime(timezone=True),
                                     nullable=True))
    # Reflections, check-in notes and notes to trainers written before: encrypted now.
    _convert(crypto.encrypt, "NOT LIKE")


def downgrade() -> None:
    _convert(crypto.decrypt, "LIKE")
    for column in reversed(USER_COLUMNS):
        # SQLite (3.35+) drops a column in place: no copy of `users`, so no cascade (see upgrade).
        op.execute(f"ALTER TABLE users DROP COLUMN {column}")
