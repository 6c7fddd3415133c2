"""What was sent once (the reminders' unique keys) and what each person chose to receive."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.models import Base, UTCDateTime, utcnow


class SentReminder(Base):
    """A reminder queued for a person: the unique key makes it once per person, subject, kind and date.

    `subject` is what the reminder is about: a course id, or `certificate:<id>` / `cohort:<id>`.
    `on_date` is the date the reminder is for (a due date, an expiry date, the day of a nudge).
    """

    __tablename__ = "sent_reminders"
    __table_args__ = (UniqueConstraint("user_id", "subject", "kind", "on_date", name="uq_sent_reminders_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    on_date: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReminderPreference(Base):
    """Which reminders and notifications a person gets by email; no row means all of them."""

    __tablename__ = "reminder_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    due_dates: Mapped[bool] = mapped_column(Boolean, default=True)
    refreshers: Mapped[bool] = mapped_column(Boolean, default=True)
    nudges: Mapped[bool] = mapped_column(Boolean, default=True)
    sign_offs: Mapped[bool] = mapped_column(Boolean, default=True)
    # Coaching news (lms.coaching.emails): for trainees, then for trainers.
    coach_marks: Mapped[bool] = mapped_column(Boolean, default=True)
    coach_comments: Mapped[bool] = mapped_column(Boolean, default=True)
    coach_confirmations: Mapped[bool] = mapped_column(Boolean, default=True)
    coach_replies: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_requests: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
