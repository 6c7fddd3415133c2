"""The declarative base, shared column helpers, and the site-wide tables no feature owns (settings, site version)."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, MetaData, String, TypeDecorator, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: The largest value an INTEGER column holds on every backend: the bound for ids (and page numbers) in URLs.
MAX_INTEGER = 2**31 - 1


def parse_id(text: str | None) -> int | None:
    """A stored id (or a position, a count) written as text: ASCII digits within MAX_INTEGER; else None.

    `str.isdigit` alone accepts '²' and other digits `int()` refuses, and a number past MAX_INTEGER
    overflows SQLite's integer: either must reach the caller's own message, never a 500.
    """
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_INTEGER)):
        return None
    value = int(text)
    return value if value <= MAX_INTEGER else None

# Stable constraint names so that Alembic migrations work on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def partial_index(name: str, *columns: str, where: str) -> Index:
    """An index of only the rows matching `where` (SQL), on SQLite and PostgreSQL alike.

    For the few rows a page counts on every view (pending, open, completed): the index stays
    small, and writes to other rows never touch it. A query uses it only if its condition is
    written into the SQL as `where` is, not bound as a parameter (`literal(..., literal_execute=True)`).
    """
    return Index(name, *columns, postgresql_where=text(where), sqlite_where=text(where))


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite drops time zones; this keeps comparisons consistent on both backends.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use lms.core.models.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# -- A site setting changed in the admin UI; overrides the configuration.


class SiteSetting(Base):
    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# -- A count of requests of one kind from one client in one fixed window (lms.core.ratelimit).


class RateLimitCounter(Base):
    __tablename__ = "rate_limit_counters"

    # e.g. "verify:203.0.113.9": what is limited, and for whom.
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    # Which window: the time in seconds divided by the window's length.
    window: Mapped[int] = mapped_column(Integer, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    # When the row can go (epoch seconds): counters are swept as they expire.
    expires: Mapped[int] = mapped_column(Integer, index=True)
