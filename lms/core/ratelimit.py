"""Rate limits kept in the database, so every worker and every server shares them.

A fixed-window counter per key: one upsert per request, atomic on SQLite and
PostgreSQL alike (no Redis needed for a small install). Keys name what is
limited and the real client address (`request.remote_addr`, which believes
X-Forwarded-For only from LMS_TRUSTED_PROXIES proxies).
"""
from __future__ import annotations

import random
import time

from flask import request
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.exceptions import TooManyRequests

from lms.core import metrics
from lms.core.db import DbSession, counting_transaction
from lms.core.models import RateLimitCounter

#: One request in this many also sweeps expired counters (cheap, and the table stays small).
SWEEP_ONE_IN = 50


def current_time() -> float:
    """Seconds since the epoch; one seam so tests can hold a window still."""
    return time.time()


def hit(session: DbSession, key: str, limit: int, seconds: int, now: float | None = None) -> bool:
    """Count one request for `key`; False once it has had more than `limit` in the current window.

    Commits at once (see `counting_transaction`): call it before the request writes anything.
    """
    now = current_time() if now is None else now
    window = int(now // seconds)
    with counting_transaction(session) as connection:
        insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
        values = insert(RateLimitCounter).values(key=key, window=window, hits=1, expires=(window + 1) * seconds)
        statement = values.on_conflict_do_update(
            index_elements=[RateLimitCounter.key, RateLimitCounter.window],
            set_={"hits": RateLimitCounter.hits + 1},
        ).returning(RateLimitCounter.hits)
        hits = connection.execute(statement).scalar_one()
        if random.randrange(SWEEP_ONE_IN) == 0:
            connection.execute(delete(RateLimitCounter).where(RateLimitCounter.expires < now))
    return hits <= limit


def client_address() -> str:
    """The real client's address (ProxyFix has applied LMS_TRUSTED_PROXIES), for keys."""
    return request.remote_addr or "unknown"


def limit_or_429(session: DbSession, name: str, limit: int, seconds: int) -> None:
    """Abort with 429 ("Too many requests", with `Retry-After`: the window) once this client has made more
    than `limit` `name` requests in `seconds`."""
    if not hit(session, f"{name}:{client_address()}", limit, seconds):
        metrics.refused(name)
        raise TooManyRequests(retry_after=seconds)
