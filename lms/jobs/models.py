"""A job waiting to run (or that failed for good): the queue is this table."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.models import Base, UTCDateTime, utcnow

QUEUED, FAILED = "queued", "failed"


#: Tries before a job is kept as failed: with `queue.backoff`, about 20 hours of retrying (1, 2, 4 ... minutes,
#: then every 6 hours), so an e-mail outlives a mail server down for an evening. Five tries gave up after 15 minutes.
DEFAULT_MAX_ATTEMPTS = 12


class Job(Base):
    """One unit of work. Done jobs are deleted (their payload may hold a link); failed ones are kept."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=DEFAULT_MAX_ATTEMPTS)
    last_error: Mapped[str | None] = mapped_column(Text)
    # A claim is a lease: a worker that dies mid-job lets it go when the lease ends.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
