"""One pass of a trainee through a course; a retake starts a new cycle."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.crypto import EncryptedText
from lms.core.models import Base, UTCDateTime, partial_index, utcnow

#: The rows the partial indexes of completed enrolments and steps hold.
COMPLETED = "completed_at IS NOT NULL"


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "cycle", name="uq_enrolments_user_course_cycle"),
                      # A cohort's summary counts each member's completed courses (cohorts.reports).
                      partial_index("ix_enrolments_completed", "user_id", "course_id", where=COMPLETED),
                      # Sorting a cohort by progress in one course reads that course's rows from the index
                      # alone; it also serves every lookup by course.
                      Index("ix_enrolments_by_course", "course_id", "user_id", "cycle", "completed_at",
                            "last_active_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Content ids, not foreign keys: courses live in folders, not the database.
    course_id: Mapped[str] = mapped_column(String(100))
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_step_id: Mapped[str | None] = mapped_column(String(100))
    last_active_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Once set, never cleared: a completion stands even if the course changes.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_version: Mapped[str | None] = mapped_column(String(64))
    #: What a certificate of this completion states that a later edit of the course could change, as it was at
    #: completion (`progress.completion_facts`): hours, validity, pass mark, role-play. None before 0015.
    completion_facts: Mapped[dict | None] = mapped_column(JSON)
    #: The ids of the steps completed in this enrolment, each written `[step-id]`, in no order. Kept by
    #: triggers on step_progress (migration 0011_cohort_facts), never written from Python: the progress
    #: table sorts 10,000 members by it without reading their step rows.
    completed_steps: Mapped[str] = mapped_column(Text, default="", server_default="")


# -- Step completion, question answers and assessment attempts within an enrolment.


class StepProgress(Base):
    """A step the trainee opened in an enrolment, and when they last did.

    A trigger (migration 0008_visit_upsert) copies every insert, and every change of
    `last_seen_at`, to the enrolment's place (`Enrolment.last_step_id`,
    `last_active_at`): a visit is one statement, and the enrolment's copy is what
    the reports and "Continue" read. Others (0011_cohort_facts) keep the
    enrolment's list of completed steps (`Enrolment.completed_steps`) as rows are
    completed, un-completed or deleted.
    """

    __tablename__ = "step_progress"
    # The unique pair also serves every lookup by enrolment: no index of its own (one less per visit).
    __table_args__ = (UniqueConstraint("enrolment_id", "step_id", name="uq_step_progress_enrolment_step"),
                      # The progress table counts completed steps per enrolment without reading the rows.
                      partial_index("ix_step_progress_completed", "enrolment_id", "step_id", where=COMPLETED))

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(100))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class QuestionAnswer(Base):
    """The latest answer to a practice question, and whether it was ever right."""

    __tablename__ = "question_answers"
    __table_args__ = (UniqueConstraint("enrolment_id", "question_id", name="uq_question_answers_enrolment_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[str] = mapped_column(String(100))
    question_id: Mapped[str] = mapped_column(String(150))
    selected: Mapped[list] = mapped_column(JSON, default=list)
    correct: Mapped[bool] = mapped_column(Boolean, default=False)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    first_correct_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AssessmentAttempt(Base):
    __tablename__ = "assessment_attempts"
    __table_args__ = (UniqueConstraint("enrolment_id", "step_id", "number", name="uq_assessment_attempts_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the enrolment
    # {question_id: [selected indexes]} and {question_id: correct?}
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    results: Mapped[dict] = mapped_column(JSON, default=dict)
    score_percent: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The draw this attempt answered (FORMAT.md §7.1-7.2): which questions were shown,
    # and the seed of each question's choice order. None for attempts made before v1.1.
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_draws.id", ondelete="SET NULL"))
    # Ids of the critical questions answered wrongly: why a good score did not pass.
    critical_missed: Mapped[list] = mapped_column(JSON, default=list)


class AssessmentDraw(Base):
    """The questions of one attempt, recorded when the trainee first sees its form.

    Made before any answer, so the questions drawn (`pool: N`) and the choice
    order (seeded by this row's id) stay the same across reloads and differ
    from one attempt to the next. Submitting attempt `number` answers this draw.
    """

    __tablename__ = "assessment_draws"
    __table_args__ = (UniqueConstraint("enrolment_id", "step_id", "number", name="uq_assessment_draws_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[str] = mapped_column(String(100))
    number: Mapped[int] = mapped_column(Integer)
    question_ids: Mapped[list] = mapped_column(JSON, default=list)  # in the order shown
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Answers chosen but not submitted when the trainee took a break ({question id: [choice indexes]}):
    # shown again in the form; never graded.
    draft: Mapped[dict | None] = mapped_column(JSON)


# -- Work a trainer reads or confirms (FORMAT.md §7.7-7.8).

RESPONSE_SUBMITTED = "submitted"
RESPONSE_MEETS_STANDARD = "meets_standard"
RESPONSE_TRY_AGAIN = "try_again"
RESPONSE_STATUSES = (RESPONSE_SUBMITTED, RESPONSE_MEETS_STANDARD, RESPONSE_TRY_AGAIN)


class ResponseEntry(Base):
    """A trainee's written response to a step's prompt; unlike a reflection, their cohort trainers read it."""

    __tablename__ = "response_entries"
    __table_args__ = (UniqueConstraint("enrolment_id", "response_id", name="uq_response_entries_key"),
                      # Trainers' pages count the responses waiting for review on every view.
                      partial_index("ix_response_entries_submitted", "user_id",
                                    where=f"status = '{RESPONSE_SUBMITTED}'"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[str] = mapped_column(String(100))
    step_id: Mapped[str] = mapped_column(String(100))
    response_id: Mapped[str] = mapped_column(String(150))
    # Kept so a trainer still sees what was asked if the course is later edited.
    prompt_text: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    # When it was sent for review: first written, or sent again after a mark. The review queue waits from
    # here; a change while it waits moves only updated_at.
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=RESPONSE_SUBMITTED)
    reviewer_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


CONFIRMATION_READY = "ready"
CONFIRMATION_CONFIRMED = "confirmed"



class ResponseDraft(Base):
    """Words written in a response box and not sent, kept when the trainee took a break.

    Private until sent, like a reflection: no trainer's page, count or export reads this table, and its
    text is encrypted at rest. Sending the response removes it."""

    __tablename__ = "response_drafts"
    __table_args__ = (UniqueConstraint("enrolment_id", "response_id", name="uq_response_drafts_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    response_id: Mapped[str] = mapped_column(String(150))
    text: Mapped[str] = mapped_column(EncryptedText)  # encrypted at rest (lms.core.crypto)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

class StepConfirmation(Base):
    """A practical step done outside the LMS: the trainee says it is ready, a trainer confirms it."""

    __tablename__ = "step_confirmations"
    __table_args__ = (UniqueConstraint("enrolment_id", "step_id", name="uq_step_confirmations_key"),
                      # Trainers' pages count the steps waiting for confirmation on every view.
                      partial_index("ix_step_confirmations_ready", "enrolment_id",
                                    where=f"status = '{CONFIRMATION_READY}'"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default=CONFIRMATION_READY)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")  # the trainer's, shown to the trainee
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# -- A trainee's private reflection: never shown to trainers or admins.


class ReflectionEntry(Base):
    __tablename__ = "reflection_entries"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "reflection_id", name="uq_reflection_entries_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[str] = mapped_column(String(100))
    step_id: Mapped[str] = mapped_column(String(100))
    reflection_id: Mapped[str] = mapped_column(String(150))
    # Kept so an export still makes sense if the course is later edited.
    prompt_text: Mapped[str] = mapped_column(Text, default="")
    # The language the prompt was shown in (a step not translated yet is English on a Welsh page); None before 0012.
    prompt_language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    text: Mapped[str] = mapped_column(EncryptedText)  # encrypted at rest (lms.core.crypto)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
