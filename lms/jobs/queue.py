"""The job queue: enqueue in the caller's transaction, claim with a lease, run, retry with backoff, record failures.

Why a table and not a broker (docs/mail-and-jobs.md): a job is queued in the same
transaction as the change that calls for it (an invitation and its email commit
together or not at all), it needs nothing else running, and it works the same on
SQLite and PostgreSQL.

Claiming is safe with any number of workers:
- PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` then `UPDATE ... WHERE id IN (...)`,
  so two workers never take the same row and never wait for each other;
- SQLite: the session's transaction begins with `BEGIN IMMEDIATE` (lms.core.db), so
  claims are one at a time.
A claim is a lease (`locked_until`): if a worker dies mid-job, the job runs again
once the lease ends. `attempts` counts claims, so a job that kills its worker
still ends up failed rather than looping forever.
"""
from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, or_, select, update

from lms.core.db import DbSession, affected_rows
from lms.core.models import utcnow
from lms.core.sql import is_postgresql
from lms.jobs.models import DEFAULT_MAX_ATTEMPTS, FAILED, QUEUED, Job

log = logging.getLogger(__name__)

#: kind -> the function that does it, called with (session, payload). Features register theirs at start-up.
Handler = Callable[[DbSession, dict], None]
HANDLERS: dict[str, Handler] = {}
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of `kind`."""
    def decorator(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function
    return decorator


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failed tries: 1, 2, 4, 8 ... minutes, at most 6 hours."""
    return min(timedelta(minutes=2 ** min(max(attempts - 1, 0), 20)), MAX_BACKOFF)


def enqueue(session: DbSession, kind: str, payload: dict, *, run_at: datetime | None = None,
            max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Job:
    """Queue a job in the caller's transaction: it runs only if the caller commits."""
    job = Job(kind=kind, payload=payload, status=QUEUED, run_at=run_at or utcnow(), attempts=0,
              max_attempts=max_attempts, created_at=utcnow())
    session.add(job)
    return job


def job_row(kind: str, payload: dict, now: datetime, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> dict:
    """The values of one job for a bulk INSERT (every column given: no per-row defaults needed)."""
    return {"kind": kind, "payload": payload, "status": QUEUED, "run_at": now, "attempts": 0,
            "max_attempts": max_attempts, "created_at": now, "last_error": None, "locked_until": None,
            "locked_by": None, "failed_at": None}


def claim(session: DbSession, worker: str, now: datetime, limit: int = 20) -> list[int]:
    """Take up to `limit` due jobs for `worker` (a lease of LEASE) and commit; returns their ids."""
    due = (select(Job.id)
           .where(Job.status == QUEUED, Job.run_at <= now, or_(Job.locked_until.is_(None), Job.locked_until < now))
           .order_by(Job.run_at, Job.id).limit(limit))
    if is_postgresql(session):
        due = due.with_for_update(skip_locked=True)
    ids = list(session.scalars(due))
    if ids:
        session.execute(update(Job).where(Job.id.in_(ids))
                        .values(locked_until=now + LEASE, locked_by=worker[:100], attempts=Job.attempts + 1))
    session.commit()
    return ids


def run_job(session: DbSession, job_id: int, worker: str) -> str:
    """Run one claimed job: "done" (deleted), "retry" (backed off) or "failed" (kept with its error)."""
    # populate_existing: the claim's UPDATE bypassed the identity map, which may hold an older copy.
    job = session.get(Job, job_id, populate_existing=True)
    if job is None or job.locked_by != worker[:100]:
        session.rollback()
        return "lost"  # another worker took it over after our lease ended
    kind, payload = job.kind, dict(job.payload or {})
    try:
        function = HANDLERS.get(kind)
        if function is None:
            raise LookupError(f"No handler for jobs of kind {kind!r}.")
        function(session, payload)
        session.delete(job)
        session.commit()
        return "done"
    except Exception as exc:  # noqa: BLE001 - any failure of a job is recorded, never lost
        session.rollback()
        log.warning("job %s (%s) failed: %s", job_id, kind, exc)
        return _record_failure(session, job_id, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")


def _record_failure(session: DbSession, job_id: int, error: str) -> str:
    job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        session.rollback()
        return "lost"
    now = utcnow()
    job.last_error = error[:4000]
    job.locked_until = job.locked_by = None
    if job.attempts >= job.max_attempts:
        job.status, job.failed_at = FAILED, now
        outcome = "failed"
        log.error("job %s (%s) failed for good after %s attempts", job.id, job.kind, job.attempts)
    else:
        job.run_at = now + backoff(job.attempts)
        outcome = "retry"
    session.commit()
    return outcome


@dataclass
class RunCounts:
    done: int = 0
    retry: int = 0
    failed: int = 0
    lost: int = 0

    @property
    def total(self) -> int:
        return self.done + self.retry + self.failed + self.lost

    def __str__(self) -> str:
        return f"{self.done} done, {self.retry} to retry, {self.failed} failed"

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def run_due(session: DbSession, worker: str, *, batch: int = 20, max_jobs: int | None = None) -> RunCounts:
    """Claim and run due jobs until none is due (or `max_jobs` have run)."""
    counts = RunCounts()
    while max_jobs is None or counts.total < max_jobs:
        ids = claim(session, worker, utcnow(), batch if max_jobs is None else min(batch, max_jobs - counts.total))
        if not ids:
            break
        for job_id in ids:
            counts.add(run_job(session, job_id, worker))
    return counts


def failed_jobs(session: DbSession, limit: int = 50) -> list[Job]:
    """Jobs that failed for good, newest first (for the operator)."""
    return list(session.scalars(select(Job).where(Job.status == FAILED).order_by(Job.failed_at.desc()).limit(limit)))


def retry_failed(session: DbSession, job_ids: Sequence[int] | None = None) -> int:
    """Queue failed jobs again from their first try (all of them, or those in `job_ids`), in the caller's
    transaction; returns how many. Their payloads are unchanged: an e-mail goes as it would have."""
    chosen = update(Job).where(Job.status == FAILED)
    if job_ids is not None:
        chosen = chosen.where(Job.id.in_(list(job_ids)))
    return affected_rows(session, chosen.values(status=QUEUED, attempts=0, run_at=utcnow(), failed_at=None,
                                                locked_until=None, locked_by=None)
                         .execution_options(synchronize_session=False))


def depth(connection: Connection) -> dict[str, int]:
    """How many jobs there are in each status (queued, failed, ...): the queue's depth for metrics."""
    rows = connection.execute(select(Job.status, func.count()).group_by(Job.status))
    return {status: int(count) for status, count in rows}
