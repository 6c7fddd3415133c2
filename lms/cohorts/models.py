"""A group of trainees supervised by trainers, with assigned courses."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.models import Base, UTCDateTime, utcnow
from lms.learning.models import Enrolment


class Cohort(Base):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CohortTrainer(Base):
    """A trainer who supervises the cohort (its creator, and any co-trainers)."""

    __tablename__ = "cohort_trainers"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", name="uq_cohort_trainers_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class CohortMember(Base):
    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", name="uq_cohort_members_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CohortCourse(Base):
    __tablename__ = "cohort_courses"
    __table_args__ = (UniqueConstraint("cohort_id", "course_id", name="uq_cohort_courses_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date | None] = mapped_column(Date)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who assigned it (or last changed its due date): trainees see it on My training.
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


# -- An invitation to register: single-use or shared by a cohort.


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of the token: a leaked database does not leak working links.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16), default="trainee")
    max_uses: Mapped[int | None] = mapped_column(Integer)  # None: any number (cohort link)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A cohort link adds whoever registers (or joins) with it to the cohort.
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def usable(self, now: datetime) -> bool:
        """Whether the invite can still be redeemed."""
        if self.revoked_at is not None:
            return False
        if self.expires_at is not None and self.expires_at <= now:
            return False
        return self.max_uses is None or self.uses < self.max_uses


# -- Indexes that serve the trainers' reports, declared beside the models they index.


#: Covers the progress table's per-member aggregates (started, completed, last active per
#: course), so filters and sorts over 10,000 trainees read the index, never the table rows.
#: Each member's enrolments most recent first: the sort by last activity reads one or two
#: entries per member (migration 0011_cohort_facts).
ENROLMENTS_REPORT_INDEX = Index(
    "ix_enrolments_report",
    Enrolment.user_id, Enrolment.last_active_at, Enrolment.course_id, Enrolment.cycle, Enrolment.completed_at,
)
