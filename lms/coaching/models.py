"""Comments on role-play runs and requests for a trainer to get in touch.

Marks on responses and confirmed steps live with learning (ResponseEntry,
StepConfirmation): this package adds the trainer's side of them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.crypto import EncryptedText
from lms.core.models import Base, UTCDateTime, partial_index, utcnow


class RunComment(Base):
    """A trainer's comment on a trainee's run, on the whole run or on one choice, and the trainee's one reply.

    A thread is a comment and at most one reply: a short conversation, not a forum.
    The run owns the comment (deleted with it); the author's name is copied so the
    trainee still reads who wrote it if the trainer's account is deleted.
    """

    __tablename__ = "run_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scenario_runs.id", ondelete="CASCADE"), index=True)
    # The choice's position in the run (RunChoice.position), or None for the run as a whole.
    position: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reply_text: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


CONTACT_OPEN = "open"
CONTACT_FOLLOWED_UP = "followed_up"
CONTACT_WITHDRAWN = "withdrawn"


class ContactRequest(Base):
    """"I'd like my trainer to get in touch", asked after a check-in.

    Trainers see the request and the note written for them, never the check-in:
    `checkin_id` is kept for the trainee's own record and is never read for a trainer.
    """

    __tablename__ = "contact_requests"
    # Trainers' pages count the open requests on every view.
    __table_args__ = (partial_index("ix_contact_requests_open", "user_id", where=f"status = '{CONTACT_OPEN}'"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("wellbeing_checkins.id", ondelete="SET NULL"))
    note_for_trainer: Mapped[str] = mapped_column(EncryptedText, default="")  # encrypted at rest (lms.core.crypto)
    status: Mapped[str] = mapped_column(String(16), default=CONTACT_OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    followed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
