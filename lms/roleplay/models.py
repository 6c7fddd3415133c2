"""A play-through of a role-play scenario, and every choice made in it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.crypto import EncryptedText
from lms.core.models import Base, UTCDateTime, utcnow


class ScenarioRun(Base):
    __tablename__ = "scenario_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(100), index=True)
    # Set when the run is played as a course step, so it can complete that step.
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id", ondelete="SET NULL"), index=True)
    step_id: Mapped[str | None] = mapped_column(String(100))
    current_node: Mapped[str] = mapped_column(String(100))
    score: Mapped[int] = mapped_column(Integer, default=0)
    crossed_red_line: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(16))  # pass / fail / neutral at an ending
    passed: Mapped[bool | None] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_active_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Practice runs are private; a trainee may share one with their trainers for comments.
    # Course runs are always visible to the trainee's cohort trainers.
    shared_with_trainers_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    choices: Mapped[list[RunChoice]] = relationship(
        back_populates="run", order_by="RunChoice.position", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


class RunChoice(Base):
    __tablename__ = "run_choices"
    # One choice per position: a replayed or double-clicked form cannot add a second.
    __table_args__ = (UniqueConstraint("run_id", "position", name="uq_run_choices_run_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scenario_runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 0, 1, 2 ... in the run
    node_id: Mapped[str] = mapped_column(String(100))
    choice_index: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(100))
    score: Mapped[int] = mapped_column(Integer, default=0)
    red_line: Mapped[bool] = mapped_column(Boolean, default=False)
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    run: Mapped[ScenarioRun] = relationship(back_populates="choices")


# -- An optional "how are you feeling?" after hard material: private to the trainee.


class WellbeingCheckin(Base):
    __tablename__ = "wellbeing_checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("scenario_runs.id", ondelete="SET NULL"))
    feeling: Mapped[str] = mapped_column(String(32))  # ok / unsettled / struggling
    note: Mapped[str] = mapped_column(EncryptedText, default="")  # encrypted at rest (lms.core.crypto)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
