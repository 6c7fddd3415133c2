"""An optional "how are you feeling?" after hard material: private to the trainee."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.models.base import Base, UTCDateTime, utcnow


class WellbeingCheckin(Base):
    __tablename__ = "wellbeing_checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("scenario_runs.id", ondelete="SET NULL"))
    feeling: Mapped[str] = mapped_column(String(32))  # ok / unsettled / struggling
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
