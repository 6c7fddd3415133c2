"""When an issued certificate is valid, due a refresher or expired: one rule, in Python and in SQL.

The trainee's certificates, the verification page and the cohort progress table all ask
this module, and `tests/test_certificate_validity.py` checks that the SQL form and the
Python form agree on every boundary date.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import InstrumentedAttribute

#: A certificate that runs out within this many days shows "refresher due".
REFRESHER_DAYS = 60

Standing = Literal["valid", "refresher_due", "expired"]


def refresher_horizon(today: date) -> date:
    """The last day of the refresher window that starts today."""
    return today + timedelta(days=REFRESHER_DAYS)


def standing(valid_until: date | None, today: date) -> Standing:
    """An issued certificate's standing today: it is valid through its `valid_until` day."""
    if valid_until is None:
        return "valid"
    if valid_until < today:
        return "expired"
    if valid_until <= refresher_horizon(today):
        return "refresher_due"
    return "valid"


def not_expired_sql(valid_until: InstrumentedAttribute[date | None], today: date) -> ColumnElement[bool]:
    """SQL for `standing(valid_until, today) != "expired"`."""
    return or_(valid_until.is_(None), valid_until >= today)


def valid_sql(valid_until: InstrumentedAttribute[date | None], today: date) -> ColumnElement[bool]:
    """SQL for `standing(valid_until, today) == "valid"` (no refresher due)."""
    return or_(valid_until.is_(None), valid_until > refresher_horizon(today))
