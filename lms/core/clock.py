"""What day it is for the charity: dates (due dates, expiry, file names) follow the configured timezone.

A server's clock is usually UTC; a certificate that expires "on 31 March" must still be
valid at 00:30 on 31 March in the charity's own time, so nothing uses `date.today()`.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Europe/London"


def zone(name: str) -> ZoneInfo | None:
    """The named IANA timezone, or None when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_zone() -> ZoneInfo:
    """The app's configured timezone (TIMEZONE, checked at start-up); the default outside an app
    (services called on their own, as tests and benchmarks do)."""
    if not has_app_context():
        return ZoneInfo(DEFAULT_TIMEZONE)
    return zone(current_app.config["TIMEZONE"]) or ZoneInfo(DEFAULT_TIMEZONE)


def now() -> datetime:
    """The current time in the charity's timezone."""
    return datetime.now(local_zone())


def today() -> date:
    """Today's date in the charity's timezone."""
    return now().date()


def local_date(moment: datetime) -> date:
    """The charity's calendar date of a stored (UTC) moment."""
    return moment.astimezone(local_zone()).date()


def start_of_day(day: date) -> datetime:
    """The moment (in UTC) a calendar day begins in the charity's timezone: stored moments compare with it."""
    return datetime.combine(day, time(), local_zone()).astimezone(UTC)
