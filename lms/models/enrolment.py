"""One pass of a trainee through a course; a retake starts a new cycle."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.models.base import Base, UTCDateTime, utcnow


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "cycle", name="uq_enrolments_user_course_cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Content ids, not foreign keys: courses live in folders, not the database.
    course_id: Mapped[str] = mapped_column(String(100), index=True)
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_step_id: Mapped[str | None] = mapped_column(String(100))
    last_active_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Once set, never cleared: a completion stands even if the course changes.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_version: Mapped[str | None] = mapped_column(String(64))
