"""The rate limit of the public verification pages, shared by every worker and server.

Per real client address, per minute, counted in the database (lms.core.ratelimit):
enough to stop someone walking the code space from one address (160-bit codes
make guessing hopeless anyway) while a flood from one address leaves every
other verifier alone.
"""
from __future__ import annotations

from flask import current_app

from lms.core import ratelimit
from lms.core.db import DbSession

VERIFY_WINDOW_SECONDS = 60


def check_verify_limit(session: DbSession) -> None:
    """Abort with 429 once this client has looked up more than LMS_CERTIFICATE_VERIFY_LIMIT codes this minute."""
    ratelimit.limit_or_429(session, "verify", current_app.config["CERTIFICATE_VERIFY_LIMIT"], VERIFY_WINDOW_SECONDS)
