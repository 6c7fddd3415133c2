"""Private words encrypted at rest: reflections, check-in notes, notes to trainers (and second-factor secrets).

Keys come from configuration, LMS_DATA_KEYS: Fernet keys (AES-128-CBC with an
HMAC-SHA256, from `cryptography`), comma-separated. The first encrypts; every
one decrypts (MultiFernet), so a new key can be put first while the old one
still reads what it wrote, until `lms keys rotate` has re-encrypted everything.

A database dump or backup therefore holds only ciphertext for these columns.
Whoever holds both the database and the keys (the server's operator) can still
read them; see README "Who can read what".

Each app's engine carries its own cipher (on its dialect, see `install`), so the
column type below needs no app context: it works in requests, CLI commands,
migrations and tests alike.
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Engine, Text, inspect, text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

#: Where a Database's cipher hangs on its engine's dialect.
_ATTRIBUTE = "lms_data_cipher"
#: What every Fernet token starts with (version byte 0x80, base64): how a stored value is told from plain text.
TOKEN_PREFIX = "gAAAAA"


class DataKeyError(RuntimeError):
    """The data keys are missing, malformed, or cannot read what is stored."""


def parse_keys(raw: Any) -> list[str]:
    """The keys in LMS_DATA_KEYS: a comma-separated string, or a list from a config file."""
    if raw is None:
        return []
    items: Iterable[Any] = raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, list | tuple) else [raw]
    return [str(item).strip() for item in items if str(item).strip()]


def key_problems(raw: Any) -> list[str]:
    """What is wrong with LMS_DATA_KEYS, naming keys by position (never printing them)."""
    if raw is not None and not isinstance(raw, str | list | tuple):
        return ["LMS_DATA_KEYS must be Fernet keys separated by commas."]
    problems = []
    for position, key in enumerate(parse_keys(raw), start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            problems.append(
                f"LMS_DATA_KEYS: key {position} is not a Fernet key (44 characters of URL-safe base64). "
                "Make one with: lms keys new")
    return problems


def derived_key(secret: str) -> str:
    """A stable Fernet key derived from the app's secret key: for development and the test suite only."""
    digest = hashlib.sha256(b"lms data key v1\0" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def new_key() -> str:
    return Fernet.generate_key().decode()


def make_cipher(keys: Sequence[str]) -> MultiFernet:
    if not keys:
        raise DataKeyError("No data key: set LMS_DATA_KEYS.")
    return MultiFernet([Fernet(key) for key in keys])


def install(engine: Engine, cipher: MultiFernet) -> None:
    """Give this engine's encrypted columns their keys."""
    setattr(engine.dialect, _ATTRIBUTE, cipher)


def cipher_of(dialect: Dialect) -> MultiFernet:
    cipher = getattr(dialect, _ATTRIBUTE, None)
    if cipher is None:
        raise DataKeyError("This database connection has no data keys: it was not opened by the LMS.")
    return cipher


def encrypt(cipher: MultiFernet, text: str) -> str:
    return cipher.encrypt(text.encode()).decode("ascii")


def decrypt(cipher: MultiFernet, stored: str) -> str:
    try:
        return cipher.decrypt(stored.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise DataKeyError(
            "LMS_DATA_KEYS cannot decrypt private text stored in the database: the key that encrypted it is not "
            "among LMS_DATA_KEYS. Put the previous key back (after the new one) and run `lms keys rotate`.") from exc


class EncryptedText(TypeDecorator):
    """Text stored encrypted with the app's data keys and read back as plain text.

    Services and templates see plain strings; the column holds only Fernet tokens.
    The empty string stays empty (it says nothing, and "" stays queryable); any
    other value, however short, is encrypted. Equality in SQL cannot work on
    these columns (each encryption differs): never filter or sort by them.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return value
        return encrypt(cipher_of(dialect), value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(cipher_of(dialect), value)


#: (table, primary key, column) of every encrypted column: what the migration, the
#: start-up check and `lms keys rotate` go through.
ENCRYPTED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("reflection_entries", "id", "text"),
    ("response_drafts", "id", "text"),  # a response not sent yet (lms/learning/responses.py)
    ("wellbeing_checkins", "id", "note"),
    ("contact_requests", "id", "note_for_trainer"),
    ("second_factors", "user_id", "secret"),  # staff's authenticator app secrets (lms/accounts/second_factor.py)
)


def check_keys(engine: Engine) -> None:
    """Raise DataKeyError if the keys cannot read the newest encrypted value of each column.

    At start-up: a wrong or missing key is a clear error then, not a broken page
    later. A database not migrated yet (no tables, or plain text still) has nothing to check."""
    cipher = cipher_of(engine.dialect)
    names = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        for table, key, column in ENCRYPTED_COLUMNS:
            if table not in names:
                continue
            stored = connection.execute(
                text(f"SELECT {column} FROM {table} WHERE {column} LIKE :token ORDER BY {key} DESC LIMIT 1"),
                {"token": TOKEN_PREFIX + "%"}).scalar()
            if stored is not None:
                decrypt(cipher, stored)


def rotate(engine: Engine, batch: int = 500) -> int:
    """Re-encrypt every encrypted value with the first key; returns how many were rewritten.

    Run after putting a new key first in LMS_DATA_KEYS; afterwards the old key may be removed."""
    cipher = cipher_of(engine.dialect)
    rewritten = 0
    for table, key, column in ENCRYPTED_COLUMNS:
        last = 0
        while True:
            with engine.begin() as connection:
                rows = connection.execute(
                    text(f"SELECT {key}, {column} FROM {table} WHERE {key} > :last AND {column} <> '' "
                         f"ORDER BY {key} LIMIT :batch"), {"last": last, "batch": batch}).all()
                for row_id, stored in rows:
                    connection.execute(text(f"UPDATE {table} SET {column} = :value WHERE {key} = :id"),
                                       {"value": _rotated(cipher, stored), "id": row_id})
            if not rows:
                break
            rewritten += len(rows)
            last = rows[-1][0]
    return rewritten


def _rotated(cipher: MultiFernet, stored: str) -> str:
    try:
        return cipher.rotate(stored.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError):
        decrypt(cipher, stored)  # raises the DataKeyError that says what to do
        raise
