"""When a trainee joined a cohort, against its courses' due dates.

One rule, read the same way everywhere: someone who joined after a course's due date could
never have met it, so they are never counted overdue for it.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

from lms.core import clock


def joined_after(joined_at: datetime | None, due_on: date | None) -> bool:
    """Whether a member joined their cohort after a course's due date, by the charity's calendar.

    They could never have met that date, so they are never counted overdue: not on My training,
    in reminders, on the trainer's progress table and dashboard, nor in a trainer's nudge.
    """
    return due_on is not None and joined_at is not None and clock.local_date(joined_at) > due_on


def joined_after_sql(joined_at: ColumnElement[datetime] | InstrumentedAttribute[datetime],
                     due_on: date) -> ColumnElement[bool]:
    """joined_after() in SQL, for one due date: joined on or after the start of the next local day."""
    return joined_at >= clock.start_of_day(due_on + timedelta(days=1))
